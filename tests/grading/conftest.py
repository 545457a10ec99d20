import json
import subprocess
import sys
from pathlib import Path

import pytest

from autograder.grader.results import validate

ROOT = Path(__file__).resolve().parents[2]


def grade_through_run_autograder(submission, results_path, *args, seed=7, timeout=600, wrapper=()):
    """Grade a folder through ./run_autograder (behind ``wrapper``, a command prefix); returns
    the validated results with ``by_test`` (test id -> record) and ``stdout`` added."""
    process = subprocess.run([*wrapper, str(ROOT / "run_autograder"), "--submission", str(submission), "--results",
                              str(results_path), "--seed", str(seed), *args],
                             capture_output=True, text=True, timeout=timeout,
                             env={"PATH": "/usr/bin:/bin", "AUTOGRADER_PYTHON": sys.executable})
    assert process.returncode == 0, process.stdout + process.stderr
    results = json.loads(Path(results_path).read_text())
    validate(results)
    results["by_test"] = {t["name"].split(" ")[0]: t for t in results["tests"]}
    results["stdout"] = process.stdout
    return results


@pytest.fixture
def grade(tmp_path):
    """``grade(submission, *args)``: one grading through ./run_autograder."""
    return lambda submission, *args, **kwargs: grade_through_run_autograder(
        submission, tmp_path / "out" / "results.json", *args, **kwargs)
