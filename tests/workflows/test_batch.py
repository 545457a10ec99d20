"""`autograder batch` and `autograder report` on a class of 20 mixed submissions."""
import csv
import json
import time

import pytest

from autograder.grader.results import validate
from autograder.workflows.batch import Batch, find_submissions
from tests.submissions import reference_submission
from tests.workflows.conftest import autograder

pytestmark = pytest.mark.slow


def test_every_submission_gets_a_valid_result(graded_class):
    kinds, results = graded_class["kinds"], graded_class["results"]
    assert len(kinds) == 20
    for name, document in results.items():
        validate(document)
        kind = kinds[name]
        if kind == "correct":
            assert document["score"] == 100, (name, document["output"])
        elif kind in ("broken", "template", "hostile", "buggy"):
            assert document["score"] < 100, (name, kind)
        if kind == "template":
            assert document["score"] == 0


def test_hostile_submissions_lose_only_what_they_attack(graded_class):
    by_kind = [(graded_class["results"][n], n) for n, k in graded_class["kinds"].items() if k == "hostile"]
    forger, exits = by_kind
    lost = {t["name"].split(" ")[0] for t in forger[0]["tests"] if t["score"] < t["max_score"]}
    assert {"generator_loss_ml", "bigan_step"} <= lost and "kl_conjugate" not in lost, lost
    assert forger[0]["score"] > 50 and exits[0]["score"] > 50


def test_the_terminal_lists_scores_with_submitters(graded_class):
    out = graded_class["process"].stdout
    assert "20 submissions, 0 already graded, 20 to grade with 2 job(s)" in out
    assert "submission_1000     100  Student 0 <s0@example.edu> (0)" in out


def test_rerun_skips_what_is_graded_and_force_regrades(graded_class):
    folder = graded_class["folder"]
    started = time.monotonic()
    process = autograder("batch", folder / "export", "--out", folder / "graded", "--no-progress")
    assert process.returncode == 0 and "20 already graded, 0 to grade" in process.stdout
    assert time.monotonic() - started < 60
    batch = Batch(find_submissions(folder / "export"), folder / "graded", force=True)
    assert len(batch.pending()) == 20


def test_gradescope_metadata_names_the_submitters(graded_class):
    found = find_submissions(graded_class["folder"] / "export")
    assert [s.name for s in found] == sorted(graded_class["kinds"])
    assert found[3].submitters == ("Student 3 <s3@example.edu> (3)",)


def test_a_grading_that_overruns_gets_zero_and_the_batch_goes_on(tmp_path):
    reference_submission(tmp_path / "class" / "slow")
    reference_submission(tmp_path / "class" / "also-slow")
    process = autograder("batch", tmp_path / "class", "--out", tmp_path / "graded", "--timeout", 1, "-j", 2)
    assert process.returncode == 0, process.stderr
    for name in ("slow", "also-slow"):
        document = json.loads((tmp_path / "graded" / name / "results.json").read_text())
        validate(document)
        assert document["score"] == 0 and "did not finish within 1 s" in document["output"]
        assert "[batch] grading did not finish" in (tmp_path / "graded" / name / "grader.log").read_text()


def test_report_writes_gradebook_statistics_and_charts(graded_class):
    folder = graded_class["folder"]
    process = autograder("report", folder / "graded")
    assert process.returncode == 0, process.stderr
    report = folder / "graded" / "report"
    with open(report / "gradebook.csv") as f:
        rows = list(csv.DictReader(f))
    assert len(rows) == 20
    by_name = {row["submission"]: row for row in rows}
    assert float(by_name["submission_1000"]["total"]) == 100
    assert by_name["submission_1000"]["submitters"] == "Student 0 <s0@example.edu> (0)"
    assert sum(float(v) for k, v in by_name["submission_1000"].items() if k[0].isdigit()) == 100
    with open(report / "pass_rates.csv") as f:
        rates = {row["test"]: float(row["pass_rate"]) for row in csv.DictReader(f)}
    assert len(rates) == len(graded_class["results"]["submission_1000"]["tests"])
    assert all(0 <= r <= 1 for r in rates.values())
    failures = (report / "failures.txt").read_text()
    assert "not implemented yet" in failures
    for chart in ("scores.png", "pass_rates.png"):
        assert (report / chart).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "20 submissions: mean" in process.stdout


def test_report_groups_the_same_mistake_across_inputs():
    from autograder.workflows.report import failure_key
    a = "failed (values, float64): kl: 3 of 8 values differ\n  max abs error 0.5\n  hint: off by a factor 2"
    b = "failed (values): kl: 5 of 8 values differ\n  max abs error 0.25\n  hint: off by a factor 2"
    assert failure_key(a) == failure_key(b) == "kl: # of # values differ | hint: off by a factor #"
