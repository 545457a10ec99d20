"""`autograder build`: the zip Gradescope gets, set up and run as Gradescope does."""
import zipfile

import pytest

from autograder.grader.results import validate
from autograder.workflows.package import build_autograder
from tests.submissions import autograder, graded_as_gradescope_does, reference_submission

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def archive(tmp_path_factory):
    target = tmp_path_factory.mktemp("build") / "autograder.zip"
    process = autograder("build", "--output", target, "--no-validate")  # tests/corpus validates it
    assert process.returncode == 0, process.stderr
    return target


def test_the_zip_holds_what_gradescope_needs_and_no_project_tests(archive):
    names = zipfile.ZipFile(archive).namelist()
    assert {"setup.sh", "run_autograder", "pyproject.toml", "course.yaml", "ASSIGNMENT.md", "reference/answers.yaml",
            "checks/test_vae.py", "checks/plugin.py", "checks/data/mnist_subset.npz", "autograder/course.py"} <= set(names)
    assert not [n for n in names if n.startswith(("tests/", "student_template/", ".git", ".venv", "benchmarks/"))
                or "__pycache__" in n]


def test_the_zip_installs_the_cpu_torch_unless_asked_for_cuda(archive, tmp_path):
    assert zipfile.ZipFile(archive).read("setup.env") == b"TORCH_WHEELS=cpu\n"
    cuda = build_autograder(tmp_path / "cuda.zip", torch="cuda")
    assert zipfile.ZipFile(cuda).read("setup.env") == b"TORCH_WHEELS=default\n"


def test_unpacked_as_gradescope_does_it_sets_up_and_grades(archive, tmp_path):
    """/autograder/source holds the zip; setup.sh builds a fresh environment; a copy of
    run_autograder at /autograder grades /autograder/submission without arguments."""
    results = graded_as_gradescope_does(archive, tmp_path / "autograder", reference_submission)
    validate(results)
    assert results["score"] == 100, results["output"]
