"""The console script: every subcommand documents itself; the template has not drifted."""
import pytest

from tests.submissions import autograder

COMMANDS = ["grade", "batch", "report", "build", "student-kit", "check", "template", "experiment"]


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
