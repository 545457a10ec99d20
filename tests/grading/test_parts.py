"""Partial credit: a property part pays only together with the value parts it needs."""
import pytest

from autograder.grader.parts import Parts


def graded(outcomes, needs):
    """Run parts named by ``outcomes`` ({name: passes}); returns (score, report or None)."""
    parts = Parts()
    for name, passes in outcomes.items():
        with parts(name, needs=needs.get(name, ())):
            assert passes, f"{name} is wrong"
    try:
        parts.finish()
        return parts.share(), None
    except AssertionError as exc:
        return parts.share(), str(exc)


def test_property_part_held_alone_pays_nothing():
    score, report = graded({"values": False, "KL(q||q) = 0": True}, {"KL(q||q) = 0": "values"})
    assert score == 0
    assert "held but not counted (KL(q||q) = 0): it pays only together with 'values'" in report


def test_property_part_pays_with_its_values():
    assert graded({"values": True, "KL(q||q) = 0": True}, {"KL(q||q) = 0": "values"}) == (1.0, None)


def test_a_part_without_needs_is_independent():
    score, report = graded({"values": False, "gradients": True}, {})
    assert score == pytest.approx(0.5) and "passed: gradients" in report


def test_every_needed_part_must_pass():
    score, _ = graded({"a": True, "b": False, "c": True}, {"c": ["a", "b"]})
    assert score == pytest.approx(1 / 3)


def test_the_failure_comes_before_the_parts_it_holds_back():
    _, report = graded({"gradients": True, "values": False, "KL(q||q) = 0": True}, {"KL(q||q) = 0": "values"})
    failed, held = report.index("failed (values): values is wrong"), report.index("held but not counted (KL")
    assert report.startswith("passed: gradients") and failed < held


def test_a_part_may_compare_with_a_tolerance_of_its_own():
    from autograder.grader.assignment import TestSpec
    from autograder.grader.handle import Grader

    spec = TestSpec("test_f", "1.1", "p", 1.0, ("m.f",), "visible", 30.0, 1e-5, 1e-6, 1e-10, 1e-12, 1e-8, 0.1, 1e-9)
    grader = Grader(remote=None, spec=spec)
    with grader.part("values"):
        assert grader.tolerance("float32") == {"rtol": 1e-5, "atol": 1e-6}
    with grader.part("after ten steps", rtol=1e-3):
        assert grader.tolerance("float32") == {"rtol": 1e-3, "atol": 1e-6}
        assert grader.tolerance("float64") == {"rtol": 1e-10, "atol": 1e-12}  # float64 keeps the test's
    with grader.part("raises"):
        raise AssertionError("the tolerance is the test's again after a part, failed or not")
    assert grader.spec is spec and grader.parts.verdicts() == {"values": "earned", "after ten steps": "earned",
                                                               "raises": "failed"}
