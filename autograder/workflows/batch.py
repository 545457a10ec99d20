"""Grading a whole class: a folder of submission folders, or Gradescope's export.

Every submission is graded by its own ``python -m autograder`` process, exactly as
``run_autograder`` grades one on Gradescope, so a submission that crashes, hangs or
attacks the grader costs only its own grade. The batch folder holds, per submission,
``<name>/results.json`` and ``<name>/grader.log``, and ``batch.json`` lists who submitted
what. A results file is written last and atomically, so a valid one means "graded".
"""
import concurrent.futures
import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import yaml
from tqdm import tqdm

from ..cli import SEED_VARIABLE
from ..course import ROOT as PROJECT
from ..grader import results as results_file
from ..sandbox import policy

METADATA = "submission_metadata.yml"  # Gradescope's "Export Submissions" index
# run_autograder with the working folder off the import path (-P, on Python 3.10 too)
GRADER = "import sys; del sys.path[0]; from autograder.cli import run_autograder; sys.exit(run_autograder())"
INDEX = "batch.json"


@dataclass(frozen=True)
class Person:
    """One submitter, field by field, as Gradescope's metadata names them (any may be empty)."""
    name: str = ""
    email: str = ""
    sid: str = ""


@dataclass(frozen=True)
class Submission:
    name: str                                   # folder name: unique within the batch
    path: Path
    submitters: tuple = field(default=())       # "Name <email> (sid)" from Gradescope's metadata
    people: tuple = field(default=())           # the same submitters as Person records (a gradebook's columns)


def _submitters(record):
    people = (record or {}).get(":submitters") or []
    described = []
    for person in people:
        text = str(person.get(":name") or "").strip()
        if person.get(":email"):
            text += f" <{person[':email']}>"
        if person.get(":sid"):
            text += f" ({person[':sid']})"
        described.append(text.strip())
    return tuple(described)


def _people(record):
    """The submitters of one metadata record as Person records (an SID may be a YAML number)."""
    return tuple(Person(*(str(person.get(key) or "").strip() for key in (":name", ":email", ":sid")))
                 for person in (record or {}).get(":submitters") or [])


def find_submissions(folder):
    """The submissions in ``folder``: each sub-folder is one (dotfiles and ``__MACOSX``
    skipped). With Gradescope's ``submission_metadata.yml`` beside them, its submitters
    are attached."""
    folder = Path(folder)
    metadata = {}
    if (folder / METADATA).is_file():
        metadata = yaml.safe_load((folder / METADATA).read_text()) or {}
    return [Submission(p.name, p, _submitters(metadata.get(p.name)), _people(metadata.get(p.name)))
            for p in sorted(folder.iterdir())
            if p.is_dir() and not p.name.startswith(".") and p.name != "__MACOSX"]


def is_graded(results_path):
    try:
        results_file.validate(json.loads(Path(results_path).read_text()))
        return True
    except (OSError, ValueError, results_file.jsonschema.ValidationError):
        return False


def grade_command(submission, results_path, *, device="cpu", course=None, assignment=None, python=sys.executable):
    return ([python, "-c", GRADER, "--submission", str(submission), "--results", str(results_path),
             "--device", device, "--quiet"] + ([] if course is None else ["--course", str(course)])
            + ([] if assignment is None else ["--assignment", str(assignment)]))


class Stopped(Exception):
    """The batch was asked to stop (SIGINT or SIGTERM) before this grading finished."""


class Stop:
    """A batch's stop request: set by SIGINT or SIGTERM, it ends every running grader (SIGTERM
    to its process group: the grader kills its worker and writes nothing; SIGKILL after
    ``grace`` seconds) and keeps new gradings from starting."""

    def __init__(self, grace=5.0):
        self.grace, self.signal, self.running, self.lock = grace, None, set(), threading.Lock()
        self.event = threading.Event()

    def __bool__(self):
        return self.event.is_set()

    def request(self, signum=signal.SIGINT, frame=None):
        self.signal = self.signal or signum
        self.event.set()
        with self.lock:
            running = list(self.running)
        for process in running:
            _signal_group(process, signal.SIGTERM)
        # a daemon: the batch waits for each grader itself, and exits as soon as the last one has
        kill = threading.Timer(self.grace, lambda: [_signal_group(p, signal.SIGKILL) for p in running])
        kill.daemon = True
        kill.start()

    @contextlib.contextmanager
    def on_signals(self):
        """Within the block (in the main thread), SIGINT and SIGTERM request the stop."""
        if threading.current_thread() is not threading.main_thread():
            yield self
            return
        previous = {s: signal.signal(s, self.request) for s in (signal.SIGINT, signal.SIGTERM)}
        try:
            yield self
        finally:
            for s, handler in previous.items():
                signal.signal(s, handler)

    @contextlib.contextmanager
    def watching(self, process):
        with self.lock:
            self.running.add(process)
        if self:  # asked to stop while this one was starting
            _signal_group(process, signal.SIGTERM)
        try:
            yield
        finally:
            with self.lock:
                self.running.discard(process)


def _signal_group(process, signum):
    try:
        os.killpg(process.pid, signum)
    except (ProcessLookupError, PermissionError):
        pass


def grade_folder(submission, results_path, *, timeout, seed=None, device="cpu", course=None, assignment=None,
                 python=sys.executable, stop=None):
    """Grade one submission folder in a process of its own; returns its grader log.

    Whatever that process does, ``results_path`` ends up holding a valid results file:
    when it timed out or died without writing one, a file with no points says so. When
    ``stop`` (a Stop) is requested first, raises Stopped and leaves no results file."""
    stop = stop or Stop()
    if stop:
        raise Stopped(submission)
    started = time.monotonic()
    # the seed goes by the environment: a command line is readable by every user's processes
    env = {k: v for k, v in os.environ.items() if k != SEED_VARIABLE}
    env["PYTHONPATH"] = os.pathsep.join([str(PROJECT), *filter(None, [env.get("PYTHONPATH")])])
    if seed is not None:
        env[SEED_VARIABLE] = str(seed)
    process = subprocess.Popen(grade_command(submission, results_path, device=device, course=course,
                                             assignment=assignment, python=python),
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               start_new_session=True, env=env)
    with stop.watching(process):
        try:
            log, _ = process.communicate(timeout=timeout)
            problem = f"the grader exited with status {process.returncode}"
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            log, _ = process.communicate()
            problem = f"grading did not finish within {timeout:g} s"
    if stop and not is_graded(results_path):
        Path(results_path).unlink(missing_ok=True)
        raise Stopped(submission)
    if not is_graded(results_path):
        results_file.write(results_file.crash_results(
            f"This submission could not be graded: {problem}. No points were awarded; "
            "please tell the course staff.", time.monotonic() - started), results_path)
        log += f"\n[batch] {problem}; wrote a results file with no points\n"
    return log


def grade_archive(archive, *, timeout, seed=None, device="cpu", course=None, assignment_text=None):
    """Grade a zipped submission (bytes) on any machine with the autograder installed:
    the task a distributed worker runs. Returns ``(results_text, log)``."""
    with tempfile.TemporaryDirectory(prefix="batch-") as scratch:
        archive_path = Path(scratch) / "submission.zip"
        archive_path.write_bytes(archive)
        shutil.unpack_archive(archive_path, Path(scratch) / "submission")
        assignment = None
        if assignment_text is not None:
            assignment = Path(scratch) / "assignment.yaml"
            assignment.write_text(assignment_text)
        results_path = Path(scratch) / "results.json"
        log = grade_folder(Path(scratch) / "submission", results_path, timeout=timeout, seed=seed, device=device,
                           course=course, assignment=assignment)
        return results_path.read_text(), log


@dataclass
class Batch:
    """Grades ``submissions`` into ``out``; ``jobs`` at a time, or on a Dask cluster."""
    submissions: list
    out: Path
    jobs: int = 1
    timeout: float = 1800.0
    seed: int = None
    device: str = "cpu"
    course: Path = None  # the course's manifest (None: the bundled course)
    assignment: Path = None
    force: bool = False
    progress: bool = True
    stop: Stop = field(default_factory=Stop)

    def results_path(self, submission):
        return self.out / submission.name / "results.json"

    def pending(self):
        return [s for s in self.submissions if self.force or not is_graded(self.results_path(s))]

    def write_index(self):
        self.out.mkdir(parents=True, exist_ok=True)
        index = [{**asdict(s), "path": str(s.path.resolve()), "submitters": list(s.submitters)}
                 for s in self.submissions]
        (self.out / INDEX).write_text(json.dumps(index, indent=2))

    def run(self, scheduler=None):
        """Grade what is pending; returns {name: score} of every graded submission. SIGINT or
        SIGTERM stops it within seconds (``self.stop``): no new grading starts, running ones
        are ended and leave no results file, finished ones are kept, and a rerun grades the
        rest."""
        self.write_index()
        todo = self.pending()
        # where a worker runs without its allow-list view, under a uid of its own, these
        # folders of other students' work, logs and results are closed to it
        private = policy.protect(sorted({str(self.out), *(str(s.path.parent) for s in self.submissions)}))
        bar = tqdm(total=len(todo), desc="grading", unit="submission", disable=not self.progress)
        try:
            with self.stop.on_signals():
                grade = self._on_dask(todo, scheduler) if scheduler else self._locally(todo)
                for submission, log in grade:
                    (self.out / submission.name / "grader.log").write_text(log)
                    bar.update()
                    bar.set_postfix_str(submission.name)
        finally:
            bar.close()
            policy.restore(private)
        return {s.name: json.loads(self.results_path(s).read_text())["score"] for s in self.submissions
                if is_graded(self.results_path(s))}

    def _locally(self, todo):
        def one(submission):
            self.results_path(submission).parent.mkdir(parents=True, exist_ok=True)
            return submission, grade_folder(submission.path, self.results_path(submission), timeout=self.timeout,
                                            seed=self.seed, device=self.device, course=self.course,
                                            assignment=self.assignment, stop=self.stop)

        with concurrent.futures.ThreadPoolExecutor(max(1, self.jobs)) as pool:
            futures = [pool.submit(one, s) for s in todo]
            try:
                for future in concurrent.futures.as_completed(futures):
                    try:
                        yield future.result()
                    except Stopped:
                        continue
            finally:
                for future in futures:
                    future.cancel()

    def _on_dask(self, todo, scheduler):
        from .distributed import grade_on_cluster

        assignment_text = None if self.assignment is None else Path(self.assignment).read_text()
        for submission, results_text, log in grade_on_cluster(todo, scheduler, timeout=self.timeout, seed=self.seed,
                                                               device=self.device, course=self.course,
                                                               assignment_text=assignment_text, stop=self.stop):
            try:  # a cluster worker's answer is checked like any other
                results = json.loads(results_text)
                results_file.validate(results)
            except (ValueError, results_file.jsonschema.ValidationError) as exc:
                results = results_file.crash_results(f"This submission could not be graded: the cluster returned "
                                                     f"an invalid results file ({type(exc).__name__}). No points "
                                                     "were awarded; please tell the course staff.")
            results_file.write(results, self.results_path(submission))
            yield submission, log
