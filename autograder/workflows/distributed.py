"""Grading a batch on a Dask cluster (the optional ``dask`` extra).

Each submission travels to a cluster worker as a zip archive and its results come back
as text, so the cluster needs no shared filesystem: only the autograder installed on its
workers (``pip install 'dgm-autograder[dask]'`` then ``./setup.sh`` on each machine),
with the course at the same path as here when it is not the bundled one.
"""
import shutil
import tempfile
import time
from pathlib import Path

POLL_S = 0.2


def _archive(folder):
    with tempfile.TemporaryDirectory() as scratch:
        return Path(shutil.make_archive(str(Path(scratch) / "submission"), "zip", folder)).read_bytes()


def grade_on_cluster(task, submissions, scheduler, *, timeout, seed=None, device="cpu", course=None,
                     assignment_text=None, stop=None):
    """Yield ``(submission, results_text, log)`` as the cluster at ``scheduler`` (an
    address such as ``tcp://10.0.0.5:8786``, or a ``distributed.Client``) finishes them;
    ``task`` grades one archive there (batch.grade_archive).
    Once ``stop`` (a batch.Stop) is requested, the tasks not finished are cancelled and
    nothing more is yielded (a task already running on a cluster worker runs to its end
    there, and its result is dropped)."""
    try:
        from distributed import Client
    except ImportError as exc:  # pragma: no cover - depends on the installed extras
        raise SystemExit("--scheduler needs Dask: pip install 'dgm-autograder[dask]'") from exc
    client = scheduler if isinstance(scheduler, Client) else Client(scheduler)
    try:
        futures = {client.submit(task, _archive(s.path), timeout=timeout, seed=seed, device=device,
                                 course=course, assignment_text=assignment_text, key=f"grade-{s.name}", pure=False,
                                 retries=1): s
                   for s in submissions}
        pending = set(futures)
        while pending and not stop:  # polled, so that a stop is seen within POLL_S
            finished = [f for f in pending if f.done()]
            if not finished:
                time.sleep(POLL_S)
            for future in finished:
                pending.discard(future)
                try:
                    results_text, log = future.result()
                except Exception as exc:  # noqa: BLE001 - a lost task costs only its own submission
                    results_text, log = "", f"[cluster] the task failed: {type(exc).__name__}: {exc}\n"
                yield futures[future], results_text, log
    finally:
        client.cancel([f for f in futures if not f.done()])
        if client is not scheduler:
            client.close()
