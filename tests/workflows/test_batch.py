"""`autograder batch` and `autograder report` on a class: the corpus with broken, blank and
hostile extras, graded once for the whole session (tests/conftest.py)."""
import csv
import json
import re
import time

import pytest

from autograder.grader.results import validate
from autograder.workflows.batch import Batch, find_submissions
from tests.submissions import reference_submission
from tests.submissions import autograder

pytestmark = pytest.mark.slow


def test_every_submission_gets_a_valid_result(graded_class):
    kinds, results = graded_class["kinds"], graded_class["by_name"]
    assert len(kinds) >= 20
    for name, kind in kinds.values():
        document = results[name]
        validate(document)
        if kind == "correct":
            assert document["score"] == graded_class["full"], (name, document["output"])
        else:
            assert document["score"] < graded_class["full"], (name, kind)
    assert results["template"]["score"] == results["empty folder"]["score"] == 0


def test_hostile_submissions_lose_only_what_they_attack(graded_class):
    forger = graded_class["by_name"]["forges results, loops, exits at import"]
    lost = {t["name"].split(" ")[0] for t in forger["tests"] if t["score"] < t["max_score"]}
    assert lost == {"generator_loss_ml", "bigan_discriminator_loss", "bigan_generator_encoder_loss", "bigan_step"}
    assert "did not finish within" in next(t["output"] for t in forger["tests"] if "generator_loss_ml" in t["name"])
    exits = graded_class["by_name"]["os._exit at import"]
    lost = {t["name"].split(" ")[0] for t in exits["tests"] if t["score"] < t["max_score"]}
    # gmvae.py imports iwae.py, so its tests go too
    assert lost == {"log_mean_exp", "log_importance_weights", "iwae_bound", "log_normal_mixture", "gmvae_kl_estimate"}


def test_the_terminal_lists_scores_with_submitters(graded_class):
    out, n = graded_class["process"].stdout, len(graded_class["kinds"])
    assert f"{n} submissions, 0 already graded, {n} to grade with 3 job(s)" in out
    assert re.search(r"^submission_1000 +[\d.]+  Student 0 <s0@example.edu> \(0\)$", out, flags=re.M), out


def test_rerun_skips_what_is_graded_and_force_regrades(graded_class):
    folder = graded_class["folder"]
    started = time.monotonic()
    process = autograder("batch", folder / "export", "--out", folder / "graded", "--no-progress",
                         "--assignment", graded_class["assignment"])
    n = len(graded_class["kinds"])
    assert process.returncode == 0 and f"{n} already graded, 0 to grade" in process.stdout
    assert time.monotonic() - started < 60
    batch = Batch(find_submissions(folder / "export"), folder / "graded", force=True)
    assert len(batch.pending()) == n


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
    assert len(rows) == len(graded_class["kinds"])  # one student per submission in this class
    by_name = {row["Name"]: row for row in rows}
    key = next(k for k, (name, _) in graded_class["kinds"].items() if name == "reference")
    i = int(key.split("_")[1]) - 1000
    reference = by_name[f"Student {i}"]
    assert (reference["Email"], reference["SID"]) == (f"s{i}@example.edu", str(i))
    assert float(reference["Total Score"]) == graded_class["full"]
    assert sum(float(v) for k, v in reference.items() if k[0].isdigit()) == graded_class["full"]
    with open(report / "pass_rates.csv") as f:
        rates = {row["test"]: float(row["pass_rate"]) for row in csv.DictReader(f)}
    assert len(rates) == len(graded_class["by_name"]["template"]["tests"])
    assert all(0 <= r <= 1 for r in rates.values())
    counts = [int(line.split(" × ")[0]) for line in (report / "failures.txt").read_text().splitlines()
              if re.match(r"\d+ × ", line)]
    failed = sum(t["score"] < t["max_score"] for r in graded_class["by_name"].values() for t in r["tests"])
    assert sum(counts) == failed and counts == sorted(counts, reverse=True) and counts[0] >= 2
    assert len(list((report / "feedback").iterdir())) == len(rows)
    for chart in ("scores.png", "pass_rates.png"):
        assert (report / chart).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert f"{len(rows)} students in {len(rows)} submissions, mean" in process.stdout


def test_report_groups_the_same_mistake_across_inputs():
    from autograder.workflows.report import failure_key
    a = "failed (values, float64): kl: 3 of 8 values differ\n  max abs error 0.5\n  hint: off by a factor 2"
    b = "failed (values): kl: 5 of 8 values differ\n  max abs error 0.25\n  hint: off by a factor 2"
    assert failure_key(a) == failure_key(b) == "kl: # of # values differ | hint: off by a factor #"
