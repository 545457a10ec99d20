"""The grading's time budget (grader/budget.py): each test's share, the tests left ungraded
when it is spent, the summary and the student kit's warning, the manifest's key, and a
grading of a submission whose every call is slow, which must still end in time."""
import json
import re
import shutil
import subprocess
import sys
import time
import types

import pytest

from autograder import course as courses
from autograder.course import CourseError
from autograder.grader import assignment, budget
from autograder.grader.results import validate
from autograder.kit.selfcheck import too_slow
from tests.submissions import ROOT, assignment_file, gradescope_limits

TINY = ROOT / "tests" / "courses" / "tiny"


class Clock:
    """A time.monotonic() that moves only when told to."""

    def __init__(self):
        self.now = 1000.0

    def monotonic(self):
        return self.now


@pytest.fixture
def clock(monkeypatch):
    clock = Clock()
    monkeypatch.setattr(budget, "time", clock)
    return clock


def test_a_slow_test_may_use_what_is_not_held_back_for_the_tests_after_it(clock):
    spend = budget.Budget(100, clock.now)
    spend.plan([20, 20, 120])  # half of 100 s held back in proportion: 6.25, 6.25 and 37.5 s
    first = spend.next_share("test_a")
    assert first.seconds == pytest.approx(100 - 6.25 - 37.5) and not first.last
    assert first.spent("m.f").endswith("so that one slow function cannot leave the others ungraded). Make it faster.")
    clock.now += 100 - 6.25 - 37.5  # it used all of it
    assert spend.next_share("test_b").seconds == pytest.approx(6.25)
    clock.now += 6.25
    assert spend.next_share("test_c").seconds == pytest.approx(37.5)  # the last test: all that is left


def test_a_share_is_at_least_a_fair_part_of_what_is_left_and_the_floor_never_more(clock):
    spend = budget.Budget(100, clock.now)
    spend.plan([10, 30, 1, 10, 10])
    spend.next_share("test_a")
    clock.now += 70  # time no share bounds (the reference, a worker's start) overran what was held back
    assert spend.next_share("test_b").seconds == pytest.approx(30 * 30 / 51)  # its fair part of what is left
    clock.now += 22
    assert spend.next_share("test_c").seconds == budget.FLOOR_S  # of 8 s left: its fair part is less
    clock.now += 5
    last = spend.next_share("test_d")
    assert last.seconds == pytest.approx(3)  # never more than is left
    # stopped at its end, a call was stopped by the budget the tests before spent: not "make it faster"
    assert last.spent("m.g") == ("m.g was stopped: the grading's time budget (100 s) ran out during this test, which "
                                 "began with 3 s of it left. The summary names the functions of yours that took the "
                                 "most time.")


def test_a_spent_budget_grades_no_more_tests_and_the_summary_names_them_and_the_slowest_functions(clock):
    spend = budget.Budget(20, clock.now)
    spend.plan([5, 5, 5])
    assert spend.next_share("test_a") is not None
    clock.now += 20
    assert spend.next_share("test_b") is None and spend.next_share("test_c") is None
    assert spend.ran_out().startswith("Not graded: the grading's time budget (20 s) ran out before this test")
    spend.finish()
    lines = spend.summary({"m.fast": (40, 0.5), "m.slow": (2, 18.0), "m.f": (1, 1.0), "m.g": (3, 1.5)})
    assert "2 test(s) were not graded (b, c)" in lines[1]
    assert "m.slow (2 calls, 18.0 s), m.g (3 calls, 1.5 s), m.f (1 call, 1.0 s)." in lines[2]


def test_the_summary_says_nothing_while_the_budget_is_not_tight(clock):
    spend = budget.Budget(100, clock.now)
    clock.now += budget.TIGHT * 100
    spend.finish()
    assert spend.summary({"m.f": (1, 40.0)}) == []
    spend.used += 1
    assert spend.summary({"m.f": (1, 40.0)})[0] == "Time: the checks used 51 s of the grading's 100 s budget."


def test_the_kit_warns_past_a_third_of_the_budget_unless_the_summary_named_the_functions(clock):
    def plugin(used):
        spend = budget.Budget(420, clock.now - used)
        spend.finish()
        return types.SimpleNamespace(budget=spend, remote=types.SimpleNamespace(spent={"m.f": (3, used - 1)}))
    assert too_slow(plugin(100)) == []
    assert "took 150 s here" in too_slow(plugin(150))[0] and "m.f (3 calls, 149.0 s)" in too_slow(plugin(150))[0]
    assert too_slow(plugin(300)) == []  # over half: the grader's summary names them


def test_the_manifest_sets_the_budget_or_takes_the_default(tmp_path):
    bundled = courses.load()
    assert assignment.load(bundled.manifest, bundled).time_budget_s == 420
    assert assignment.load(TINY / "course.yaml").time_budget_s == assignment.TIME_BUDGET_S
    assert assignment.load(assignment_file(tmp_path, course=TINY, time_budget_s=60)).time_budget_s == 60
    with pytest.raises(CourseError, match="time_budget_s"):
        assignment.load(assignment_file(tmp_path, course=TINY, time_budget_s=0))


def slow_submission(folder, seconds):
    """The tiny course's reference as a student submits it, every function sleeping
    ``seconds`` before it answers."""
    shutil.copytree(TINY / "reference", folder)
    for path in (folder / "toolkit").rglob("*.py"):
        path.write_text(path.read_text().replace("    # SOLUTION\n", f"    __import__('time').sleep({seconds})\n"))
    return folder


@pytest.mark.slow
def test_a_submission_whose_every_call_is_slow_is_graded_within_the_budget(tmp_path):
    """Each call sleeps 3 s of its 4 s: the whole grading would take over a minute. With a
    20 s budget each test that runs is cut by its share, the last ones are not graded, and
    the results are written soon after the budget, naming them."""
    policy = assignment_file(tmp_path, course=TINY, timeout_s=4, time_budget_s=20)
    slow_submission(tmp_path / "submission", 3)
    started = time.monotonic()
    process = subprocess.run([*gradescope_limits(), str(ROOT / "run_autograder"), "--course", str(TINY), "--submission",
                              str(tmp_path / "submission"), "--results", str(tmp_path / "results.json"),
                              "--assignment", str(policy)], capture_output=True, text=True, timeout=300,
                             env={"PATH": "/usr/bin:/bin", "AUTOGRADER_PYTHON": sys.executable})
    took = time.monotonic() - started
    assert process.returncode == 0, process.stdout + process.stderr
    results = json.loads((tmp_path / "results.json").read_text())
    validate(results)
    outputs = {t["name"].split(" ")[0]: t["output"] for t in results["tests"]}
    assert list(outputs) == ["log_sigmoid", "sample_exponential", "affine_coupling", "answers"]
    cut, ran_out = "had used its share of the grading's time", "Not graded: the grading's time budget (20 s) ran out"
    assert cut in outputs["log_sigmoid"] and outputs["answers"].startswith(ran_out), outputs
    during = "the grading's time budget (20 s) ran out during this test"  # a share that was all that was left
    assert all(cut in text or during in text or text.startswith(ran_out) for text in outputs.values()), outputs
    not_graded = [test for test, text in outputs.items() if text.startswith(ran_out)]
    assert f"{len(not_graded)} test(s) were not graded ({', '.join(not_graded)})" in results["output"]
    assert re.search(r"Your slowest functions: [\w.]+ \(\d+ calls?, [\d.]+ s\)", results["output"]), results["output"]
    assert sum(t["score"] for t in results["tests"]) < 14
    assert took < 20 + 30, f"the grading took {took:.1f} s"
