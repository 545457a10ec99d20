"""Every point is earned: degenerate implementations generated from the contract
(tests/corpus/degenerate.py), graded with the class, earn nothing on the tests of the
functions they replace; a detached copy of the right value earns nothing for gradients."""
import pytest

from tests.corpus.degenerate import KINDS

pytestmark = pytest.mark.slow
EMPTY = [kind for kind in KINDS if kind != "detached"]


def function_tests(results):
    return [t for t in results["tests"] if not t["name"].split("(", 1)[1].startswith("answers.")]


@pytest.mark.parametrize("kind", EMPTY)
def test_degenerate_implementation_earns_nothing(graded_class, kind):
    tests = function_tests(graded_class["by_name"][f"degenerate: {kind}"])
    assert len(tests) >= 30
    paid = {t["name"]: t["score"] for t in tests if t["score"] > 0}
    assert paid == {}, paid


def test_constant_outputs_are_named_in_the_hint(graded_class):
    for kind, words in (("zeros", "your result is all zeros"), ("constant", "every value of your result is 0.3")):
        outputs = " ".join(t["output"] for t in function_tests(graded_class["by_name"][f"degenerate: {kind}"]))
        assert words in outputs and "off by a factor 0 " not in outputs + " "


def test_detached_values_earn_no_gradient_part(graded_class):
    tests = function_tests(graded_class["by_name"]["degenerate: detached"])
    with_gradients = [t for t in tests if "gradient" in t["output"]]
    assert len(with_gradients) >= 12
    for test in tests:
        passed = next((line for line in test["output"].splitlines() if line.startswith("passed: ")), "")
        assert "gradient" not in passed, (test["name"], passed)
    for test in with_gradients:
        assert test["score"] < test["max_score"], test["name"]
