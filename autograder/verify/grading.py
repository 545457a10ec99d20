"""Gradings for the verification harness: each in a process of its own, as Gradescope runs
one (runner.grade), several at a time, each returning a ``Graded`` record, not text to
parse back.

A child process, not a thread: a grading imports the course's checks and runs pytest in
its process, which two gradings cannot share.
"""
import concurrent.futures
import dataclasses
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path


@dataclasses.dataclass(frozen=True)
class Job:
    submission: Path
    course: Path  # the course's manifest
    seed: int
    tests: tuple | None = None  # only these tests (ids); None: every test of the assignment
    assignment: Path | None = None
    observe_values: bool = False  # keep every (got, want) pair the checks compared (mutants' equivalence)


@dataclasses.dataclass(frozen=True)
class Graded:
    records: dict  # {test id: its record of results.json (name, score, max_score, output)}
    score: float
    output: str  # the results' top-level text
    course_errors: tuple  # errors of the course's own code (a check that raised, a file that did not import)
    identical: bool | None = None  # with observe_values: every compared value equal to the reference's

    def lost(self):
        """Test ids that lost points."""
        return {t for t, r in self.records.items() if r["score"] < r["max_score"]}


def grade(job):
    """Run ``job`` in this process (the child's side)."""
    from ..grader import runner
    from . import equivalence

    seen, errors = {}, []
    watch = equivalence.Watch() if job.observe_values else None
    with tempfile.TemporaryDirectory(prefix="agverify-") as scratch:
        with (watch or _nothing()):
            results = runner.grade(job.submission, Path(scratch) / "results.json", course=job.course, device="cpu",
                                   assignment_path=job.assignment, seed=job.seed, log=lambda *_: None,
                                   tests=job.tests, observe=lambda plugin: seen.update(plugin=plugin))
    plugin = seen.get("plugin")
    if plugin is None:  # the grader itself failed: results say so
        errors.append(results.get("output", "the grading failed"))
        records = {}
    else:
        errors += plugin.staff_errors
        records = {t: {k: r[k] for k in ("name", "score", "max_score", "output")} for t, r in plugin.records.items()}
    return Graded(records, results["score"], results.get("output", ""), tuple(errors),
                  watch.identical if watch else None)


class _nothing:
    def __enter__(self):
        return self

    def __exit__(self, *_):
        return False


def grade_all(jobs, workers=None, timeout=1800):
    """[Graded] of ``jobs``, in order, ``workers`` child processes at a time."""
    workers = workers or max(1, os.cpu_count() or 1)
    with concurrent.futures.ThreadPoolExecutor(workers) as pool:
        return list(pool.map(lambda job: _in_child(job, timeout), jobs))


def _in_child(job, timeout):
    with tempfile.TemporaryDirectory(prefix="agverify-") as scratch:
        request, answer = Path(scratch) / "job.json", Path(scratch) / "graded.json"
        request.write_text(json.dumps(dataclasses.asdict(job), default=str))
        try:
            process = subprocess.run([sys.executable, "-m", "autograder.verify.grading", str(request), str(answer)],
                                     capture_output=True, text=True, timeout=timeout)
        except subprocess.TimeoutExpired:
            return Graded({}, 0.0, "", (f"the grading took over {timeout:g} s",))
        if process.returncode != 0 or not answer.is_file():
            return Graded({}, 0.0, "", (f"the grading process failed (exit {process.returncode}): "
                                        f"{process.stderr[-2000:]}",))
        return Graded(**{**json.loads(answer.read_text()), "course_errors": tuple(
            json.loads(answer.read_text())["course_errors"])})


def _main(request, answer):
    fields = json.loads(Path(request).read_text())
    job = Job(**{**fields, "submission": Path(fields["submission"]), "course": Path(fields["course"]),
                 "tests": tuple(fields["tests"]) if fields["tests"] is not None else None,
                 "assignment": Path(fields["assignment"]) if fields["assignment"] else None})
    Path(answer).write_text(json.dumps(dataclasses.asdict(grade(job))))


if __name__ == "__main__":
    _main(*sys.argv[1:3])
