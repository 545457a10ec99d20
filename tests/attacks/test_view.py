"""The worker's filesystem view is an allow-list.

A submission walks ``/`` during grading (tests/attacks/walker.py) after copies of the
reference and files holding a secret marker were planted in /tmp, /root and /srv. It must
find no readable file outside the interpreter, the system's libraries, its own stage,
/proc and /dev, and the marker must never reach anything the student sees: during
``run_autograder`` and during ``batch`` with another graded submission and its log
(which holds that grading's seed) beside it.
"""
import json
import os
import secrets
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from autograder.sandbox import landlock, policy, view
from tests.attacks import docker_like
from tests.attacks.walker import walker_sources
from tests.submissions import (REFERENCE, ROOT, assignment_file, autograder, reference_submission,
                               system_python_environment)

pytestmark = [pytest.mark.slow,
              pytest.mark.skipif(view.find_bwrap() is None, reason="bubblewrap (bwrap) is not installed")]
PLANT_IN = [Path("/tmp"), Path("/root"), Path("/srv")]


@pytest.fixture(scope="module")
def planted():
    """A marker token, and copies of the reference and a marker file in /tmp, /root, /srv,
    readable by anyone who can reach them."""
    token = f"agmarker-{secrets.token_hex(6)}"
    folders = []
    for place in PLANT_IN:
        if not place.is_dir():
            continue
        folder = place / token
        shutil.copytree(REFERENCE, folder / "reference")
        (folder / "secret.txt").write_text(f"{token} the seed is 424242\n")
        for path in [folder, *folder.rglob("*")]:
            path.chmod(0o755 if path.is_dir() else 0o644)
        folders.append(folder)
    yield token
    for folder in folders:
        shutil.rmtree(folder, ignore_errors=True)


def test_the_view_never_binds_a_folder_that_holds_the_project(monkeypatch, tmp_path):
    """A .pth file may put the project itself on the import path (an old-style editable
    install): that folder, which holds the reference and the checks, stays out."""
    site = tmp_path / "site-packages"
    site.mkdir()
    monkeypatch.setattr(view, "_isolated_path", lambda: [str(ROOT), str(ROOT.parent), str(site)])
    bound = [path for _, path in view.interpreter_roots(private=[ROOT])]
    assert str(site) in bound and str(ROOT) not in bound and str(ROOT.parent) not in bound


def walk_report(results):
    for test in results["tests"]:
        for line in test["output"].splitlines():
            if line.startswith("WALK "):
                return json.loads(line[5:])
    raise AssertionError("the walker's report is missing: " + json.dumps(results)[:2000])


def assert_allow_list(report, stage=view.INSIDE):
    assert report["outside"] == 0, (report["outside_folders"], report["sample"][:10])
    assert report["depth"] >= 8
    def under(top):
        return sum(n for root, n in report["counts"].items() if Path(root).is_relative_to(top))
    if stage is None:  # without the view the stage is a temporary folder of the host
        stage = next(Path(root).parent for root in report["counts"] if Path(root).parent.name.startswith("agworker-"))
    assert under(stage) >= 10, report["counts"]  # its own staged files
    assert under(sys.prefix) > 1000, report["counts"]  # the interpreter's packages (torch)


@pytest.mark.parametrize("interpreter", ["project venv", "system Python venv"])
def test_run_autograder_worker_sees_only_the_allow_list(planted, tmp_path, interpreter):
    """With the project's environment, and with a system Python's whose packages come
    through a .pth file (Gradescope's image installs Python 3.11 under /usr)."""
    python = sys.executable if interpreter == "project venv" else system_python_environment()
    submission = reference_submission(tmp_path / "submission", replace=walker_sources())
    results_path = tmp_path / "results" / "results.json"
    process = subprocess.run([str(ROOT / "run_autograder"), "--submission", str(submission), "--results",
                              str(results_path), "--seed", "424242",
                              # the walk runs at import, and takes seconds more on a loaded machine
                              "--assignment", str(assignment_file(tmp_path, drop=["training"], timeout_s=120))],
                             capture_output=True, text=True, timeout=600,
                             env={"PATH": "/usr/bin:/bin", "AUTOGRADER_PYTHON": python})
    assert process.returncode == 0, process.stderr
    assert "allow-list filesystem view" in process.stdout, process.stdout
    text = results_path.read_text()
    assert_allow_list(walk_report(json.loads(text)))
    assert planted not in text and "424242" not in text
    assert json.loads(text)["score"] == 92


@pytest.mark.parametrize("kernel", ["with Landlock", "without Landlock"])
def test_in_docker_the_worker_sees_only_the_allow_list_where_landlock_holds(planted, tmp_path, kernel):
    """As in Gradescope's container (Docker's default capabilities and seccomp rules,
    docker_like.py): bubblewrap is refused; with Landlock the walker finds what it finds in
    the view; without it (an older kernel), what the uid and file modes leave: world-readable
    system files, never the project, the course or the uploaded submission."""
    landlocked = kernel == "with Landlock"
    if landlocked and landlock.abi() < 1:
        pytest.skip("this kernel has no Landlock")
    results_path = tmp_path / "results" / "results.json"
    private = (*(p for p in ROOT.iterdir() if p.name != ".venv"), tmp_path / "submission", results_path.parent)
    submission = reference_submission(tmp_path / "submission", replace=walker_sources(watch=private))
    assignment = assignment_file(tmp_path, drop=["training"], timeout_s=120, sandbox={"landlock": landlocked})
    process = subprocess.run([*docker_like.prefix(), str(ROOT / "run_autograder"), "--submission", str(submission),
                              "--results", str(results_path), "--seed", "424242", "--assignment", str(assignment)],
                             capture_output=True, text=True, timeout=600,
                             env={"PATH": "/usr/bin:/bin", "AUTOGRADER_PYTHON": system_python_environment()})
    assert process.returncode == 0, process.stderr
    assert "bubblewrap refused" in process.stdout and "worker ran as uid" in process.stdout, process.stdout
    text = results_path.read_text()
    report = walk_report(json.loads(text))
    print(f"docker-like {kernel}: {sum(report['counts'].values())} files readable inside the allow-list, "
          f"{report['outside']} outside {report['outside_folders']}")
    assert json.loads(text)["score"] == 92
    if landlocked:
        assert "Landlock allow-list" in process.stdout
        assert_allow_list(report, stage=None)
        assert planted not in text and "424242" not in text
    else:
        assert "no Landlock" in process.stdout and report["outside"] > 0  # the documented weakness
        assert report["watched"] == {str(folder): 0 for folder in private}


def test_an_ordinary_user_gets_the_same_view(planted):
    """Run by an ordinary user (an instructor's laptop), bubblewrap builds the view through
    an unprivileged user namespace: the same allow-list, no network."""
    runuser = shutil.which("runuser")
    reachable = all(policy._world_reachable(ROOT / name) for name in ("run_autograder", "autograder/cli.py"))
    if os.geteuid() != 0 or runuser is None or not reachable:
        pytest.skip("needs root (to become another user), runuser, and a project any user can read")
    folder = Path(tempfile.mkdtemp(prefix="agview-"))
    folder.chmod(0o777)
    try:
        submission = reference_submission(folder / "submission", replace=walker_sources())
        assignment = assignment_file(folder, drop=["training"], timeout_s=120)
        for path in [folder, *folder.rglob("*")]:
            path.chmod(0o777 if path.is_dir() else 0o644)
        process = subprocess.run([runuser, "-u", "nobody", "--", str(ROOT / "run_autograder"), "--submission",
                                  str(submission), "--results", str(folder / "results.json"), "--seed", "424242",
                                  "--assignment", str(assignment)], capture_output=True, text=True, timeout=600,
                                 env={"PATH": "/usr/bin:/bin", "HOME": str(folder),
                                      "AUTOGRADER_PYTHON": system_python_environment()})
        assert process.returncode == 0, process.stdout + process.stderr
        if "bubblewrap refused" in process.stdout:
            pytest.skip("this kernel gives ordinary users no namespaces: " + process.stdout[-300:])
        assert "not root: no privilege to drop" in process.stdout and "allow-list filesystem view" in process.stdout
        text = (folder / "results.json").read_text()
        assert_allow_list(walk_report(json.loads(text)))
        assert planted not in text and json.loads(text)["score"] == 92
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def test_batch_worker_sees_no_other_submission_log_or_result(planted, tmp_path):
    export, graded = tmp_path / "export", tmp_path / "graded"
    reference_submission(export / "submission_1", extra={"submission_1/notes.txt": planted})
    assignment = assignment_file(tmp_path, drop=["training"], timeout_s=120)
    first = autograder("batch", export, "--out", graded, "--no-progress", "--assignment", assignment)
    assert first.returncode == 0, first.stdout + first.stderr
    other_seed = (graded / "submission_1" / "grader.log").read_text().split("input seed: ")[1].split()[0]

    reference_submission(export / "submission_2", replace=walker_sources())
    second = autograder("batch", export, "--out", graded, "--no-progress", "--assignment", assignment,
                        "--seed", "424243")
    assert second.returncode == 0, second.stdout + second.stderr
    assert "1 already graded, 1 to grade" in second.stdout
    seen = (graded / "submission_2" / "results.json").read_text()
    assert_allow_list(walk_report(json.loads(seen)))
    for secret in (planted, other_seed, "424243"):
        assert secret not in seen
    assert "input seed: 424243" in (graded / "submission_2" / "grader.log").read_text()
