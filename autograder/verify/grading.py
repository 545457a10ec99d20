"""Gradings for the verification harness: in child processes, graded as Gradescope grades
(runner.grade), several processes at a time, each grading returning ``Graded`` records,
not text to parse back.

A child process, not a thread: a grading imports the course's checks and runs pytest in
its process, which two gradings cannot share at once; one after another they can, and a
child grades job after job. A job may grade the same submission on several seeds; its
worker then serves them all (``validate --seeds``). A job may be graded within a memory
limit, the grader and its worker together as a platform's container holds them, in a
child of its own whose cgroup measures its peak (``validate``'s reference).
"""
import collections
import dataclasses
import json
import os
import select
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from ..grader.calls import StudentError
from ..sandbox import policy, processes

# joins the cgroups (argv[1], os.pathsep-separated) as the worker's launcher does, then
# becomes the command after them
JOIN = ("import os, sys\nfrom autograder.sandbox.confine import join_cgroups\n"
        "join_cgroups(sys.argv[1].split(os.pathsep))\nos.execv(sys.argv[2], sys.argv[2:])")


@dataclasses.dataclass(frozen=True)
class Job:
    submission: Path
    course: Path  # the course's manifest
    seeds: tuple  # the secret seeds to grade on, in order, with one worker
    tests: tuple | None = None  # only these tests (ids); None: every test of the assignment
    assignment: Path | None = None
    observe_values: bool = False  # compare every call with the reference's answer (mutants' equivalence)
    recorded: bool = False  # a student kit's course: its recorded answers stand for the reference (kit/replay.py)
    memory_mb: int | None = None  # graded within this much memory, the grader and its worker together


@dataclasses.dataclass(frozen=True)
class Graded:
    records: dict  # {test id: its record of results.json (name, score, max_score, output)}
    score: float
    course_errors: tuple  # errors of the course's own code (a check that raised, a file that did not import)
    parts: dict = dataclasses.field(default_factory=dict)  # {test id: {part ("" for a test without parts): verdict}}
    calls: int = 0  # the calls of the submission seen,
    differ: tuple = ()  # with observe_values, those whose answer differed from the reference's ("function: what")
    raised: tuple = ()  # ((function, error type), ...): what the submission's calls raised (NameError, ...)
    failed: str = ""  # why the grading itself gave no verdict (its process was killed, or timed out)
    peak_mb: int | None = None  # with the job's memory_mb: the grading's peak, where a cgroup measured it
    memory_kills: int = 0  # with it: the processes the kernel killed at that limit

    def lost(self):
        """Test ids that lost points."""
        return {t for t, r in self.records.items() if r["score"] < r["max_score"]}


class Raised:
    """Remote's ``watch`` in every verification grading: the calls of the submission seen, and
    the errors they raised ((function, error type), once each), for a variant that declares
    it ``raises`` and for telling a mutant that breaks its function from one that changes it."""

    def __init__(self, also=None):
        self.also, self.calls, self.raised = also, 0, []  # also: a watch of its own (equivalence.Watch)

    def __call__(self, reference, header, arrays, reply, want=None):
        self.calls += 1
        error = (header.get("function"), getattr(reply, "error_type", None))
        if isinstance(reply, StudentError) and error[1] and error not in self.raised:
            self.raised.append(error)
        if self.also is not None:
            self.also(reference, header, arrays, reply, want)


def grade(job):
    """[Graded] of ``job``, one per seed, run in this process (the child's side)."""
    from ..grader import runner
    from ..kit.replay import RecordedReference
    from . import equivalence

    # one watch for all of a job's seeds: what its calls raised and differed in, over them all
    plugins, watch = [], Raised(equivalence.Watch() if job.observe_values else None)
    with tempfile.TemporaryDirectory(prefix="agverify-") as scratch:
        results = runner.grade(job.submission, Path(scratch) / "results.json", course=job.course, device="cpu",
                               assignment_path=job.assignment, seed=job.seeds[0], again=job.seeds[1:],
                               log=lambda *_: None, tests=job.tests, observe=plugins.append, watch=watch,
                               reference=RecordedReference if job.recorded else None)
    if not plugins:  # the grader itself failed: its results say so
        return [Graded({}, 0.0, (), failed=results.get("output", "the grader failed"))] * len(job.seeds)
    differ = tuple(watch.also.differ) if watch.also else ()
    return [Graded({t: {k: r[k] for k in ("name", "score", "max_score", "output")} for t, r in p.records.items()},
                   sum(r["score"] for r in p.records.values()), tuple(p.staff_errors), part_verdicts(p),
                   watch.calls, differ, tuple(watch.raised))
            for p in plugins]


def part_verdicts(plugin):
    """{test: {part: "earned" | "held" | "failed" | "unchecked"}}; a test without parts is one
    part named "" (earned or failed), and one the kit could not judge at all is "unchecked"."""
    found = {}
    for test, record in plugin.records.items():
        parts = plugin.parts.get(test)
        if test in plugin.unchecked:
            found[test] = {"": "unchecked"}
        elif parts is not None and (parts.results or parts.unchecked):
            found[test] = {**parts.verdicts(), **dict.fromkeys(parts.unchecked, "unchecked")}
        else:
            found[test] = {"": "earned" if record["score"] >= record["max_score"] else "failed"}
    return found


def grade_seeds(jobs, workers=None, timeout=1800):
    """[Graded] per seed of each of ``jobs``, yielded in order as soon as it is known, by
    ``workers`` child processes at a time (default: one more than the CPUs, as a grading
    leaves its core partly idle while its worker starts and answers). Each child imports
    torch and pytest once (3 s of CPU) and grades job after job, the costliest first, so
    that no long job is left to run alone at the end. A job graded within a memory limit has
    a child of its own, whose cgroup measures it; a job that kills its child or outlasts
    ``timeout`` a seed fails alone, and the next job gets a fresh child."""
    workers = workers or (os.cpu_count() or 1) + 1
    pending = collections.deque(sorted(range(len(jobs)), key=lambda i: (jobs[i].memory_mb is None, -_cost(jobs[i]))))
    done, known = {}, threading.Condition()

    def slot():
        child = None
        while True:
            with known:
                if not pending:
                    break
                index = pending.popleft()
            job = jobs[index]
            try:
                cgroups = policy.grading_cgroups(f"aggrading-{os.getpid()}-{time.monotonic_ns()}", job.memory_mb) \
                    if job.memory_mb is not None else []
                if cgroups:
                    graded = _alone(job, timeout, cgroups)
                else:  # where no cgroup can hold it, its memory is not measured: any child grades it
                    if child is not None and not child.fresh_enough():
                        child.close()
                    if child is None or child.process.poll() is not None:
                        child = _Child()
                    graded = child.grade(job, timeout)
            except Exception as exc:  # noqa: BLE001 - the harness's own failure: reported as that job's
                graded = [Graded({}, 0.0, (), failed=f"the harness failed: {type(exc).__name__}: {exc}")] * len(job.seeds)
            with known:
                done[index] = graded
                known.notify_all()
        if child is not None:
            child.close()

    for _ in range(min(workers, len(jobs))):
        threading.Thread(target=slot, daemon=True).start()
    for index in range(len(jobs)):
        with known:
            known.wait_for(lambda: index in done)
            graded = done.pop(index)
        yield graded


def _cost(job):
    """About how long ``job`` takes, in tests (a whole assignment counts as 50)."""
    return len(job.seeds) * (len(job.tests) if job.tests is not None else 50)


def grade_each(jobs, workers=None, timeout=1800):
    """The Graded of each of ``jobs`` on its first seed, yielded in order."""
    return (graded[0] for graded in grade_seeds(jobs, workers, timeout))


def grade_all(jobs, workers=None, timeout=1800):
    """[Graded] of ``jobs`` on their first seeds, in order."""
    return list(grade_each(jobs, workers, timeout))


class _Child:
    """A child process that grades the jobs it is sent, one after another: a job a line on
    its stdin, a line of results on a pipe of its own (its stdout and stderr, where a
    grading's stray output goes, are kept in a file for the message of a failure)."""

    JOBS = 24  # the most one child grades (a grading leaves a little behind: imported check modules)

    def __init__(self, cgroups=()):
        self.output, self.graded = tempfile.TemporaryFile(), 0
        results, self.cgroups = os.pipe(), cgroups
        command = [sys.executable, "-m", "autograder.verify.grading", str(results[1])]
        if cgroups:  # joined before its interpreter starts: a page is charged where it is first allocated
            command = [sys.executable, "-c", JOIN, os.pathsep.join(cgroups), *command]
        self.process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=self.output, stderr=self.output,
                                        pass_fds=(results[1],))
        os.close(results[1])
        self.results, self.buffer = results[0], b""

    def fresh_enough(self):
        return self.graded < self.JOBS

    def grade(self, job, timeout):
        """[Graded] per seed of ``job``; a failed one (killed, over its time) stops this child."""
        self.graded += 1
        self.since, failed = os.fstat(self.output.fileno()).st_size, None  # this job's output starts there
        try:
            self.process.stdin.write(json.dumps(dataclasses.asdict(job), default=str).encode() + b"\n")
            self.process.stdin.flush()
            line = self._line(time.monotonic() + timeout * len(job.seeds))
        except BrokenPipeError:
            line = None
        if line is None:
            failed = self._failure()
        elif not line:
            failed = f"it took over {timeout:g} s a seed"
            self.close(kill=True)
        if failed:
            peak, kills = policy.memory_used(self.cgroups) if self.cgroups else (None, 0)
            if kills:
                failed = (f"its grading needs more than {job.memory_mb} MB, the grader and its worker together: "
                          f"the kernel killed it at that limit")
            return [Graded({}, 0.0, (), failed=failed, peak_mb=peak, memory_kills=kills)] * len(job.seeds)
        return [Graded(**{**fields, "course_errors": tuple(fields["course_errors"]), "differ": tuple(fields["differ"]),
                          "raised": tuple(map(tuple, fields["raised"]))}) for fields in json.loads(line)]

    def _line(self, deadline):
        """The child's next line of results; b"" past ``deadline``, None where the child ended."""
        while b"\n" not in self.buffer:
            if not select.select([self.results], [], [], max(min(deadline - time.monotonic(), 1.0), 0))[0]:
                if time.monotonic() > deadline:
                    return b""
                continue
            chunk = os.read(self.results, 1 << 20)
            if not chunk:
                return None
            self.buffer += chunk
        line, _, self.buffer = self.buffer.partition(b"\n")
        return line

    def _failure(self):
        code = self.stop()
        self.output.seek(self.since)
        why = self.output.read()[-2000:].decode("utf-8", "replace").strip() or (
            f"stopped by signal {-code}" if code is not None and code < 0 else "no output")
        self.close()
        return f"its process failed (exit {code}): {why}"

    def close(self, kill=False):
        code = self.stop(kill)
        self.output.close()
        return code

    def stop(self, kill=False):
        """Stop the child: it ends by itself when its stdin closes, or, with ``kill``, now
        with everything it started; its exit status."""
        if kill and self.process.poll() is None:
            processes.kill_tree(self.process.pid)
        if not self.process.stdin.closed:
            try:
                self.process.stdin.close()
            except BrokenPipeError:
                pass
        try:
            code = self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            processes.kill_tree(self.process.pid)
            code = self.process.wait()
        if self.results is not None:
            os.close(self.results)
            self.results = None
        return code


def _alone(job, timeout, cgroups):
    """[Graded] of ``job`` within its memory limit, in a child of its own in ``cgroups``,
    which measure the grading's peak, the grader and its worker together."""
    try:
        child = _Child(cgroups)
        graded = child.grade(job, timeout)
        child.close()
        peak, kills = policy.memory_used(cgroups)
        return [dataclasses.replace(g, peak_mb=peak, memory_kills=kills) if not g.failed else g for g in graded]
    finally:
        policy.remove_cgroups(cgroups)


def _job(fields):
    return Job(**{**fields, "submission": Path(fields["submission"]), "course": Path(fields["course"]),
                  "seeds": tuple(fields["seeds"]), "tests": None if fields["tests"] is None else tuple(fields["tests"]),
                  "assignment": Path(fields["assignment"]) if fields["assignment"] else None})


def _serve(results_fd):
    """The child's side: grade each job read from stdin, a line of results for each."""
    with os.fdopen(results_fd, "w") as results:
        for line in sys.stdin:
            results.write(json.dumps([dataclasses.asdict(graded) for graded in grade(_job(json.loads(line)))]) + "\n")
            results.flush()


if __name__ == "__main__":
    _serve(int(sys.argv[1]))
