"""The pytest plugin on synthetic checks: every test yields a record, whatever happens to it,
and a check's parts pay their share."""
import textwrap

import pytest

from autograder.grader import assignment as assignment_file
from autograder.grader import fixtures
from autograder.grader.plugin import GradescopePlugin
from autograder.grader.results import build
from autograder.sandbox.policy import Limits

CHECKS = '''
import pytest


def test_passes():
    pass


def test_fails():
    assert False, "f: got 2, expected 1"


def test_partly(grader):
    for name, passes in [("a", True), ("b", False), ("c", False), ("d", False)]:
        with grader.part(name):
            assert passes, f"{name} failed"


def test_parts_then_an_error(grader):  # an error outside every part: no points
    with grader.part("a"):
        pass
    raise RuntimeError("the check itself broke")


@pytest.mark.skip(reason="needs CUDA")
def test_skipped():
    pass


@pytest.fixture
def broken():
    raise RuntimeError("fixture exploded")


def test_setup_error(broken):
    pass


def test_hidden():
    assert False, "secret detail"


def test_unlisted():  # not in the assignment file: deselected, never run
    raise SystemExit("an unlisted check ran")


def test_measures(metric):
    metric("heldout", -88.123456)
'''


def spec(test_id, number, points, visibility="visible"):
    return assignment_file.TestSpec(test_id, number, "p", points, ("m.f",), visibility, 5.0, 1e-4, 1e-5, 1e-6, 1e-6,
                                   1e-8, 1e-2, 1e-4)


@pytest.fixture
def records(tmp_path):
    (tmp_path / "test_synthetic.py").write_text(textwrap.dedent(CHECKS))
    (tmp_path / "pytest.ini").write_text("[pytest]\n")
    ids = ["test_passes", "test_fails", "test_partly", "test_skipped", "test_setup_error", "test_hidden",
           "test_parts_then_an_error", "test_listed_but_missing", "test_measures"]
    tests = {t: spec(t, f"1.{i + 1}", 10.0, "hidden" if t == "test_hidden" else "visible") for i, t in enumerate(ids)}
    assignment = assignment_file.Assignment("t", 90.0, "visible", "hidden", tests, Limits(),
                                            leaderboard=({"name": "held-out L_100", "metric": "heldout"},))
    plugin = GradescopePlugin(assignment, remote=None, secret_seed=0)
    pytest.main([str(tmp_path), "-q", "-p", "no:cacheprovider", "--assert=plain", "-c", str(tmp_path / "pytest.ini"),
                 "--import-mode=importlib"], plugins=[plugin, fixtures])
    return plugin


def test_every_test_yields_one_record(records):
    assert len(records.records) == 9 and "test_unlisted" not in records.records
    by_id = records.records
    assert by_id["test_passes"]["score"] == 10 and by_id["test_passes"]["status"] == "passed"
    assert by_id["test_fails"]["score"] == 0 and "got 2, expected 1" in by_id["test_fails"]["output"]
    assert by_id["test_partly"]["score"] == 2.5 and by_id["test_partly"]["status"] == "failed"
    assert "passed: a" in by_id["test_partly"]["output"] and "failed (b): b failed" in by_id["test_partly"]["output"]
    assert by_id["test_parts_then_an_error"]["score"] == 0
    assert by_id["test_skipped"]["score"] == 0 and "Not run: needs CUDA" in by_id["test_skipped"]["output"]
    setup_error = by_id["test_setup_error"]
    assert setup_error["score"] == 0 and "could not finish this test" in setup_error["output"]
    assert "while preparing it" in setup_error["output"] and "fixture exploded" not in setup_error["output"]
    assert any("fixture exploded" in error for error in records.staff_errors)  # for the log
    assert "no check named test_listed_but_missing" in by_id["test_listed_but_missing"]["output"]


def test_visibility_comes_from_the_assignment(records):
    hidden = records.records["test_hidden"]
    assert hidden["visibility"] == "hidden" and "secret detail" in hidden["output"]


def test_leaderboard_and_results_document(records):
    assert records.leaderboard == [{"name": "held-out L_100", "value": -88.1235, "order": "desc"}]
    results = build(list(records.records.values()), output="", visibility="visible", stdout_visibility="hidden",
                    execution_time=1.0, leaderboard=records.leaderboard)
    assert results["score"] == 22.5 and [t["number"] for t in results["tests"]][:2] == ["1.1", "1.2"]
