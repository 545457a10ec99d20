"""A third course, graded end to end with no engine edit (tests/courses/tiny: a package
layout with a nested module, an instructor file staged over the student's, a sampler and
an answer): run_autograder --course from another folder, batch, student-kit and build
(unpacked and set up in a fresh virtual environment)."""
import json
import shutil
import subprocess
import sys
import zipfile

import pytest

from autograder.grader.results import validate
from tests.submissions import ROOT, autograder, graded_as_gradescope_does

pytestmark = pytest.mark.slow
TINY = ROOT / "tests" / "courses" / "tiny"


def submission(folder, broken=None):
    """The tiny reference as a student submits it: toolkit/… and answers.yaml in a folder,
    with a copy of the instructor's constants.py that says otherwise; ``broken`` replaces
    a file's text."""
    shutil.copytree(TINY / "reference" / "toolkit", folder / "hw" / "toolkit")
    shutil.copy(TINY / "reference" / "answers.yaml", folder / "hw" / "answers.yaml")
    (folder / "hw" / "toolkit" / "constants.py").write_text("TINY = 0.5  # a student's edit the grader ignores\n")
    for relative, text in (broken or {}).items():
        (folder / "hw" / "toolkit" / relative).write_text(text)
    return folder


def scores(results):
    return {t["name"].split(" ")[0]: t["score"] for t in results["tests"]}


def test_run_autograder_from_another_folder(tmp_path):
    submission(tmp_path / "mine")
    wrong = submission(tmp_path / "wrong", broken={"logistic.py": "import torch\n\ndef log_sigmoid(x):\n"
                                                                  "    return -torch.log1p(torch.exp(x))\n"})
    for name, expected in (("mine", 14), ("wrong", 10)):
        process = subprocess.run([str(ROOT / "run_autograder"), "--course", str(TINY), "--submission", name,
                                  "--results", f"{name}.json", "--quiet"], cwd=tmp_path, capture_output=True,
                                 text=True, timeout=300)
        assert process.returncode == 0, process.stderr
        results = json.loads((tmp_path / f"{name}.json").read_text())
        validate(results)
        assert results["score"] == expected, results["tests"]
    assert scores(results)["log_sigmoid"] == 0 and "hint" in results["tests"][0]["output"]
    assert wrong.exists() and not (ROOT / "wrong.json").exists()


def test_an_edition_that_imports_the_package_by_another_name(tmp_path):
    sampling = (TINY / "reference" / "toolkit" / "dist" / "sampling.py").read_text()
    sampling = sampling.replace("from toolkit.constants import TINY", "import kit.logistic\nimport toolkit.logistic\n"
                                "from kit.constants import TINY\n\nassert kit.logistic is toolkit.logistic")
    submission(tmp_path / "kit", broken={"dist/sampling.py": sampling})
    process = subprocess.run([str(ROOT / "run_autograder"), "--course", str(TINY), "--submission", "kit",
                              "--results", "kit.json", "--quiet"], cwd=tmp_path, capture_output=True, text=True,
                             timeout=300)
    assert process.returncode == 0, process.stderr
    results = json.loads((tmp_path / "kit.json").read_text())
    assert results["score"] == 14, [t["output"][:300] for t in results["tests"]]


def test_a_zip_as_the_homework_makes_it(tmp_path):
    submission(tmp_path / "src")
    (tmp_path / "upload").mkdir()
    shutil.make_archive(str(tmp_path / "upload" / "submission"), "zip", tmp_path / "src" / "hw")
    process = subprocess.run([str(ROOT / "run_autograder"), "--course", str(TINY), "--submission", "upload",
                              "--results", "zip.json", "--quiet"], cwd=tmp_path, capture_output=True, text=True,
                             timeout=300)
    assert process.returncode == 0, process.stderr
    results = json.loads((tmp_path / "zip.json").read_text())
    assert results["score"] == 14 and "Graded the files inside submission.zip." in results["output"]


def test_batch_and_report(tmp_path):
    submission(tmp_path / "export" / "alice")
    shutil.copytree(TINY / "student_template", tmp_path / "export" / "bob")
    process = autograder("batch", "export", "--course", TINY, "--out", "graded", "--no-progress", "-j", 2,
                         cwd=tmp_path)
    assert process.returncode == 0, process.stdout + process.stderr
    results = {name: json.loads((tmp_path / "graded" / name / "results.json").read_text()) for name in ("alice", "bob")}
    assert results["alice"]["score"] == 14 and results["bob"]["score"] == 0
    report = autograder("report", "graded", cwd=tmp_path)
    assert report.returncode == 0 and "2 students in 2 submissions, mean 7" in report.stdout, report.stdout + report.stderr


def test_student_kit_checks_the_course(tmp_path):
    process = autograder("student-kit", "--course", TINY, "--output", "kit.zip", cwd=tmp_path)
    assert process.returncode == 0, process.stderr
    with zipfile.ZipFile(tmp_path / "kit.zip") as archive:
        names = set(archive.namelist())
        archive.extractall(tmp_path / "kit")
    assert {"toolkit/logistic.py", "toolkit/dist/sampling.py", "toolkit/constants.py", "answers.yaml",
            "check.py", ".kit/course/checks/test_tiny.py"} <= names
    assert not [n for n in names if n.startswith(("reference", ".kit/course/reference"))]
    run = [sys.executable, "check.py"]
    blank = subprocess.run(run, cwd=tmp_path / "kit", capture_output=True, text=True, timeout=300)
    assert blank.returncode == 1 and "0 of 3 checked here pass." in blank.stdout, blank.stdout + blank.stderr
    assert "12 of 14 points checked here: 0 earned; 2 points are judged only on Gradescope (answers)." in blank.stdout
    shutil.copytree(TINY / "reference" / "toolkit", tmp_path / "kit" / "toolkit", dirs_exist_ok=True)
    shutil.copy(TINY / "reference" / "answers.yaml", tmp_path / "kit" / "answers.yaml")
    solved = subprocess.run(run, cwd=tmp_path / "kit", capture_output=True, text=True, timeout=300)
    assert solved.returncode == 0 and "3 of 3 checked here pass." in solved.stdout, solved.stdout + solved.stderr
    assert "12 of 14 points checked here: 12 earned; 2 points are judged only on Gradescope (answers)." in solved.stdout


def test_build_unpacked_and_set_up_in_a_fresh_environment(tmp_path):
    process = autograder("build", "--course", TINY, "--output", tmp_path / "autograder.zip", "--no-validate")
    assert process.returncode == 0, process.stderr
    names = set(zipfile.ZipFile(tmp_path / "autograder.zip").namelist())
    assert {"course.yaml", "reference/toolkit/dist/sampling.py", "checks/test_tiny.py", "autograder/course.py"} <= names
    assert not [n for n in names if n.startswith(("checks/test_vae", "reference/vae", "tests/", "student_template/"))]
    results = graded_as_gradescope_does(tmp_path / "autograder.zip", tmp_path / "autograder", submission)
    validate(results)
    assert results["score"] == 14, results["output"]
