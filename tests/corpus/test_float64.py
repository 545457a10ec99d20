"""Both sides of the float64 tolerance, for every function with a float64 part: float32
constants inside a float64 computation cost nothing (tests/corpus/test_corpus.py grades
them as an alternative correct submission); a computation done in float32 and cast back
loses the float64 part of each such test, and nothing else."""
import pytest

pytestmark = pytest.mark.slow


def parts_of(output):
    """(passed part names, failed part names) from a test's report."""
    passed, failed = set(), set()
    for line in output.splitlines():
        if line.startswith("passed: "):
            passed.update(line.removeprefix("passed: ").split(", "))
        elif line.startswith("failed ("):
            failed.update(line.removeprefix("failed (").split("): ", 1)[0].split(", "))
    return passed, failed


def test_float32_computation_loses_exactly_the_float64_parts(graded_class):
    reference = {t["name"]: t for t in graded_class["by_name"]["reference"]["tests"]}
    tests = graded_class["by_name"]["float32 computation"]["tests"]
    with_float64 = 0
    for test in tests:
        _, failed = parts_of(test["output"])
        if test["score"] == test["max_score"]:
            continue
        with_float64 += 1
        assert failed and all(name.startswith("float64") for name in failed), (test["name"], test["output"][:500])
        assert "in float64, moving the inputs by a relative 1e-08 changes your result" in test["output"]
        assert reference[test["name"]]["score"] == test["max_score"]
    assert with_float64 >= 29
