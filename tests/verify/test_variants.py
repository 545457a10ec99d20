"""Declared variants as data: loaded from a course's variants.yaml, applied to its reference,
judged against a grading; an author's mistake in the file names its line."""
import dataclasses
import shutil
from pathlib import Path

import pytest

from autograder import course as courses
from autograder.course import CourseError
from autograder.grader import assignment as assignment_file
from autograder.verify import variants
from autograder.verify.equivalence import same
from autograder.verify.grading import Graded
from autograder.grader.values import Returned

ROOT = Path(__file__).resolve().parent.parent.parent
TINY = ROOT / "tests" / "courses" / "tiny"


@pytest.fixture
def tiny(tmp_path):
    shutil.copytree(TINY, tmp_path / "tiny", ignore=shutil.ignore_patterns("__pycache__"))
    return tmp_path / "tiny"


def test_every_course_declares_variants_that_apply():
    for folder in (ROOT, ROOT / "courses" / "cs236-hw2", TINY):
        found = variants.load(courses.load(folder))
        assert {v.kind for v in found} == {variants.MISTAKE, variants.ALTERNATIVE}, folder


def test_a_function_is_replaced_in_place_and_a_submission_carries_the_change(tiny, tmp_path):
    course = courses.load(tiny)
    where = next(v for v in variants.load(course) if v.name.startswith("the coupling with torch.where"))
    text = where.changed["coupling.py"]
    assert "torch.where(keep, x" in text and text.startswith('"""The affine coupling layer')
    assert "(1 - mask) * (x * torch.exp" not in text
    submission = where.submission(course, tmp_path / "sub")
    assert (submission / "toolkit" / "coupling.py").read_text() == text
    assert (submission / "answers.yaml").is_file()


def test_replace_function_keeps_decorators_and_indentation():
    text = "class A:\n    @staticmethod\n    def f(x):\n        return x\n\n    def g(self):\n        return 1\n"
    out = variants.replace_function(text, "A.f", "@staticmethod\ndef f(x):\n    return -x\n")
    assert out == "class A:\n    @staticmethod\n    def f(x):\n        return -x\n\n    def g(self):\n        return 1\n"


@pytest.mark.parametrize("old, new, error", [
    ('replace: "return -torch.log(u.clamp_min(TINY)) / rate"', 'replace: "return nothing / rate"', "occurs 0 times"),
    ("loses: [dist.sampling.sample_exponential]", "loses: [dist.sampling.sample_exponentially]",
     "no function of the course"),
    ('with: "return -torch.log(u.clamp_min(TINY)) * rate"', 'with: "return (("', "does not parse"),
])
def test_an_authors_mistake_names_its_line(tiny, old, new, error):
    path = tiny / "variants.yaml"
    assert path.read_text().count(old) == 1
    path.write_text(path.read_text().replace(old, new))
    with pytest.raises(CourseError, match=error) as raised:
        variants.load(courses.load(tiny))
    assert "variants.yaml:8: the rate multiplies instead of dividing" in str(raised.value)


def _graded(scores, output="wrong"):
    records = {t: {"name": t, "score": s, "max_score": m, "output": output} for t, (s, m) in scores.items()}
    return Graded(records, sum(s for s, _ in scores.values()), "", ())


def test_a_mistake_passes_only_when_it_costs_exactly_its_functions():
    course = courses.load(TINY)
    assignment = assignment_file.load(course.manifest, course)
    rate = next(v for v in variants.load(course) if v.name == "the rate multiplies instead of dividing")
    full = {t: (s.points, s.points) for t, s in assignment.tests.items()}
    caught = {**full, "test_sample_exponential": (1.0, 4.0)}
    assert rate.judge(assignment, _graded(caught, "… divide by the rate …")) == (
        True, "lost dist.sampling.sample_exponential")
    ok, got = rate.judge(assignment, _graded(caught, "off by a factor"))
    assert not ok and "no message of the tests it lost says 'divide by the rate'" in got
    # one losing test that names it is enough: another (a training run's) may tell only its dynamics
    both = dataclasses.replace(rate, loses=rate.loses | {"logistic.log_sigmoid"})
    named = _graded({**caught, "test_log_sigmoid": (0.0, 4.0)}, "a loss off its band")
    named.records["test_sample_exponential"]["output"] = "… divide by the rate …"
    assert both.judge(assignment, named)[0]
    assert not both.judge(assignment, _graded({**caught, "test_log_sigmoid": (0.0, 4.0)}, "a loss off its band"))[0]
    ok, got = rate.judge(assignment, _graded(full))
    assert not ok and got == "lost nothing; dist.sampling.sample_exponential kept its points"
    ok, got = rate.judge(assignment, _graded({**caught, "test_log_sigmoid": (0.0, 4.0)}, "divide by the rate"))
    assert not ok and "test_log_sigmoid scored 0 of 4" in got


def test_a_mistake_that_does_not_run_proves_nothing_unless_it_says_so():
    course = courses.load(TINY)
    assignment = assignment_file.load(course.manifest, course)
    rate = next(v for v in variants.load(course) if v.name == "the rate multiplies instead of dividing")
    full = {t: (s.points, s.points) for t, s in assignment.tests.items()}
    records = _graded({**full, "test_sample_exponential": (0.0, 4.0)}, "divide by the rate").records
    typo = Graded(records, 10.0, (), raised=(("dist.sampling.sample_exponential", "NameError"),))
    ok, got = rate.judge(assignment, typo)
    assert not ok and "sample_exponential raised NameError: the variant itself does not run" in got
    assert dataclasses.replace(rate, raises=True).judge(assignment, typo)[0]
    autograd = dataclasses.replace(typo, raised=(("dist.sampling.sample_exponential", "RuntimeError"),))
    assert rate.judge(assignment, autograd)[0]  # a mistake may raise where a check makes it (backward)


def test_a_variant_touches_the_functions_it_changes_or_their_whole_file():
    course = courses.load(TINY)
    found = {v.name: v.touches(course) for v in variants.load(course)}
    assert found["the rate multiplies instead of dividing"] == {"dist.sampling.sample_exponential"}
    lifted = variants.Variant("a constant", variants.MISTAKE, {
        "dist/sampling.py": (course.reference / "dist" / "sampling.py").read_text() + "\nTINY = 1e-30\n"})
    assert lifted.touches(course) == {n for n in course.functions() if n.startswith("dist.sampling.")}
    assert variants.Variant("new file", variants.MISTAKE, {"mine.py": "x = 1\n"}).touches(course) is None


def test_equal_means_equal_to_roundoff_with_the_same_structure():
    a = Returned(__import__("numpy").array([1.0, 2.0], dtype="float32"), "float32", "cpu", False)
    b = Returned(a.array * (1 + 3e-7), "float32", "cpu", False)
    c = Returned(a.array * (1 + 3e-5), "float32", "cpu", False)
    assert same((a, 1.0), (b, 1.0)) and not same(a, c) and not same((a,), [a]) and not same(a, None)


def test_a_mutant_is_killed_equivalent_accepted_or_a_survivor():
    from autograder.verify.mutants import ACCEPTED, EQUIVALENT, KILLED, RAISED, SURVIVED, _classify
    from autograder.verify.mutate import Mutant

    mutant = Mutant("vae.f", "reduction", 3, "x.sum(-1)", "x.mean(-1)", "changed text")
    kept = Graded({"test_f": {"name": "f", "score": 3.0, "max_score": 3.0, "output": ""}}, 3.0, ())
    lost = Graded({"test_f": {"name": "f", "score": 1.0, "max_score": 3.0, "output": "f: off by a factor"}}, 1.0, ())
    accepted = [variants.Variant("keepdim", variants.ALTERNATIVE, {"vae.py": "changed text"})]
    assert _classify("vae.py", mutant, lost, [], set()) == (KILLED, "f: off by a factor")
    assert _classify("vae.py", mutant, kept, accepted, set())[0] == ACCEPTED
    assert _classify("vae.py", mutant, Graded(kept.records, 3.0, (), calls=4), [], set())[0] == EQUIVALENT
    differs = Graded(kept.records, 3.0, (), calls=4, differ=("vae.f: value differ",))
    assert _classify("vae.py", mutant, differs, [], set()) == (SURVIVED, "vae.f: value differ")
    assert _classify("vae.py", mutant, differs, [], {"vae.f: value differ"})[0] == EQUIVALENT  # the reference's own noise
    assert _classify("vae.py", mutant, Graded(kept.records, 3.0, ()), [], set())[0] == SURVIVED  # no call: no evidence
    assert _classify("vae.py", mutant, Graded(lost.records, 1.0, ("checks/x.py raised",)), [], set())[0] == RAISED
