"""The CS236 course's autograder zip holds the course and its data (tests/kit/ tests its
student kit; tests/workflows/test_tiny_course.py sets up a built zip in a fresh virtual
environment; this course's was verified the same way, 100/100)."""
import zipfile

import pytest

from tests.cs236.submissions import COURSE
from tests.submissions import autograder

pytestmark = pytest.mark.slow


def test_the_autograder_zip_holds_the_course(tmp_path):
    # validated in tests/workflows/test_validate.py and by test_reference's gradings
    process = autograder("build", "--course", COURSE, "--output", tmp_path / "autograder.zip", "--no-validate")
    assert process.returncode == 0, process.stderr
    archive = zipfile.ZipFile(tmp_path / "autograder.zip")
    assert {"setup.sh", "run_autograder", "course.yaml", "reference/codebase/utils.py", "checks/plugin.py",
            "checks/data/mnist_subset.npz", "checks/training_calibration.yaml",
            "autograder/worker/probes.py"} <= set(archive.namelist())
    assert archive.read("README.md") == (COURSE / "README.md").read_bytes()  # the course's, not the project's
