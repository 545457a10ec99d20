"""Behavioural similarity end to end on the tiny course: four submissions graded with
``batch --similarity``, two of them the same two mistakes, one copy renamed and reformatted;
the report pairs exactly those two, and the grades are those of a batch without it."""
import csv
import json
import shutil

import pytest

from tests.submissions import ROOT, autograder

pytestmark = pytest.mark.slow
TINY = ROOT / "tests" / "courses" / "tiny"

COUPLING = '''import torch


def affine_coupling(x, mask, log_scale, shift):
    y = mask * x + (1 - mask) * (x * torch.exp(log_scale) + shift)
    return y, (mask * log_scale).sum(-1)
'''
# the same two mistakes, renamed and reformatted
COUPLING_COPY = '''import torch

def affine_coupling(inp, m, s, t):
    scaled = inp * torch.exp(s) + t
    out = m * inp + (1 - m) * scaled
    det = (m * s).sum(-1)
    return out, det
'''
LOGISTIC = '''import torch


def log_sigmoid(x):
    return torch.clamp(x, max=0) - torch.log1p(torch.exp(x.abs()))
'''
LOGISTIC_COPY = '''import torch


def log_sigmoid(values):
    # numerically stable
    negative_part = torch.clamp(values, max=0)
    return negative_part - torch.log1p(torch.exp(values.abs()))
'''


def submission(folder, files=None):
    shutil.copytree(TINY / "reference" / "toolkit", folder / "toolkit")
    shutil.copy(TINY / "reference" / "answers.yaml", folder / "answers.yaml")
    for relative, text in (files or {}).items():
        (folder / "toolkit" / relative).write_text(text)


def test_a_renamed_copy_of_two_mistakes_is_the_top_pair(tmp_path):
    export = tmp_path / "export"
    submission(export / "alice")
    submission(export / "bob", {"dist/sampling.py": (TINY / "reference" / "toolkit" / "dist" / "sampling.py")
                                .read_text().replace("/ rate", "* rate")})
    submission(export / "carol", {"coupling.py": COUPLING, "logistic.py": LOGISTIC})
    submission(export / "dave", {"coupling.py": COUPLING_COPY, "logistic.py": LOGISTIC_COPY})
    process = autograder("batch", "export", "--course", TINY, "--out", "graded", "--no-progress", "-j", 2,
                         "--similarity", cwd=tmp_path)
    assert process.returncode == 0, process.stdout + process.stderr
    graded = tmp_path / "graded"
    scores = {n: json.loads((graded / n / "results.json").read_text())["score"] for n in ("alice", "bob", "carol", "dave")}
    assert scores["alice"] == 14 and scores["carol"] == scores["dave"] < 14 and scores["bob"] < 14, scores
    for name in scores:  # fingerprints beside the results, never inside them
        assert "fingerprint" not in (graded / name / "results.json").read_text()
        assert (graded / name / "fingerprints.json").is_file()
    prints = {n: json.loads((graded / n / "fingerprints.json").read_text()) for n in scores}
    assert not any(f["fingerprint"] for f in prints["alice"]["functions"].values())
    assert "dist.sampling.sample_exponential" not in prints["alice"]["skipped"]  # its noise is injected: compared
    assert any((graded / "probe-cache").rglob("answer-*"))  # the reference's probe answers, computed once a class

    report = autograder("report", "graded", cwd=tmp_path)
    assert report.returncode == 0, report.stdout + report.stderr
    assert "Similarity:" in report.stdout
    with open(graded / "report" / "similarity.csv") as f:
        rows = list(csv.DictReader(f))
    assert [(r["submission_a"], r["submission_b"], r["shared_functions"]) for r in rows] == [("carol", "dave", "2")]
    text = (graded / "report" / "similarity.txt").read_text()
    assert "not a finding" in text and (graded / "report" / "similarity.png").is_file()
    assert "similarity" not in (graded / "report" / "feedback" / "dave.txt").read_text().lower()
