"""`autograder build`: the zip Gradescope gets, set up and run as Gradescope does."""
import json
import os
import shutil
import subprocess
import sys
import zipfile

import pytest

from autograder.grader.results import validate
from autograder.workflows.package import unpack
from tests.submissions import reference_submission
from tests.submissions import autograder

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    target = tmp_path_factory.mktemp("build") / "autograder.zip"
    process = autograder("build", "--output", target)
    assert process.returncode == 0, process.stderr
    return target


def test_the_zip_holds_what_gradescope_needs_and_no_project_tests(archive):
    names = zipfile.ZipFile(archive).namelist()
    assert {"setup.sh", "run_autograder", "pyproject.toml", "course.yaml", "reference/answers.yaml",
            "checks/test_vae.py", "checks/plugin.py", "checks/data/mnist_subset.npz", "autograder/course.py"} <= set(names)
    assert not [n for n in names if n.startswith(("tests/", "student_template/", ".git", ".venv", "benchmarks/"))
                or "__pycache__" in n]


def test_unpacked_as_gradescope_does_it_sets_up_and_grades(archive, tmp_path):
    """/autograder/source holds the zip; setup.sh builds a fresh environment; a copy of
    run_autograder at /autograder grades /autograder/submission without arguments."""
    root = tmp_path / "autograder"
    unpack(archive, root / "source")
    python = shutil.which("python3.11") or sys.executable
    setup = subprocess.run(["bash", str(root / "source" / "setup.sh")], capture_output=True, text=True, timeout=1200,
                           env={**os.environ, "AUTOGRADER_PYTHON": python})
    assert setup.returncode == 0, setup.stdout + setup.stderr
    assert (root / "source" / ".venv" / "bin" / "python").exists()
    shutil.copy2(root / "source" / "run_autograder", root / "run_autograder")
    reference_submission(root / "submission")
    run = subprocess.run([str(root / "run_autograder")], capture_output=True, text=True, timeout=600, cwd=root,
                         env={"PATH": "/usr/bin:/bin"})
    assert run.returncode == 0, run.stdout + run.stderr
    results = json.loads((root / "results" / "results.json").read_text())
    validate(results)
    assert results["score"] == 100, results["output"]
