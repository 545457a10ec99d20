"""The pytest plugin that turns the checks into Gradescope test results.

Checks are ordinary pytest tests; the assignment file gives each its points, number,
visibility and tags, and a check that takes the ``grader`` fixture earns the share of
its parts (parts.py) that it earned. Every collected test yields exactly one record —
passed, failed, errored in setup, or skipped — and none can vanish.
"""
import math
import re
from pathlib import Path

import pytest

from .calls import EngineError, ErrorKind
from .parts import Unchecked
from .results import number_key

MAX_MESSAGE = 8 * 1024  # the student's own output is capped separately, by the worker's drain
STATE = pytest.StashKey["GradescopePlugin"]()
UNWRITTEN = (ErrorKind.NOT_IMPLEMENTED, ErrorKind.UNDEFINED)  # the student's code is not there yet


class GradescopePlugin:
    def __init__(self, assignment, remote, secret_seed, answers=None, budget=None):
        self.assignment, self.remote, self.secret_seed = assignment, remote, secret_seed
        self.budget = budget  # the grading's time budget (budget.Budget), shared among the tests; None: unbounded
        self.answer_verdicts = answers
        self.records, self._failures = {}, {}
        self.parts = {}  # {test: its Parts}, for the score and for tools that study the parts
        # errors of the course's own code (a check file that does not import, a check that
        # raises something other than a failed comparison): for staff, never the student's
        self.staff_errors, self._broken_files = [], {}
        self.leaderboard, self.metrics, self.seconds = [], {}, {}
        self.unchecked = {}  # the student kit: {test: why it could not be judged at all}
        self.kinds = {}  # {test: the kind of the student's error that ended it outside its parts (calls.StudentError)}

    def pytest_configure(self, config):
        config.stash[STATE] = self
        self._checks = config.rootpath

    # collection -----------------------------------------------------------------------
    def pytest_collectreport(self, report):
        if report.failed and report.nodeid.endswith(".py"):
            error, name = _last_line(report.longreprtext), f"{self._checks.name}/{report.nodeid}"
            self._broken_files[report.nodeid] = error
            self.staff_errors.append(f"{name} does not import: {error}\n{report.longreprtext[-3000:]}")

    def pytest_collection_modifyitems(self, session, config, items):
        found = {item.originalname for item in items}
        missing = [t for t in self.assignment.tests if t not in found]
        # a check the assignment file does not list is not part of this assignment: an
        # instructor drops a test (or a problem) by deleting its entry
        unlisted = [item for item in items if item.originalname not in self.assignment.tests]
        if unlisted:
            config.hook.pytest_deselected(items=unlisted)
            items[:] = [item for item in items if item.originalname in self.assignment.tests]
        for test_id in missing:  # listed but absent: reported, never silently worth 0
            spec = self.assignment.tests[test_id]
            broken = next((f for f in self._broken_files if _defines(self._checks / f, test_id)), None)
            if broken is not None:
                message = (f"Not graded: the course's check file {self._checks.name}/{broken} did not load "
                           f"({self._broken_files[broken]}). This is an error of the autograder, not of your "
                           "submission; course staff will fix it and regrade.")
            else:
                message = f"Not graded: the course has no check named {test_id} (an error of the autograder)."
                self.staff_errors.append(f"{test_id} is listed in the manifest but no check defines it")
            self.records[test_id] = self._record(spec, 0.0, message)
        items.sort(key=lambda item: number_key(self.assignment.tests[item.originalname].number))
        if self.budget is not None:
            self.budget.plan([self.assignment.tests[item.originalname].timeout_s for item in items])

    @pytest.hookimpl(tryfirst=True)
    def pytest_runtest_setup(self, item):
        """Before a test (and its fixtures): its share of the time budget for its calls, or,
        with the budget spent, no run at all (0 points, saying why)."""
        if self.budget is None:
            return
        share = self.budget.next_share(item.originalname)
        if share is None:
            self._failures.setdefault(item.originalname, self.budget.ran_out())
            pytest.skip("the grading's time budget ran out")
        if self.remote is not None:
            self.remote.time_share = share

    # outcomes -------------------------------------------------------------------------
    @pytest.hookimpl(wrapper=True)
    def pytest_pyfunc_call(self, pyfuncitem):
        """After the check returns: the share its parts earned, and its failure unless all were."""
        result = yield
        grader = pyfuncitem.funcargs.get("grader")
        if grader is not None:
            self.parts[pyfuncitem.originalname] = grader.parts
            grader.parts.finish()
        return result

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item, call):
        outcome = yield
        report = outcome.get_result()
        if report.failed and call.excinfo is not None and isinstance(call.excinfo.value, Unchecked):
            self.unchecked[item.originalname] = str(call.excinfo.value)
            self._failures.setdefault(item.originalname, f"Not checked here: {call.excinfo.value}")
        elif report.failed and item.originalname not in self._failures:
            self._failures[item.originalname] = _failure_message(report, call)
            self.kinds[item.originalname] = getattr(call.excinfo.value, "kind", None) if call.excinfo else None
            if not _is_failed_comparison(call):
                where = self._check_line(call.excinfo) or f"{self._checks.name}/{item.nodeid}"
                self.staff_errors.append(f"{where} ({item.originalname}, {report.when}) raised {call.excinfo.typename}: "
                                         f"{call.excinfo.value}\n{report.longreprtext[-3000:]}")
        elif report.skipped and item.originalname not in self._failures:
            self._failures[item.originalname] = f"Not run: {_skip_reason(report)}"

    def _check_line(self, excinfo):
        """"checks/file.py, line N" of the innermost frame in the course's checks."""
        for entry in reversed(excinfo.traceback):
            if Path(entry.path).is_relative_to(self._checks):
                return f"{self._checks.name}/{Path(entry.path).relative_to(self._checks)}, line {entry.lineno + 1}"
        return None

    def pytest_runtest_logreport(self, report):
        test_id = report.nodeid.rsplit("::", 1)[-1].split("[")[0]
        self.seconds[test_id] = self.seconds.get(test_id, 0.0) + report.duration

    def pytest_runtest_logfinish(self, nodeid, location):
        test_id = nodeid.rsplit("::", 1)[-1].split("[")[0]
        spec = self.assignment.tests[test_id]
        failure = self._failures.get(test_id)
        score = self._score(test_id, failure)
        printed = self.remote.output() if self.remote else ""
        text = (failure or "All checks passed.")[:MAX_MESSAGE]
        if printed.strip():
            text += "\n\nOutput of your code during this test:\n" + printed
        self.records[test_id] = self._record(spec, score, text, passed=failure is None)

    def pytest_sessionfinish(self, session):
        """The assignment's leaderboard entries whose metric a check measured; the time the
        checks used of the budget."""
        if self.budget is not None:
            self.budget.finish()
        for entry in self.assignment.leaderboard:
            if entry["metric"] in self.metrics:
                self.leaderboard.append({"name": entry["name"], "value": self.metrics[entry["metric"]],
                                         "order": entry.get("order", "desc")})

    def _score(self, test_id, failure):
        share = self.parts[test_id].share() if test_id in self.parts else None
        return score_of(self.assignment.tests[test_id].points, share, passed=failure is None)

    def _record(self, spec, score, output, passed=False):
        parts = self.parts[spec.id].recorded() if spec.id in self.parts else []
        return {"name": name_of(spec), "number": spec.number, "score": round(score, 4), "max_score": spec.points,
                "status": "passed" if passed and score >= spec.points else "failed",
                "output": output, "visibility": spec.visibility, "tags": [spec.problem, *spec.covers],
                "extra_data": {"parts": parts}}


def unwritten(plugin, test):
    """What the failed ``test`` found not written yet: None when it earned points or a
    failure of written code failed it; else the names the student's files do not define
    ("net.py defines no `loss`", one a line), or "" when a stub raised NotImplementedError."""
    parts = plugin.parts.get(test)
    if parts is not None and parts.results:  # a part about validation fails too: nothing is earned
        if parts.share():
            return None
        failed = {part.error: parts.kinds.get(part.name) for part in parts.results if part.error is not None}
    else:
        failed = {plugin.records[test]["output"]: plugin.kinds.get(test)}
    if not set(failed.values()) & set(UNWRITTEN):
        return None
    return "\n".join(error.splitlines()[0] for error, kind in failed.items() if kind == ErrorKind.UNDEFINED)


def name_of(spec):
    """A test's name in the results: test_f covering m.f is "f (m.f)"."""
    return spec.label


def score_of(points, share, passed):
    """A test's score: ``points`` times the share of its parts' weight they earned (``share``,
    earned even when the test failed), or, without parts (``share`` None), all of them when
    it passed and none when not."""
    if share is not None:
        return points * min(max(share, 0.0), 1.0) if math.isfinite(share) else 0.0
    return points if passed else 0.0


def _is_failed_comparison(call):
    return call.excinfo is not None and isinstance(call.excinfo.value, AssertionError)


def _failure_message(report, call):
    if _is_failed_comparison(call):
        message = str(call.excinfo.value)
        return message if report.when == "call" else f"Could not run: {message}"
    if call.excinfo is not None and isinstance(call.excinfo.value, EngineError):
        return (f"The autograder could not finish this test: {call.excinfo.value}. This is an error of the "
                "autograder, not of your submission; course staff have the details and will regrade.")
    error = call.excinfo.typename if call.excinfo is not None else "an error"
    return (f"The autograder could not finish this test: the course's check raised {error} "
            f"{'while preparing it' if report.when == 'setup' else 'while running it'}. This is an error of the "
            "autograder, not of your submission; course staff have the details and will regrade.")


def _last_line(text):
    """The error line of a traceback, with the line number where Python gives one."""
    lines = [line.strip() for line in text.strip().splitlines() if line.strip()]
    error = lines[-1].removeprefix("E").strip() if lines else "unknown error"
    where = re.findall(r"(?:line |:)(\d+)", "\n".join(lines[-12:]))
    return f"{error} (line {where[-1]})" if where and "line" not in error else error


def _defines(path, test_id):
    try:
        return re.search(rf"^def {re.escape(test_id)}\(", Path(path).read_text(), re.M) is not None
    except OSError:
        return False


def _skip_reason(report):
    longrepr = report.longrepr
    reason = longrepr[2] if isinstance(longrepr, tuple) else str(longrepr)
    return reason.removeprefix("Skipped: ")
