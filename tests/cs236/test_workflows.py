"""The CS236 course's student kit and autograder zip: the kit holds no solution (not the
reference's lines, and no implementation of a student function anywhere, the grader's
bound helpers included) and its self-check passes the reference and fails the template;
the zip holds the course and its data. (tests/workflows/test_tiny_course.py sets up a
built zip in a fresh virtual environment; this course's was verified the same way, 100/100.)"""
import ast
import shutil
import subprocess
import sys
import zipfile

import pytest

from tests.cs236.submissions import COURSE, REFERENCE, STUDENT_FILES
from tests.submissions import assignment_file, autograder

pytestmark = pytest.mark.slow
STUDENT_FUNCTIONS = {"sample_gaussian", "log_normal", "log_normal_mixture", "negative_elbo_bound",
                     "negative_iwae_bound"}


@pytest.fixture(scope="module")
def kit(tmp_path_factory):
    folder = tmp_path_factory.mktemp("kit")
    policy = assignment_file(folder, drop=["training"], course=COURSE)  # no training case is public anyway
    process = autograder("student-kit", "--course", COURSE, "--assignment", policy, "--output", folder / "kit.zip")
    assert process.returncode == 0, process.stderr
    with zipfile.ZipFile(folder / "kit.zip") as archive:
        archive.extractall(folder / "unpacked")
    return folder / "unpacked"


def implemented(path):
    """Student functions that ``path`` defines with a body other than the template's stub."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.FunctionDef) and node.name in STUDENT_FUNCTIONS:
            body = node.body[-1]
            stub = isinstance(body, ast.Raise) and "NotImplementedError" in ast.unparse(body)
            found += [] if stub else [node.name]
    return found


def test_the_kit_implements_no_student_function(kit):
    assert not (kit / "checker" / "course_plugin.py").exists()  # its helpers solve the utils functions
    for path in kit.rglob("*.py"):
        assert implemented(path) == [], path
    template_lines = {line.strip() for p in (COURSE / "student_template").rglob("*.py")
                      for line in p.read_text().splitlines()}
    secret = {line.strip() for f in STUDENT_FILES for line in (REFERENCE / f).read_text().splitlines()
              if line.strip() not in template_lines and len(line.strip()) >= 24 and not line.strip().startswith("#")}
    assert len(secret) > 20
    for path in kit.rglob("*"):
        if path.suffix in (".py", ".json"):
            assert not [line for line in secret if line in path.read_text()], path


def check(folder):
    return subprocess.run([sys.executable, "check.py"], cwd=folder, capture_output=True, text=True, timeout=600,
                          env={"PATH": "/usr/bin:/bin"})


def test_the_self_check_passes_the_reference_and_fails_the_template(kit, tmp_path):
    template = check(kit)
    assert template.returncode != 0 and "not implemented yet" in template.stdout
    shutil.copytree(kit, tmp_path / "work")
    shutil.rmtree(tmp_path / "work" / "codebase")
    shutil.copytree(REFERENCE, tmp_path / "work" / "codebase")
    solved = check(tmp_path / "work")
    assert solved.returncode == 0 and "All public checks pass" in solved.stdout, solved.stdout + solved.stderr


def test_the_autograder_zip_holds_the_course(tmp_path):
    # validated in tests/workflows/test_validate.py and by test_reference's gradings
    process = autograder("build", "--course", COURSE, "--output", tmp_path / "autograder.zip", "--no-validate")
    assert process.returncode == 0, process.stderr
    archive = zipfile.ZipFile(tmp_path / "autograder.zip")
    assert {"setup.sh", "run_autograder", "course.yaml", "reference/codebase/utils.py", "checks/plugin.py",
            "checks/data/mnist_subset.npz", "checks/training_calibration.yaml",
            "autograder/worker/probes.py"} <= set(archive.namelist())
    assert archive.read("README.md") == (COURSE / "README.md").read_bytes()  # the course's, not the project's
