"""Grading one submission, end to end, in the trusted process.

discover → stage → run the checks (pytest) against a confined worker → kill everything
the worker left → write results.json last. Any failure of the grader itself still ends
in a valid results file that says so, with no points.
"""
import concurrent.futures
import contextlib
import glob
import io
import os
import secrets
import sys
import time
import traceback
from pathlib import Path

import pytest

# nothing imported up to the worker's start imports torch: the worker's start-up (mostly
# its own torch import) then overlaps the grader's
from .. import course as courses
from .. import provenance
from ..sandbox import confinement, policy, processes
from ..sandbox.client import Worker
from ..sandbox.stage import build_stage, sweep
from . import assignment as assignment_file
from .assignment import short_name
from . import results as results_file
from .answers import grade_answers
from .budget import Budget
from .discovery import discover
from .plugin import GradescopePlugin, unwritten

PROJECT = Path(__file__).resolve().parent.parent.parent


class _Interrupted:
    """pytest turns Ctrl-C (and a batch's SIGTERM) into an exit code; the grading must stop."""

    seen = False

    @pytest.hookimpl(tryfirst=True)
    def pytest_keyboard_interrupt(self, excinfo):
        self.seen = True
        # pytest's reporter would format the whole stack, parsing torch's sources: seconds
        excinfo.traceback = excinfo.traceback[-1:]


NO_SETTINGS = Path(__file__).with_name("checks.ini")


def run_checks(course, plugins):
    """Run the course's checks with pytest and these plugins; the pytest exit code and output.
    Raises KeyboardInterrupt when the run was interrupted (no results for a cut grading)."""
    course.activate()
    for name, module in list(sys.modules.items()):  # fresh each run: a file that failed to import stays failed
        if Path(getattr(module, "__file__", None) or "/").is_relative_to(course.checks):
            del sys.modules[name]
    os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    ini, interrupted = course.checks / "pytest.ini", _Interrupted()
    with contextlib.redirect_stdout(io.StringIO()) as output:
        code = pytest.main([str(course.checks), "-c", str(ini if ini.is_file() else NO_SETTINGS),
                            "--rootdir", str(course.checks), "-p", "no:cacheprovider", "--import-mode=importlib",
                            "--continue-on-collection-errors",
                            "--assert=plain", "-q", "--tb=short", "-W", "ignore::DeprecationWarning",
                            # its clean-up collects garbage twice a run: a tenth of a second each
                            "-p", "no:unraisableexception"],
                           plugins=[*plugins, interrupted])
    if interrupted.seen:
        raise KeyboardInterrupt
    return code, output.getvalue()


def resolve_device(device):
    if device == "auto" and not glob.glob("/dev/nvidia[0-9]*"):
        return "cpu"  # without a GPU device node CUDA cannot be available: no need to import torch to know
    import torch
    if device == "auto":
        return "cuda" if torch.cuda.is_available() else "cpu"
    if device.startswith("cuda") and not torch.cuda.is_available():
        raise SystemExit("--device cuda was asked for, but CUDA is not available here")
    return device


def timing(assignment, test_seconds, remote_seconds, served_calls=0):
    """Log lines: seconds per problem, the worker's start-up, the reference's compute and
    the training runs; then the tests that took a second or more."""
    problems = {}
    for test_id, seconds in test_seconds.items():
        problem = assignment.tests[test_id].problem
        problems[problem] = problems.get(problem, 0.0) + seconds
    parts = [f"{name} {seconds:.2f}" for name, seconds in problems.items()]
    parts += [f"{name} {seconds:.2f}" for name, seconds in remote_seconds.items()]
    parts.append(f"({served_calls} served helper frames)")
    slow = [f"{short_name(test_id)} {seconds:.2f}" for test_id, seconds in test_seconds.items() if seconds >= 1]
    return "timing (s): " + ", ".join(parts) + "\nslowest tests (s): " + (", ".join(slow) or "none over 1 s")


def _summary(course, submission, remote, plugin):
    lines = []
    if submission.notebook is not None:
        lines.append(f"Graded the notebook {submission.notebook.relative_to(submission.root)}.")
    elif submission.modules:
        lines.append("Graded " + ", ".join(f"{p.relative_to(submission.root)}" for p in submission.modules.values()) + ".")
    missing = [course.source_of(f) for f, m in zip(course.files, course.modules) if m not in submission.modules] \
        if submission.notebook is None else []
    if missing:
        lines.append("Not found in the submission: " + ", ".join(missing) + " (their tests score 0; the "
                     "template's copies stood in for them, so that your other files still import).")
    if submission.answers is None and course.answer_key is not None:
        lines.append(f"Not found: {course.answers_file} (its tests score 0).")
    lines += submission.notes
    if remote.stood_in:
        lines.append("Imported but not installed here, so replaced by inert stand-ins (grading never needs "
                     "them; a graded function that calls one fails): " + ", ".join(sorted(remote.stood_in)) + ".")
    lines += remote.stood_in_own()
    lines += [f"{m.replace('.', '/')}.py: {reason}" for m, reason in sorted(remote.broken.items())
              if m in submission.modules]
    if plugin.staff_errors:
        lines.append(f"{len(plugin.staff_errors)} error(s) of the autograder itself (the course's checks, not your "
                     "submission) cost points below; course staff have the details and will regrade.")
    lines += plugin.budget.summary(remote.spent)
    lines.append(score_line(sum(r["score"] for r in plugin.records.values()), plugin.assignment.total))
    return "\n".join(lines)


def _review(course, submission, remote, plugin):
    """What the instructor's report flags for a person to look at (workflows/review.py), as
    data beside the text the student reads: graded files not found, and those that did not
    import {file: why}, the tests that found nothing written (their numbers) and whether
    every test of a function did, the student's own files stood in for {file: error}, the
    course's own errors, and the tests the time budget left ungraded."""
    tests = plugin.assignment.tests
    blank = [test for test in plugin.records if test in tests and unwritten(plugin, test) is not None]
    of_functions = [test for test, spec in tests.items() if spec.functions]
    return {"missing": [] if submission.notebook is not None else
            [file for file, module in zip(course.files, course.modules) if module not in submission.modules],
            "import_failed": {f"{m.replace('.', '/')}.py": reason for m, reason in sorted(remote.broken.items())
                              if m in submission.modules},
            "unwritten": [tests[test].number for test in blank],
            "nothing_written": bool(of_functions) and set(of_functions) <= set(blank),
            "own_stood_in": dict(sorted(remote.own_failed.items())),
            "course_errors": list(plugin.staff_errors),
            "not_graded": [plugin.assignment.tests[t].number for t in plugin.budget.not_graded]}


def score_line(score, total):
    """The summary's last line (a rescore rewrites it: grader/rescore.py)."""
    return f"Score: {score:g} / {total:g}"


def grade(submission_dir, results_path, *, course=None, device="auto", assignment_path=None, seed=None, log=print,
          tests=None, reference=None, observe=None, watch=None, again=()):
    """Grade ``submission_dir`` for ``course`` (a Course, a folder or a manifest; the bundled
    course by default) into ``results_path``; returns the results document.

    For the student kit and its recording (kit/): ``tests`` keeps only these tests of the
    assignment; ``reference`` answers for the course's reference; ``observe(plugin)`` sees
    the checks' outcomes before the results are built. For the verification harness
    (verify/) and the similarity probe (grader/fingerprints.py): ``watch`` sees every call
    of the submission (Remote), and is told each seed before its checks run where it has
    ``begin(seed)``; ``again`` lists more
    seeds whose checks run on the same worker after ``seed``'s, each seen by ``observe``
    (the results are ``seed``'s)."""
    started = time.monotonic()
    try:
        results = _grade(submission_dir, course, device, assignment_path, seed, log, started,
                         tests=tests, reference=reference, observe=observe, watch=watch, again=again)
    except BaseException as exc:  # noqa: B036 - the grade must be written whatever happened
        if isinstance(exc, KeyboardInterrupt):  # stopped (Ctrl-C, or SIGTERM from a batch): no results
            processes.kill_tree(os.getpid())
            raise
        log(traceback.format_exc())
        results = results_file.crash_results(
            f"The autograder failed while grading this submission ({type(exc).__name__}: {exc}). "
            "No points were awarded; please tell the course staff.", time.monotonic() - started)
    processes.kill_tree(os.getpid())  # nothing the worker left behind outlives the grading
    results_file.write(results, results_path)
    return results


def _start_in_background(start):
    """(executor, future of ``start()``, [its seconds once done]): the worker imports torch
    while the grader does, the answers are judged and pytest starts. The starting thread
    must outlive the worker: bubblewrap kills its sandbox when the thread that started it
    exits (--die-with-parent is a parent-death signal, per thread)."""
    seconds = []

    def timed():
        begun = time.perf_counter()
        try:
            return start()
        finally:
            seconds.append(time.perf_counter() - begun)
    starter = concurrent.futures.ThreadPoolExecutor(1)
    return starter, starter.submit(timed), seconds


def _checked(course, assignment, submission, remote, seeds, started):
    """A GradescopePlugin per seed, each after pytest ran the course's checks with it, within
    the assignment's time budget: the first seed's counted from the grading's start
    (``started``), each further seed's (the verification harness's) from its own."""
    from . import fixtures  # imports torch: after the worker's start
    judged = course.answer_key is not None and course.record is None and any(  # a kit holds no key
        name.startswith("answers.") for spec in assignment.tests.values() for name in spec.covers)
    verdicts = grade_answers(submission.answers, course) if judged else {}
    plugins, spent = [], {}
    for seed in seeds:
        if hasattr(remote.watch, "begin"):  # a watch that records one seed's pass only (grader/fingerprints.py)
            remote.watch.begin(seed)
        budget = Budget(assignment.time_budget_s, time.monotonic() if plugins else started)
        plugins.append(GradescopePlugin(assignment, remote, seed, verdicts, budget))
        code, output = run_checks(course, [plugins[-1], fixtures])
        if code not in (pytest.ExitCode.OK, pytest.ExitCode.TESTS_FAILED):
            raise RuntimeError(f"pytest could not run the checks (exit {code}):\n{output[-3000:]}")
        spent = spent if len(plugins) > 1 else dict(remote.spent)
    remote.spent = spent  # the summary's slowest functions are the first seed's, whatever ran after
    return plugins


def _grade(submission_dir, course_path, device, assignment_path, seed, log, started, tests, reference, observe,
           watch, again):
    processes.become_subreaper()
    course = courses.load(course_path)
    assignment = assignment_file.load(assignment_path or course.manifest, course)
    if tests is not None:
        assignment = assignment.only(tests)
    device = resolve_device(device)
    produced = provenance.current(course, assignment_path, seed)
    seed = secrets.randbits(62) if seed is None else int(seed)
    log(f"input seed: {seed} (rerun with --seed {seed} to reproduce these inputs)")
    submission = discover(submission_dir, course)
    as_root = os.geteuid() == 0
    if swept := sweep():
        log(f"removed {swept} stage(s) that killed gradings had left, with their submissions' files")
    stage = build_stage(submission, course)
    confined = confinement.decide(assignment.limits, stage, device, [PROJECT, course.root])
    stage.view = confined.view  # the worker's paths to its files, as it will see them
    if confined.refusal:
        log(f"WARNING: the worker runs without its allow-list view: {confined.refusal}")
    restore = confinement.close_folders(confined, {PROJECT, course.root}, Path(submission_dir))
    if confined.uid_gid:
        stage.give_scratch(confined.uid_gid)

    def start_worker():
        return Worker(stage, assignment.limits, confined, device).start()
    starter, starting, first_start = _start_in_background(start_worker)
    import torch

    from ..worker import dynamo
    from .remote import Remote
    dynamo.defer()  # as in the worker
    torch.set_num_threads(1)  # as in the worker: the same reduction order on both sides
    remote = Remote(course, submission, start_worker, device, starting=starting,
                    reference=reference(course) if reference else None, watch=watch)
    try:
        plugins = _checked(course, assignment, submission, remote, (seed, *again), started)
        plugin = plugins[0]
    finally:
        remote.close()
        starter.shutdown()
        if confined.uid_gid:
            policy.sweep_user(confined.uid_gid[0])
        stage.remove()
        submission.remove_unpacked()
        policy.restore(restore)
    remote.seconds["worker start"] += sum(first_start)
    for each in plugins if observe is not None else ():
        observe(each)
    for error in plugin.staff_errors:
        log(f"COURSE ERROR (the course's code, not the submission): {error}")
    isolation = confined.describe(remote.layers, as_root)
    log(isolation)
    log(timing(assignment, plugin.seconds, remote.seconds, remote.served_calls))
    output = _summary(course, submission, remote, plugin)  # the isolation is for staff: the log only
    return results_file.build(list(plugin.records.values()), output=output, visibility=assignment.visibility,
                              stdout_visibility=assignment.stdout_visibility,
                              execution_time=time.monotonic() - started, leaderboard=plugin.leaderboard,
                              extra_data={"provenance": produced.as_dict(),
                                          "review": _review(course, submission, remote, plugin)})
