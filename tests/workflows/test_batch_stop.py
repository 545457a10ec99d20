"""A batch stops when it is asked to: SIGINT or SIGTERM mid-batch ends it within seconds, no
new grading starts, the running grader and its worker are ended and leave no results file,
finished results are kept, the summary says how many are left, and a rerun grades exactly
those. Locally, and on a Dask cluster. (A stopped ``--force`` regrade: test_regrades.py.)"""
import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from autograder.grader.results import validate
from autograder.sandbox.processes import descendants
from tests.submissions import ROOT
from tests.workflows.test_tiny_course import TINY, submission

pytestmark = pytest.mark.slow
CLASS_SIZE = 4


def start_batch(tmp_path, *extra):
    for i in range(CLASS_SIZE):
        submission(tmp_path / "class" / f"s{i}")
    command = [sys.executable, "-m", "autograder.cli", "batch", str(tmp_path / "class"), "--course", str(TINY),
               "--out", str(tmp_path / "graded"), "--no-progress", *extra]
    return command, subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                     env={**os.environ, "PYTHONPATH": str(ROOT)})


def graded(tmp_path):
    return sorted(p.parent.name for p in (tmp_path / "graded").glob("*/results.json"))


def alive_and_not_a_zombie(pid):
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def processes_of(batch):
    """The pids of a running batch's graders and workers (its descendants)."""
    return descendants(batch.pid)


def still_running(pids, tmp_path):
    """Of ``pids``, those still alive, and any process still running a grader of this batch's
    class (other jobs on the machine may run workers of their own: those are not counted)."""
    alive = [pid for pid in pids if alive_and_not_a_zombie(pid)]
    ps = subprocess.run(["ps", "-eo", "pid,args"], capture_output=True, text=True).stdout
    return alive + [line for line in ps.splitlines() if str(tmp_path / "class") in line]


@pytest.mark.parametrize("signum", [signal.SIGINT, signal.SIGTERM])
def test_a_signal_stops_the_batch_and_a_rerun_grades_the_rest(tmp_path, signum):
    command, process = start_batch(tmp_path, "-j", "1")
    deadline = time.monotonic() + 300
    while not graded(tmp_path) and time.monotonic() < deadline:  # the first grading done, the second running
        time.sleep(0.2)
    time.sleep(1.0)
    running = processes_of(process)
    sent = time.monotonic()
    process.send_signal(signum)
    output, _ = process.communicate(timeout=60)
    stopped_in = time.monotonic() - sent
    done = graded(tmp_path)
    assert process.returncode == 128 + signum, output
    print(f"{signal.Signals(signum).name} stopped the batch in {stopped_in:.1f} s")
    assert stopped_in < 5, f"stopped in {stopped_in:.1f} s"
    assert 1 <= len(done) < CLASS_SIZE, output
    assert f"stopping on {signal.Signals(signum).name}" in output, output
    assert (f"{len(done)} of {CLASS_SIZE} graded in this run, {CLASS_SIZE - len(done)} left" in output
            and "Traceback" not in output), output
    for name in done:
        validate(json.loads((tmp_path / "graded" / name / "results.json").read_text()))
    time.sleep(1.0)
    assert running and not still_running(running, tmp_path)
    rerun = subprocess.run(command, capture_output=True, text=True, env={**os.environ, "PYTHONPATH": str(ROOT)},
                           timeout=600)
    assert rerun.returncode == 0, rerun.stdout + rerun.stderr
    assert f"{len(done)} already graded, {CLASS_SIZE - len(done)} to grade" in rerun.stdout
    assert len(graded(tmp_path)) == CLASS_SIZE


def test_a_stop_on_a_dask_cluster_cancels_what_has_not_finished(tmp_path):
    distributed = pytest.importorskip("distributed")
    from autograder.workflows.batch import Batch, find_submissions

    for i in range(CLASS_SIZE):
        submission(tmp_path / "class" / f"s{i}")
    with distributed.LocalCluster(n_workers=1, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        batch = Batch(find_submissions(tmp_path / "class"), tmp_path / "graded", course=TINY / "course.yaml",
                      progress=False)
        watcher = subprocess.Popen([sys.executable, "-c", f"""
import os, signal, time
from pathlib import Path
while not list(Path({str(tmp_path / 'graded')!r}).glob('*/results.json')):
    time.sleep(0.2)
Path({str(tmp_path / 'sent')!r}).write_text(repr(time.time()))
os.kill({os.getpid()}, signal.SIGINT)
"""])
        scores = batch.run(scheduler=cluster.scheduler_address).scores
        returned = time.time()
        watcher.wait(timeout=30)
    assert batch.stop and 1 <= len(scores) < CLASS_SIZE
    assert sorted(scores) == graded(tmp_path)
    assert returned - float((tmp_path / "sent").read_text()) < 5
