"""Gradings for the verification harness: in child processes, graded as Gradescope grades
(runner.grade), several processes at a time, each grading returning ``Graded`` records,
not text to parse back.

A child process, not a thread: a grading imports the course's checks and runs pytest in
its process, which two gradings cannot share at once; one after another they can, and a
child grades a few in turn. A job may grade the same submission on several seeds; its
worker then serves them all (``validate --seeds``). A job may be graded within a memory
limit, the grader and its worker together as a platform's container holds them, in a
child of its own whose cgroup measures its peak (``validate``'s reference).
"""
import concurrent.futures
import dataclasses
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from ..grader.calls import StudentError
from ..sandbox import policy

BATCH = 8  # the most jobs one child process grades in turn
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
    """[Graded] per seed of each of ``jobs``, yielded in order as soon as it is known,
    ``workers`` child processes at a time (default: one more than the CPUs, as a grading
    leaves its core partly idle while its worker starts and answers). A child grades a few
    jobs of one seed in turn: its imports (torch, pytest: 3 s of CPU) are paid once for all
    of them."""
    workers = workers or (os.cpu_count() or 1) + 1
    size = max(1, min(BATCH, len(jobs) // (3 * workers)))
    batches = []
    for job in jobs:
        # a job of several seeds pays for its child's imports by itself; batched with others,
        # four such jobs made one child the last of a `validate --seeds` run by half an hour;
        # one graded within a memory limit has its own child (its cgroup measures that grading)
        if batches and len(batches[-1]) < size and len(job.seeds) == len(batches[-1][0].seeds) == 1 \
                and job.memory_mb is None is batches[-1][0].memory_mb:
            batches[-1].append(job)
        else:
            batches.append([job])
    with concurrent.futures.ThreadPoolExecutor(workers) as pool:
        for graded in pool.map(lambda batch: _in_child(batch, timeout), batches):
            yield from graded


def grade_each(jobs, workers=None, timeout=1800):
    """The Graded of each of ``jobs`` on its first seed, yielded in order."""
    return (graded[0] for graded in grade_seeds(jobs, workers, timeout))


def grade_all(jobs, workers=None, timeout=1800):
    """[Graded] of ``jobs`` on their first seeds, in order."""
    return list(grade_each(jobs, workers, timeout))


def _in_child(batch, timeout):
    """[[Graded] per seed] of each job of ``batch``, graded in turn by one child process;
    where that process fails, each job again in a process of its own, so that one job's
    failure is its own."""
    limit = batch[0].memory_mb
    cgroups = policy.grading_cgroups(f"aggrading-{os.getpid()}-{time.monotonic_ns()}", limit) if limit else []
    try:
        return _graded_in_child(batch, timeout, cgroups)
    finally:
        policy.remove_cgroups(cgroups)


def _graded_in_child(batch, timeout, cgroups):
    with tempfile.TemporaryDirectory(prefix="agverify-") as scratch:
        request, answer = Path(scratch) / "jobs.json", Path(scratch) / "graded.json"
        request.write_text(json.dumps([dataclasses.asdict(job) for job in batch], default=str))
        command = [sys.executable, "-m", "autograder.verify.grading", str(request), str(answer)]
        if cgroups:  # joined before its interpreter starts: a page is charged where it is first allocated
            command = [sys.executable, "-c", JOIN, os.pathsep.join(cgroups), *command]
        failed = None
        try:
            process = subprocess.run(command, capture_output=True, text=True,
                                     timeout=timeout * sum(len(job.seeds) for job in batch))
            if process.returncode != 0 or not answer.is_file():
                why = process.stderr[-2000:].strip() or (f"stopped by signal {-process.returncode}"
                                                          if process.returncode < 0 else "no output")
                failed = f"its process failed (exit {process.returncode}): {why}"
        except subprocess.TimeoutExpired:
            failed = f"it took over {timeout:g} s a seed"
        peak, kills = policy.memory_used(cgroups) if cgroups else (None, 0)
        if failed and kills:
            failed = (f"its grading needs more than {batch[0].memory_mb} MB, the grader and its worker together: "
                      f"the kernel killed it at that limit")
        if failed and len(batch) > 1:
            return [graded for job in batch for graded in _in_child([job], timeout)]
        if failed:
            return [[Graded({}, 0.0, (), failed=failed, peak_mb=peak, memory_kills=kills)] * len(batch[0].seeds)]
        return [[Graded(**{**fields, "course_errors": tuple(fields["course_errors"]), "differ": tuple(fields["differ"]),
                           "raised": tuple(map(tuple, fields["raised"])), "peak_mb": peak, "memory_kills": kills})
                 for fields in graded]
                for graded in json.loads(answer.read_text())]


def _main(request, answer):
    jobs = [Job(**{**fields, "submission": Path(fields["submission"]), "course": Path(fields["course"]),
                   "seeds": tuple(fields["seeds"]), "tests": None if fields["tests"] is None else tuple(fields["tests"]),
                   "assignment": Path(fields["assignment"]) if fields["assignment"] else None})
            for fields in json.loads(Path(request).read_text())]
    Path(answer).write_text(json.dumps([[dataclasses.asdict(graded) for graded in grade(job)] for job in jobs]))


if __name__ == "__main__":
    _main(*sys.argv[1:3])
