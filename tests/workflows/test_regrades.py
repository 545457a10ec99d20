"""Regrades a head TA can trust: every results file records what produced it; a batch grades
again what a change of the course's checks made stale, rescores without grading what only a
change of points made out of date, and a stopped run, ``--force`` included, says what it
really did and resumes exactly the rest. The tiny course (tests/courses/tiny) keeps each
grading cheap."""
import json
import os
import shutil
import signal
import subprocess
import sys
import threading
import time

import pytest
import yaml

from autograder import provenance
from autograder.grader import assignment as assignment_file
from autograder.grader import results as results_file
from autograder.grader.rescore import rescore
from autograder.workflows import plan as plans
from autograder.workflows.batch import Batch, Stop, Stopped, find_submissions, grade_folder
from autograder.workflows.plan import RUN
from tests.submissions import ROOT, autograder
from tests.workflows.test_tiny_course import TINY, submission

UNSTABLE = "import torch\n\ndef log_sigmoid(x):\n    return torch.log(torch.sigmoid(x))\n"  # fails only at ±200


def course_copy(folder):
    """The tiny course in a folder of its own, to edit."""
    return shutil.copytree(TINY, folder, ignore=shutil.ignore_patterns("__pycache__"))


def edit_manifest(course, change):
    manifest = course / "course.yaml"
    data = yaml.safe_load(manifest.read_text())
    change(data)
    manifest.write_text(yaml.safe_dump(data, sort_keys=False))


def listed(data):
    return {test_id: entry for problem in data["problems"] for test_id, entry in problem["tests"].items()}


def old_results(course, marker="old results"):
    """A valid results file with the current provenance, standing for an earlier grading."""
    return results_file.build([], output=marker, visibility="visible", stdout_visibility="hidden",
                              execution_time=1.0, extra_data={"provenance": provenance.current(course).as_dict()})


# what each hash covers --------------------------------------------------------------------

def test_points_and_visibility_change_only_the_points_hash(tmp_path):
    course = course_copy(tmp_path / "tiny")
    before = provenance.fingerprints(course)

    def move_points(data):
        listed(data)["test_log_sigmoid"].update(points=6, visibility="hidden")
        listed(data)["test_sample_exponential"]["points"] = 2
        data["stdout_visibility"] = "visible"
    edit_manifest(course, move_points)
    moved = provenance.fingerprints(course)
    assert moved.course == before.course and moved.points != before.points

    edit_manifest(course, lambda data: listed(data)["test_log_sigmoid"].update(rtol=1e-3))
    tolerance = provenance.fingerprints(course)
    assert tolerance.course != moved.course and tolerance.points == moved.points

    checks = course / "checks" / "test_tiny.py"
    checks.write_text(checks.read_text() + "\n# a comment is a change of the checks\n")
    assert provenance.fingerprints(course).course != tolerance.course
    assert provenance.fingerprints(shutil.copytree(course, tmp_path / "elsewhere")) == provenance.fingerprints(course)


def test_a_grading_records_its_provenance_and_parts():
    from autograder.grader.parts import Parts

    parts = Parts()
    with parts("values", 2):
        pass
    with parts("float64", needs="values"):
        pass
    with parts("gradients"):
        raise AssertionError("wrong")
    assert parts.recorded() == [{"name": "values", "weight": 2.0, "verdict": "earned"},
                                {"name": "float64", "weight": 1.0, "verdict": "earned"},
                                {"name": "gradients", "weight": 1.0, "verdict": "failed"}]
    recorded = provenance.current(TINY, seed=7).as_dict()
    assert set(recorded) == {"course", "points", "engine", "seed"} and recorded["seed"] == "fixed"


# rescoring --------------------------------------------------------------------------------

def test_a_rescore_pays_the_recorded_verdicts_under_the_new_points(tmp_path):
    course = course_copy(tmp_path / "tiny")
    record = {"name": "log_sigmoid (logistic.log_sigmoid)", "number": "1.1", "score": 3.2, "max_score": 4.0,
              "status": "failed", "output": "failed (stable at x = ±200): ...", "visibility": "visible",
              "tags": ["logistic", "logistic.log_sigmoid"],
              "extra_data": {"parts": [{"name": "values", "weight": 2.0, "verdict": "earned"},
                                       {"name": "stable", "weight": 1.0, "verdict": "failed"},
                                       {"name": "gradients", "weight": 1.0, "verdict": "earned"},
                                       {"name": "float64", "weight": 1.0, "verdict": "earned"}]}}
    unparted = {**record, "name": "answers (answers.exponential_mean)", "number": "4.1", "score": 2.0,
                "max_score": 2.0, "status": "passed", "extra_data": {"parts": []}}
    old = results_file.build([record, unparted], output="Graded toolkit.\nScore: 5.2 / 14", visibility="visible",
                             stdout_visibility="hidden", execution_time=3.0,
                             extra_data={"provenance": provenance.current(course, seed=5).as_dict()})

    def move_points(data):
        listed(data)["test_log_sigmoid"].update(points=6, visibility="after_due_date")
        listed(data)["test_sample_exponential"]["points"] = 1
        listed(data)["test_answers"]["points"] = 3
    edit_manifest(course, move_points)
    now = provenance.fingerprints(course)
    new = rescore(old, assignment_file.load(course / "course.yaml", None), now.points)
    results_file.validate(new)
    by_number = {test["number"]: test for test in new["tests"]}
    assert by_number["1.1"]["score"] == 4.8 and by_number["1.1"]["max_score"] == 6.0  # 4 of 5 weights earned
    assert by_number["1.1"]["visibility"] == "after_due_date" and by_number["1.1"]["status"] == "failed"
    assert by_number["4.1"]["score"] == 3.0  # no parts: it passed, so all of its new points
    assert new["score"] == 7.8 and new["output"].splitlines()[-1] == "Score: 7.8 / 14"
    assert "your code was not run again" in new["output"].splitlines()[-2]
    assert new["extra_data"]["provenance"] == {**old["extra_data"]["provenance"], "points": now.points}
    assert new["extra_data"]["rescored"]["score_before"] == 5.2
    again = rescore(new, assignment_file.load(course / "course.yaml", None), now.points)
    assert again["output"].count("your code was not run again") == 1


# stopping ---------------------------------------------------------------------------------

def test_a_stop_is_said_at_once_and_ends_a_grader_that_ignores_sigterm_within_seconds(tmp_path):
    """A grader that ignores SIGTERM (a loaded machine's, slow to act on it) is killed when
    the grace is over; the submission's old results stay as they were."""
    grader = tmp_path / "python"
    grader.write_text("#!/bin/sh\ntrap '' TERM\nsleep 120\n")
    grader.chmod(0o755)
    results = tmp_path / "graded" / "s0" / "results.json"
    results_file.write(old_results(TINY), results)
    before = results.read_bytes()
    said, raised = [], []
    stop = Stop(say=said.append)

    def grade():
        try:
            grade_folder(tmp_path, results, timeout=600, python=str(grader), stop=stop)
        except Stopped:
            raised.append(time.monotonic())
    thread = threading.Thread(target=grade)
    thread.start()
    time.sleep(1.0)
    sent = time.monotonic()
    stop.request(signal.SIGINT)
    assert said and said[0].startswith("stopping on SIGINT") and "keep their old results" in said[0]
    thread.join(timeout=30)
    assert raised and raised[0] - sent < stop.grace + 2.0, raised
    assert results.read_bytes() == before and not results.with_name("results.fresh.json").exists()


def test_a_plan_under_force_keeps_what_the_stopped_run_regraded():
    current = provenance.Provenance("c", "p", "1", "secret")
    graded = {"extra_data": {"provenance": current.as_dict()}}
    moved = {"extra_data": {"provenance": {**current.as_dict(), "points": "q"}}}
    other = {"extra_data": {"provenance": {**current.as_dict(), "course": "d"}}}

    class Named:
        def __init__(self, name):
            self.name = name
    done = frozenset({"a", "b"})
    assert plans.standing(Named("a"), graded, current, force=True, resumed=done).action == plans.RESUMED
    assert plans.standing(Named("b"), moved, current, force=True, resumed=done).action == plans.RESCORE
    assert plans.standing(Named("c"), graded, current, force=True, resumed=done).why == plans.FORCED
    assert plans.standing(Named("d"), other, current).why == plans.OTHER_COURSE
    assert plans.standing(Named("e"), {"extra_data": {}}, current).why == plans.UNRECORDED
    assert plans.standing(Named("f"), None, current).why == plans.NEW
    assert plans.standing(Named("g"), moved, current).action == plans.RESCORE


# end to end -------------------------------------------------------------------------------

@pytest.mark.slow
def test_stale_results_are_graded_again_and_a_points_change_only_rescores(tmp_path):
    course = course_copy(tmp_path / "tiny")
    submission(tmp_path / "export" / "alice")
    submission(tmp_path / "export" / "bob", broken={"logistic.py": UNSTABLE})
    batch = ["batch", "export", "--course", course, "--out", "graded", "--no-progress", "-j", 2]
    first = autograder(*batch, cwd=tmp_path)
    assert first.returncode == 0, first.stdout + first.stderr
    graded = tmp_path / "graded"
    bob = json.loads((graded / "bob" / "results.json").read_text())
    assert bob["tests"][0]["score"] == 3.2, bob["tests"][0]  # 4 of its 5 parts' weights: not stable at ±200
    assert bob["extra_data"]["provenance"] == provenance.current(course).as_dict()

    again = autograder(*batch, cwd=tmp_path)
    assert "2 submissions, 2 already graded, 0 to grade" in again.stdout, again.stdout + again.stderr

    def move_points(data):
        listed(data)["test_log_sigmoid"]["points"] = 6
        listed(data)["test_sample_exponential"]["points"] = 2
    edit_manifest(course, move_points)
    logs = {name: (graded / name / "grader.log").stat().st_mtime_ns for name in ("alice", "bob")}
    started = time.monotonic()
    rescored = autograder(*batch, cwd=tmp_path)
    seconds = time.monotonic() - started
    assert rescored.returncode == 0, rescored.stdout + rescored.stderr
    assert ("2 submissions, 0 already graded, 2 to rescore (graded before, under other points), 0 to grade"
            in rescored.stdout), rescored.stdout
    assert "rescored 2 in" in rescored.stdout and "nothing graded again" in rescored.stdout
    # no grader ran: none rewrote its log, and a grading alone takes longer than the whole command
    assert logs == {name: (graded / name / "grader.log").stat().st_mtime_ns for name in ("alice", "bob")}
    print(f"rescoring 2 took {seconds:.1f} s, the command included")
    before, bob = bob, json.loads((graded / "bob" / "results.json").read_text())
    assert bob["tests"][0]["score"] == 4.8 and bob["tests"][0]["max_score"] == 6 and bob["tests"][1]["max_score"] == 2
    assert bob["score"] == round(sum(test["score"] for test in bob["tests"]), 4)
    assert [t["status"] for t in bob["tests"]] == [t["status"] for t in before["tests"]]
    assert bob["extra_data"]["rescored"]["score_before"] == before["score"] and "was not run again" in bob["output"]
    assert bob["extra_data"]["provenance"] == provenance.current(course).as_dict()
    assert not (graded / RUN).exists()

    checks = course / "checks" / "test_tiny.py"
    checks.write_text(checks.read_text() + "\n# a change of the checks\n")
    plan = Batch(find_submissions(tmp_path / "export"), graded, course=course / "course.yaml").plan()
    assert [s.why for s in plan.standings] == [plans.OTHER_COURSE] * 2
    assert "stale, graded again: 2 results from another version of the course's checks" in plan.describe()


@pytest.mark.slow
def test_a_stopped_force_regrade_resumes_exactly_the_rest(tmp_path):
    """Three submissions with earlier results; ``--force -j 1`` stopped by SIGINT once the
    first is regraded: it says so at once, stops within seconds, leaves the other two their
    old results and says what it did; the same command then regrades only those two."""
    names = ("s0", "s1", "s2")
    for name in names:
        submission(tmp_path / "export" / name)
        results_file.write(old_results(TINY), tmp_path / "graded" / name / "results.json")
    command = [sys.executable, "-m", "autograder.cli", "batch", str(tmp_path / "export"), "--course", str(TINY),
               "--out", str(tmp_path / "graded"), "--no-progress", "-j", "1", "--force"]
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    lines = []
    reader = threading.Thread(target=lambda: lines.extend((time.monotonic(), line) for line in process.stdout))
    reader.start()

    def regraded():
        return [n for n in names if "old results" != json.loads((tmp_path / "graded" / n / "results.json")
                                                                .read_text())["output"]]
    deadline = time.monotonic() + 300
    while not regraded() and time.monotonic() < deadline:
        time.sleep(0.1)
    time.sleep(0.5)  # the second grading under way
    sent, sent_at = time.monotonic(), time.time()
    process.send_signal(signal.SIGINT)
    process.wait(timeout=60)
    stopped_in = time.monotonic() - sent
    reader.join(timeout=10)
    output = "".join(line for _, line in lines)
    acknowledged = next((at for at, line in lines if line.startswith("stopping on SIGINT")), None)
    print(f"acknowledged in {acknowledged - sent:.2f} s, stopped in {stopped_in:.1f} s")
    assert acknowledged is not None and acknowledged - sent < 1.0, output
    assert stopped_in < 5, output
    assert process.returncode == 128 + signal.SIGINT, output
    done = regraded()
    assert len(done) == 1, output
    assert "stopped by SIGINT: 1 of 3 regraded in this run, 2 left; run the same command again" in output, output
    assert output.count("(old results, not graded again)") == 2 and "Traceback" not in output, output
    assert json.loads((tmp_path / "graded" / RUN).read_text())["done"] == done

    rerun = subprocess.run(command, capture_output=True, text=True, env=env, timeout=600)
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    assert "3 submissions, 1 already graded, 2 to grade" in rerun.stdout, rerun.stdout
    assert "resuming a stopped run: the 1 it regraded are kept" in rerun.stdout
    assert len(regraded()) == 3 and not (tmp_path / "graded" / RUN).exists()
    assert (tmp_path / "graded" / done[0] / "grader.log").stat().st_mtime < sent_at  # not regraded twice
