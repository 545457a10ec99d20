"""A grader killed from outside (SIGKILL, the platform's time limit) cannot remove its stage,
which holds a student's files: the next grading removes every stage whose grader is gone."""
import os
import subprocess
import sys

from autograder.sandbox import stage


def _stage(folder, name, owner):
    root = folder / f"agworker-{name}"
    (root / "submission").mkdir(parents=True)
    (root / "submission" / "vae.py").write_text("# another student's work\n")
    if owner is not None:
        (root / stage.OWNER).write_text(owner)
    return root


def test_only_the_stages_of_gone_graders_are_removed(tmp_path):
    gone = subprocess.Popen([sys.executable, "-c", "pass"])
    gone.wait()
    namespace = os.readlink("/proc/self/ns/pid")
    mine = stage._identity(os.getpid())
    killed = _stage(tmp_path, "killed", f"{gone.pid} 12345 {namespace}")
    reused = _stage(tmp_path, "reused", f"{os.getpid()} 1 {namespace}")  # our pid, another start time
    alive = _stage(tmp_path, "alive", mine)
    elsewhere = _stage(tmp_path, "elsewhere", f"{gone.pid} 12345 pid:[1]")  # another PID namespace
    unmarked = _stage(tmp_path, "unmarked", None)  # being made: its owner's line not written yet
    forged = _stage(tmp_path, "forged", "not a pid")
    (tmp_path / "agworker-link").symlink_to(killed)  # someone else's link in the shared folder
    assert stage.sweep(tmp_path) == 2
    assert not killed.exists() and not reused.exists()
    assert alive.exists() and elsewhere.exists() and unmarked.exists() and forged.exists()


def test_a_stage_names_the_process_that_made_it(tmp_path, monkeypatch):
    from autograder import course as courses
    from autograder.grader.discovery import discover

    monkeypatch.setattr(stage.tempfile, "tempdir", str(tmp_path))
    course = courses.load(courses.ROOT / "tests" / "courses" / "tiny")
    made = stage.build_stage(discover(course.reference, course), course)
    try:
        assert (made.root / stage.OWNER).read_text() == stage._identity(os.getpid())
        assert stage.sweep(tmp_path) == 0
    finally:
        made.remove()
