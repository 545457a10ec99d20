"""A course's handout (ASSIGNMENT.md, beside its course.yaml) travels with it: in Gradescope's
zip, and at the root of the student kit, whose README links it. These check the two file
lists without the grading of the reference a kit records (it is stubbed out here), so they
are fast; tests/kit/test_bundled_kit.py and tests/workflows/test_build.py build both whole."""
import yaml

from autograder import course as courses
from autograder.kit import build
from autograder.kit.record import Record
from autograder.workflows.package import HANDOUT, _course_files
from tests.kit.kits import solution_lines
from tests.submissions import REFERENCE, ROOT

TINY = ROOT / "tests" / "courses" / "tiny"


def kit_files(monkeypatch, course=None):
    """{path in the kit: source} of ``course``'s kit, with an empty record in place of the
    reference's answers (recording them grades the reference)."""
    monkeypatch.setattr(build, "record", lambda course, assignment_path=None, log=None: Record())
    return build.files(course)


def test_the_bundled_course_has_its_handout_and_the_zip_carries_it():
    assert (ROOT / HANDOUT).is_file()
    assert _course_files(courses.load())[HANDOUT] == ROOT / HANDOUT


def test_the_kit_carries_the_handout_beside_the_template_and_its_readme_links_it(monkeypatch):
    entries = kit_files(monkeypatch)
    assert entries[HANDOUT] == ROOT / HANDOUT
    assert not [name for name in entries if name.endswith(HANDOUT) and name != HANDOUT]  # one copy, at the root
    readme = entries["README.md"]
    assert f"Read [`{HANDOUT}`]({HANDOUT}) for what each function must do" in readme.splitlines()[2]
    assert readme.count(f"]({HANDOUT})") == 2  # the kit's own line, then the template's README


def test_the_handout_names_every_graded_function_and_holds_no_solution_and_no_answer():
    text = (ROOT / HANDOUT).read_text()
    manifest = yaml.safe_load((ROOT / "course.yaml").read_text())
    for problem in manifest["problems"]:
        for test, spec in problem["tests"].items():
            assert test in text, test
            for name in spec["covers"]:
                assert name.split(".")[1] in text, name
    assert not [line for line in solution_lines(REFERENCE) if line in text]

    def leaves(tree):
        return [v for value in tree.values() for v in (leaves(value) if isinstance(value, dict) else [value])]
    answers = [str(a) for a in leaves(yaml.safe_load((REFERENCE / "answers.yaml").read_text())) if len(str(a)) > 4]
    assert len(answers) >= 10 and not [a for a in answers if a in text]


def test_a_course_without_a_handout_ships_none_and_its_kit_readme_does_not_name_one(monkeypatch):
    assert not (TINY / HANDOUT).exists()
    assert HANDOUT not in _course_files(courses.load(TINY))
    entries = kit_files(monkeypatch, TINY)
    assert HANDOUT not in entries and HANDOUT not in entries["README.md"]
