"""Grading a whole class: a folder of submission folders, or Gradescope's export.

Every submission is graded by its own ``python -m autograder`` process, exactly as
``run_autograder`` grades one on Gradescope, so a submission that crashes, hangs or
attacks the grader costs only its own grade. The batch folder holds, per submission,
``<name>/results.json`` and ``<name>/grader.log``, and ``batch.json`` lists who submitted
what. A results file is written last and atomically, so a valid one means "graded";
a regrade's replaces the old one only once it is whole, so a stopped regrade leaves the
old results as they were. Each results file records what produced it (provenance.py): a
run grades again what is stale, rescores what only the points make out of date, and a
stopped run resumes (plan.py).
"""
import concurrent.futures
import contextlib
import functools
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

from .. import course as courses
from .. import provenance
from ..grader import SEED_VARIABLE
from ..course import ROOT as PROJECT
from ..grader import assignment as assignment_file
from ..grader import fingerprints
from ..grader import results as results_file
from ..grader.rescore import rescore
from ..sandbox import policy
from . import plan as plans

METADATA = "submission_metadata.yml"  # Gradescope's "Export Submissions" index
# run_autograder with the working folder off the import path (-P, on Python 3.10 too)
GRADER = "import sys; del sys.path[0]; from autograder.cli import run_autograder; sys.exit(run_autograder())"
INDEX = "batch.json"
FRESH = "results.fresh.json"  # a grading's results, beside the old ones until it is whole
POLL_S = 0.2  # how often a waiting grading looks for a stop


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


def read_results(results_path):
    """The valid results document at ``results_path``, or None."""
    try:
        results = json.loads(Path(results_path).read_text())
        results_file.validate(results)
        return results
    except (OSError, ValueError, results_file.jsonschema.ValidationError):
        return None


def is_graded(results_path):
    return read_results(results_path) is not None


def grade_command(submission, results_path, *, device="cpu", course=None, assignment=None, python=sys.executable,
                  fingerprints=None):
    return ([python, "-c", GRADER, "--submission", str(submission), "--results", str(results_path),
             "--device", device, "--quiet"] + ([] if course is None else ["--course", str(course)])
            + ([] if assignment is None else ["--assignment", str(assignment)])
            + ([] if fingerprints is None else ["--fingerprints", str(fingerprints)]))


class Stopped(Exception):
    """The batch was asked to stop (SIGINT or SIGTERM) before this grading finished."""


class Stop:
    """A batch's stop request, set by SIGINT or SIGTERM. It says so at once, keeps new
    gradings from starting and ends the running ones: SIGTERM to each grader's process group
    (the grader kills its worker and writes nothing), then SIGKILL ``grace`` seconds later,
    however loaded the machine. An ended grading leaves its submission's old results as they
    were."""

    def __init__(self, grace=2.0, say=None):
        self.grace, self.say = grace, say or _say
        self.signal, self.at, self.running, self.lock = None, None, set(), threading.RLock()
        self.event = threading.Event()

    def __bool__(self):
        return self.event.is_set()

    def request(self, signum=signal.SIGINT, frame=None):
        """Stop (a signal handler: it runs in the main thread, between two of its steps)."""
        with self.lock:
            first = not self.event.is_set()
            self.signal = self.signal or signum
            self.at = self.at or time.monotonic()
            self.event.set()
            running = list(self.running)
        if not first:
            return
        self.say(f"stopping on {signal.Signals(self.signal).name}: no new grading starts"
                 + (f"; the {len(running)} running end within seconds, and their submissions keep their old results"
                    if running else ""))
        for process in running:
            _signal_group(process, signal.SIGTERM)
        # a daemon: the batch waits for each grader itself, and exits as soon as the last one has
        kill = threading.Timer(self.grace, self._kill_running)
        kill.daemon = True
        kill.start()

    def overdue(self):
        """Whether the grace after the stop is over: what still runs is killed, not waited for."""
        return self.at is not None and time.monotonic() - self.at >= self.grace

    def _kill_running(self):
        with self.lock:
            running = list(self.running)
        for process in running:
            _signal_group(process, signal.SIGKILL)

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
            _signal_group(process, signal.SIGKILL if self.overdue() else signal.SIGTERM)
        try:
            yield
        finally:
            with self.lock:
                self.running.discard(process)


def _say(line):
    """A line on stderr at once: unbuffered, and safe in a signal handler (print is not: the
    handler may run while the main thread is inside print)."""
    with contextlib.suppress(OSError, ValueError):  # no stderr to say it on: the stop goes on all the same
        os.write(sys.stderr.fileno(), f"\n{line}\n".encode())


def _signal_group(process, signum):
    try:
        os.killpg(process.pid, signum)
    except (ProcessLookupError, PermissionError):
        pass


def grade_folder(submission, results_path, *, timeout, seed=None, device="cpu", course=None, assignment=None,
                 python=sys.executable, stop=None, probe_seed=None):
    """Grade one submission folder in a process of its own into ``results_path``; returns its
    grader log.

    The grader writes beside ``results_path``; its file replaces the old one only once it is
    whole and valid. When ``stop`` (a Stop) is requested first, this raises Stopped and the
    old results (if any) stay as they were. Otherwise ``results_path`` ends up holding a valid
    results file: when the grader timed out or died without writing one, a file with no
    points says so. With ``probe_seed`` (``batch --similarity``), the grader also runs the checks
    on that seed and writes ``fingerprints.json`` beside ``results_path`` (grader/fingerprints.py)."""
    stop = Stop() if stop is None else stop  # a Stop not yet requested is false: "or" would replace it
    if stop:
        raise Stopped(submission)
    results_path = Path(results_path)
    fresh = results_path.with_name(FRESH)
    fresh.unlink(missing_ok=True)
    started = time.monotonic()
    # the seed goes by the environment: a command line is readable by every user's processes
    env = {k: v for k, v in os.environ.items() if k != SEED_VARIABLE}
    env["PYTHONPATH"] = os.pathsep.join([str(PROJECT), *filter(None, [env.get("PYTHONPATH")])])
    if seed is not None:
        env[SEED_VARIABLE] = str(seed)
    if probe_seed is not None:
        env[fingerprints.PROBE_VARIABLE] = str(probe_seed)
    process = subprocess.Popen(grade_command(submission, fresh, device=device, course=course, assignment=assignment,
                                             python=python, fingerprints=None if probe_seed is None
                                             else results_path.with_name(fingerprints.FILE)),
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                               start_new_session=True, env=env)
    with stop.watching(process):
        log, problem = _wait(process, timeout, stop)
    if is_graded(fresh):
        os.replace(fresh, results_path)
        return log.rstrip("\n") + f"\n[batch] kept as {results_path.name}, in place of the results before it\n"
    fresh.unlink(missing_ok=True)
    if stop:
        raise Stopped(submission)
    results_file.write(results_file.crash_results(
        f"This submission could not be graded: {problem}. No points were awarded; please tell the course staff.",
        time.monotonic() - started, provenance=_provenance(course, assignment, seed)), results_path)
    return log + f"\n[batch] {problem}; wrote a results file with no points\n"


def _wait(process, timeout, stop):
    """(the grader's output, what went wrong if it wrote no results) once it exits, or once its
    ``timeout`` is over (its process group killed), or once a stop's grace is over (killed,
    and its output not waited for: a process it left may hold the pipe open)."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            log, _ = process.communicate(timeout=POLL_S)
            return log, f"the grader exited with status {process.returncode}"
        except subprocess.TimeoutExpired:
            pass
        if stop.overdue():
            _signal_group(process, signal.SIGKILL)
            with contextlib.suppress(subprocess.TimeoutExpired):
                process.wait(timeout=1.0)
            process.stdout.close()
            return "", "the batch was stopped"
        if time.monotonic() > deadline:
            _signal_group(process, signal.SIGKILL)
            log, _ = process.communicate()
            return log, f"grading did not finish within {timeout:g} s"


def _provenance(course, assignment, seed):
    """What a grading of ``course`` records now, as results files hold it; None where the
    course cannot be read (the grading failed for that reason: grade it again)."""
    try:
        return provenance.current(course, assignment, seed).as_dict()
    except (courses.CourseError, OSError):
        return None


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
class Outcome:
    """What one batch run did."""
    plan: plans.Plan
    todo: list = field(default_factory=list)  # names it set out to grade
    graded: list = field(default_factory=list)  # names it graded (a results file written, crash results included)
    rescored: list = field(default_factory=list)  # names it rescored without grading
    rescore_seconds: float = 0.0
    scores: dict = field(default_factory=dict)  # {name: score} of every submission with results, after the run
    signal: int | None = None  # what stopped it, or None

    @property
    def left(self):
        """Names it set out to grade and did not (it was stopped): their old results stand."""
        graded = set(self.graded)
        return [name for name in self.todo if name not in graded]

    def describe_rescore(self):
        return (f"rescored {len(self.rescored)} in {self.rescore_seconds:.2f} s from their recorded verdicts "
                "(only points, visibility or the total changed): nothing graded again")

    def describe_stop(self):
        """"stopped by SIGINT: 6 of 12 regraded in this run, 6 left; ...": what this run really
        did, counting what the stopped run it resumed had done."""
        resumed = len(self.plan.of(plans.RESUMED))
        verb = "regraded" if self.plan.force else "graded"
        text = (f"stopped by {signal.Signals(self.signal).name}: {resumed + len(self.graded)} of "
                f"{resumed + len(self.todo)} {verb} in this run")
        if resumed:
            text += f" ({resumed} of them before it was resumed)"
        return text + f", {len(self.left)} left; run the same command again to grade exactly those"


@dataclass
class Batch:
    """Grades ``submissions`` into ``out``; ``jobs`` at a time, or on a Dask cluster."""
    submissions: list
    out: Path
    jobs: int = 1
    timeout: float = 1800.0
    seed: int | None = None
    device: str = "cpu"
    course: Path | None = None  # the course's manifest (None: the bundled course)
    assignment: Path | None = None
    force: bool = False
    progress: bool = True
    stop: Stop = field(default_factory=Stop)
    probe_seed: int | None = None  # batch --similarity: the batch's probe seed (workflows/similarity.py), run after each grading

    def results_path(self, submission):
        return self.out / submission.name / "results.json"

    @functools.cached_property
    def current(self):
        """The provenance a grading records now (provenance.py)."""
        return provenance.current(self.course, self.assignment, self.seed)

    def plan(self):
        """What a run does with each submission (plan.py): kept, rescored or graded, and why."""
        record = plans.RunRecord.load(self.out, plans.RunRecord.key_of(self.force, self.current))
        resumed = frozenset(record.done if record else ())
        return plans.Plan(tuple(plans.standing(s, read_results(self.results_path(s)), self.current, force=self.force,
                                               resumed=resumed)
                                for s in self.submissions), force=self.force)

    def pending(self):
        """The submissions a run would grade."""
        return self.plan().of(plans.GRADE)

    def write_index(self):
        self.out.mkdir(parents=True, exist_ok=True)
        index = [{**asdict(s), "path": str(s.path.resolve()), "submitters": list(s.submitters)}
                 for s in self.submissions]
        (self.out / INDEX).write_text(json.dumps(index, indent=2))

    def run(self, scheduler=None, plan=None, log=None):
        """Carry out ``plan`` (by default ``self.plan()``): rescore what only the points make out of
        date, then grade the rest; returns an Outcome, and says ``log(line)`` what the rescore
        did before grading starts. While it grades, ``batch-run.json`` records what it has
        graded. SIGINT or SIGTERM stops it within seconds (``self.stop``): no new grading
        starts, running ones are ended and leave the old results as they were, finished ones
        are kept and recorded, and the same command run again grades exactly the rest."""
        plan = plan or self.plan()
        self.write_index()
        outcome = Outcome(plan)
        unscored = self._rescore(plan.of(plans.RESCORE), outcome)
        if outcome.rescored and log is not None:
            log(outcome.describe_rescore())
        todo = plan.of(plans.GRADE) + unscored
        outcome.todo = [s.name for s in todo]
        key = plans.RunRecord.key_of(self.force, self.current)
        resumed = plans.RunRecord.load(self.out, key)
        record = resumed or plans.RunRecord.begin(key)
        if todo:  # the record of another command's stopped run is replaced only by a run with work to do
            record.save(self.out)
        # where a worker runs without its allow-list view, under a uid of its own, these
        # folders of other students' work, logs and results are closed to it
        private = policy.protect(sorted({str(self.out), *(str(s.path.parent) for s in self.submissions)}))
        bar = tqdm(total=len(todo), desc="grading", unit="submission", disable=not self.progress)
        try:
            with self.stop.on_signals():
                grade = self._on_dask(todo, scheduler) if scheduler else self._locally(todo)
                for submission, grader_log in grade:
                    (self.out / submission.name / "grader.log").write_text(grader_log)
                    outcome.graded.append(submission.name)
                    record.done.append(submission.name)
                    record.save(self.out)
                    bar.update()
                    bar.set_postfix_str(submission.name)
        finally:
            bar.close()
            policy.restore(private)
        outcome.signal = self.stop.signal
        if not self.stop and not outcome.left and (todo or resumed):
            plans.RunRecord.remove(self.out)
        outcome.scores = {s.name: results["score"] for s in self.submissions
                          if (results := read_results(self.results_path(s))) is not None}
        return outcome

    def _rescore(self, submissions, outcome):
        """Rescore ``submissions`` from their recorded verdicts, each results file rewritten
        atomically; returns those that cannot be (their tests are not the course's: graded)."""
        if not submissions:
            return []
        started = time.perf_counter()
        course = courses.load(self.course)
        assignment = assignment_file.load(self.assignment or course.manifest, course)
        unscored = []
        for submission in submissions:
            results = rescore(read_results(self.results_path(submission)), assignment, self.current.points)
            if results is None:
                unscored.append(submission)
                continue
            results_file.write(results, self.results_path(submission))
            outcome.rescored.append(submission.name)
        outcome.rescore_seconds = time.perf_counter() - started
        return unscored

    def _locally(self, todo):
        def one(submission):
            self.results_path(submission).parent.mkdir(parents=True, exist_ok=True)
            return submission, grade_folder(submission.path, self.results_path(submission), timeout=self.timeout,
                                            seed=self.seed, device=self.device, course=self.course,
                                            assignment=self.assignment, stop=self.stop, probe_seed=self.probe_seed)

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
        graded = grade_on_cluster(grade_archive, todo, scheduler, timeout=self.timeout, seed=self.seed,
                                  device=self.device, course=self.course, assignment_text=assignment_text,
                                  stop=self.stop)
        for submission, results_text, log in graded:
            try:  # a cluster worker's answer is checked like any other
                results = json.loads(results_text)
                results_file.validate(results)
            except (ValueError, results_file.jsonschema.ValidationError) as exc:
                results = results_file.crash_results(f"This submission could not be graded: the cluster returned "
                                                     f"an invalid results file ({type(exc).__name__}). No points "
                                                     "were awarded; please tell the course staff.")
            results_file.write(results, self.results_path(submission))
            yield submission, log
