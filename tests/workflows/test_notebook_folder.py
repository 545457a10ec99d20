"""The committed notebook-first course (tests/courses/notebook): its template notebook is
the one generated from the reference notebook, and `autograder validate` proves it as
written: the reference full marks, the template 0, each declared mistake losing only its
own function's points, each alternative full marks. Slow: it grades whole submissions."""
from pathlib import Path

import pytest

from tests.submissions import autograder

COURSE = Path(__file__).resolve().parents[1] / "courses" / "notebook"


@pytest.mark.slow
def test_the_notebook_course_folder_validates():
    check = autograder("template", "--check", "--course", COURSE)
    assert check.returncode == 0 and "is up to date" in check.stdout, check.stdout + check.stderr
    process = autograder("validate", "--course", COURSE)
    assert process.returncode == 0 and "the course grades rightly" in process.stdout, process.stdout + process.stderr
    lines = process.stdout.splitlines()
    assert any(line.startswith("ok   reference → full marks → 12 / 12") for line in lines), process.stdout  # then its peak memory
    expected = [
        "ok   template → 0 → 0 / 12",
        'ok   mistake "log_normal multiplies (x − mu)² by the variance instead of dividing" → loses hw3.log_normal'
        " → lost hw3.log_normal",
        'ok   mistake "wake_loss averages over the pixels as well as the batch" → loses hw3.wake_loss'
        " → lost hw3.wake_loss",
        'ok   mistake "sleep_loss without its minus sign" → loses hw3.sleep_loss → lost hw3.sleep_loss',
        "ok   alternative \"log_normal with the constant made on the notebook's device\" → full marks → 12 / 12",
        'ok   alternative "wake_loss written out with logsigmoid" → full marks → 12 / 12',
        'ok   alternative "sleep_loss through torch.distributions" → full marks → 12 / 12',
    ]
    assert [line for line in expected if line not in lines] == [], process.stdout
    assert "3 of 3 mistakes are named in their messages" in process.stdout, process.stdout
    assert not any(line.startswith("FAIL") for line in lines), process.stdout
