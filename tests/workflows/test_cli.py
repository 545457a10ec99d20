"""The console script: every subcommand documents itself and takes a course; paths mean
what the user typed; the template has not drifted."""
import json
import subprocess

import pytest

from tests.submissions import ROOT, autograder

COMMANDS = ["grade", "batch", "report", "validate", "build", "student-kit", "check", "template", "experiment", "new-course"]
COURSE_COMMANDS = ["grade", "batch", "report", "validate", "build", "student-kit", "check", "template"]


@pytest.mark.parametrize("command", COMMANDS)
def test_every_subcommand_has_help(command):
    process = autograder(command, "--help")
    assert process.returncode == 0 and "usage: autograder " + command in process.stdout


def test_top_level_help_lists_the_subcommands():
    process = autograder("--help")
    assert process.returncode == 0 and all(c in process.stdout for c in COMMANDS)


def test_template_check_reports_no_drift():
    process = autograder("template", "--check")
    assert process.returncode == 0 and "up to date" in process.stdout


@pytest.mark.parametrize("command", COURSE_COMMANDS)
def test_every_workflow_takes_a_course(command):
    assert "--course PATH" in autograder(command, "--help").stdout


def test_an_invalid_course_is_a_usage_error_that_says_where(tmp_path):
    (tmp_path / "course.yaml").write_text("title: x\ntotal: 1\nproblems: []\n")
    process = autograder("template", "--check", "--course", tmp_path)
    assert process.returncode == 2 and "course.yaml:3: problems" in process.stderr, process.stderr


def test_a_missing_submission_typed_by_hand_is_a_usage_error(tmp_path):
    process = subprocess.run([str(ROOT / "run_autograder"), "--submission", "mysub", "--results", "out.json"],
                             cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert process.returncode == 2 and f"--submission {tmp_path / 'mysub'}: no such folder" in process.stderr
    assert not (tmp_path / "out.json").exists() and not (ROOT / "out.json").exists()
    assert autograder("grade", "nowhere", cwd=tmp_path).returncode == 2


@pytest.mark.slow
def test_gradescope_default_without_a_submission_still_writes_a_zero(tmp_path):
    """No arguments: /autograder's layout (here AUTOGRADER_ROOT), even with no submission
    folder, ends in a valid 0-point results file."""
    process = subprocess.run([str(ROOT / "run_autograder"), "--quiet"], cwd=tmp_path, capture_output=True, text=True,
                             timeout=300, env={"PATH": "/usr/bin:/bin", "AUTOGRADER_ROOT": str(tmp_path)})
    assert process.returncode == 0, process.stderr
    results = json.loads((tmp_path / "results" / "results.json").read_text())
    assert results["score"] == 0 and "does not exist" in results["output"]
