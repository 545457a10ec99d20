"""What the kit tells a student, without building a kit: the points the grader gives each
test (partial credit too) and the whole assignment's total; a function the file does not
define reported as not implemented, with the file and the name; the install notes; and the
kit's own files kept out of the student's."""
import shutil
import types

from autograder import course as courses
from autograder.grader import assignment as assignment_file
from autograder.grader.calls import StudentError
from autograder.grader.discovery import discover
from autograder.grader.parts import Parts
from autograder.kit import CHECK, KIT, build
from autograder.grader.plugin import unwritten
from autograder.kit.selfcheck import FAIL, OK, TODO, UNCHECKED, Verdict, count, render, verdicts
from tests.cs236.submissions import COURSE as CS236
from tests.submissions import ROOT

BUNDLED = courses.load()


def plugin(tests):
    """A grading's plugin as the kit reads it, from {test: (score, points, parts or None,
    output, kind of the error that ended it outside its parts)}."""
    return types.SimpleNamespace(
        records={t: {"name": t.removeprefix("test_"), "score": s, "max_score": p, "output": out}
                 for t, (s, p, _, out, _) in tests.items()},
        parts={t: parts for t, (_, _, parts, _, _) in tests.items() if parts is not None},
        kinds={t: kind for t, (*_, kind) in tests.items()}, unchecked={})


def parts(*raised):
    """Parts of a test, each failing with the StudentError ``raised`` gives it (None: passes)."""
    found = Parts()
    for index, error in enumerate(raised):
        with found(f"part {index}"):
            if error is not None:
                raise error
    return found


def test_a_failing_test_shows_and_counts_the_points_the_grader_gives_it():
    found = [Verdict("test_kl", "kl (m.kl)", 7, FAIL, "a part failed", earned=5.6),
             Verdict("test_elbo", "elbo (m.elbo)", 12, OK, earned=12),
             Verdict("test_step", "step (m.step)", 3, TODO, earned=0),
             Verdict("test_training", "training (m.step)", 14, UNCHECKED, "trained on Gradescope")]
    lines = render("Course", 100, found, [], []).splitlines()
    assert "  FAIL              5.6 of  7 pts  kl (m.kl)" in lines
    assert "  ok                 12 of 12 pts  elbo (m.elbo)" in lines
    assert "  not implemented     0 of  3 pts  step (m.step)" in lines
    assert "  not checked here         14 pts  training (m.step)" in lines
    assert lines[-3:] == ["1 of 3 checked here passes.", "Not implemented yet: step.",
                          "22 of 100 points checked here: 17.6 earned; 14 points are judged only on Gradescope "
                          "(training)."]


def test_one_point_is_a_point():
    assert (count(1, "point"), count(2.5, "point"), count(0, "part")) == ("1 point", "2.5 points", "0 parts")
    text = render("Course", 3, [Verdict("test_a", "a (m.a)", 2, OK, earned=2),
                                Verdict("test_b", "b (m.b)", 1, UNCHECKED, "why")], [], [])
    assert text.endswith("2 of 3 points checked here: 2 earned; 1 point is judged only on Gradescope (b).")


def test_a_function_the_file_does_not_define_is_not_implemented_with_its_file_and_name():
    missing = StudentError("vae.py defines no `kl_diag_gaussians`", "undefined")
    graded = plugin({"test_kl": (0, 3, parts(missing, missing), "", None),  # its parts tell
                     "test_conjugate": (0, 1, None, "divergences.py defines no `kl_conjugate`", "undefined"),
                     "test_stub": (0, 2, parts(StudentError("raised NotImplementedError", "not_implemented")), "",
                                   None),
                     "test_wrong": (0, 2, parts(StudentError("raised ValueError")), "", None),
                     "test_half": (1, 2, parts(None, missing), "", None)})
    assert unwritten(graded, "test_kl") == "vae.py defines no `kl_diag_gaussians`"
    assert unwritten(graded, "test_conjugate") == "divergences.py defines no `kl_conjugate`"
    assert unwritten(graded, "test_stub") == ""
    assert unwritten(graded, "test_wrong") is None and unwritten(graded, "test_half") is None
    found = {v.test: v for v in verdicts(None, graded, {})}
    assert (found["test_kl"].status, found["test_kl"].detail) == (TODO, "vae.py defines no `kl_diag_gaussians`")
    assert [found[t].status for t in ("test_stub", "test_wrong", "test_half")] == [TODO, FAIL, FAIL]
    assert found["test_half"].earned == 1


def test_the_kit_requires_only_what_it_runs_and_says_what_for():
    bundled, cs236 = ({name.split("=")[0].split(">")[0]: why for name, why in build.requirements(courses.load(c))}
                      for c in (None, CS236))
    assert set(bundled) == {"torch", "numpy", "scipy", "pyyaml", "pytest", "jsonschema", "nbformat"}
    assert set(cs236) == set(bundled) - {"nbformat"}  # its course takes no notebook
    assert all(bundled.values())


def test_the_readme_sets_up_a_virtual_environment_and_counts_in_words():
    template = {str(p.relative_to(BUNDLED.template)): p for p in BUNDLED.template.rglob("*") if p.is_file()}
    text = build.readme(BUNDLED, assignment_file.load(BUNDLED.manifest, BUNDLED), template)
    assert text.index("python -m venv .venv") < text.index("pip install -r requirements.txt")
    assert "kl_conjugate (divergences.kl_conjugate): 1 point\n" in text and "1 points" not in text
    assert "- `pytest>=8.0`: runs the grader's checks" in text and "sympy" not in text


def test_the_kits_launcher_is_not_among_the_students_files(tmp_path):
    folder = tmp_path / "kit"
    shutil.copytree(ROOT / "student_template", folder)
    (folder / CHECK).write_text(build.LAUNCHER)
    (folder / "helpers.py").write_text("X = 1\n")
    notes = discover(folder, BUNDLED).notes
    assert [n for n in notes if n.startswith("Your other Python files")] == [
        "Your other Python files, importable beside the graded ones: check.py, helpers.py."]
    (folder / KIT).mkdir()  # beside the kit's folder, check.py is the kit's
    notes = discover(folder, BUNDLED).notes
    assert [n for n in notes if n.startswith("Your other Python files")] == [
        "Your other Python files, importable beside the graded ones: helpers.py."]
