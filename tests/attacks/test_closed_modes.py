"""Folders closed to a worker (no view, as root): gradings beside each other share them, and
the last one out, or the first after a crash, reopens them."""
import os
import stat
import subprocess
import sys

import pytest

from autograder.sandbox import policy


@pytest.fixture
def folders(tmp_path, monkeypatch):
    monkeypatch.setattr(policy, "REGISTRY", tmp_path / "registry.json")
    monkeypatch.setattr(policy, "_IN_THIS_PROCESS", {})
    made = []
    for name in ("reference", "checks"):
        (tmp_path / name).mkdir(mode=0o755)
        made.append(str(tmp_path / name))
    return made


def mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def test_two_gradings_beside_each_other_reopen_only_when_both_are_done(folders):
    other = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])  # a second grading, alive
    try:
        first = policy.protect(folders)
        second = policy.protect(folders, pid=other.pid)
        assert [mode(f) for f in folders] == [0o700, 0o700]
        policy.restore(first)
        assert [mode(f) for f in folders] == [0o700, 0o700]  # the second still grades
        policy.restore(second)
        assert [mode(f) for f in folders] == [0o755, 0o755]
    finally:
        other.kill()


def test_a_grading_that_died_does_not_keep_folders_closed(folders):
    dead = subprocess.Popen([sys.executable, "-c", "pass"])
    dead.wait()
    policy.protect(folders, pid=dead.pid)  # killed before it could restore
    assert [mode(f) for f in folders] == [0o700, 0o700]
    policy.restore(policy.protect(folders))  # the next grading finds it gone
    assert [mode(f) for f in folders] == [0o755, 0o755]
