"""The pytest plugin that turns the checks into Gradescope test results.

Checks are ordinary pytest tests; the assignment file gives each its points, number,
visibility and tags, and a check that takes the ``grader`` fixture earns the share of
its parts (parts.py) that it earned. Every collected test yields exactly one record —
passed, failed, errored in setup, or skipped — and none can vanish.
"""
import math

import pytest

MAX_MESSAGE = 8 * 1024  # the student's own output is capped separately, by the worker's drain
STATE = pytest.StashKey()


class GradescopePlugin:
    def __init__(self, assignment, remote, secret_seed, answers=None):
        self.assignment, self.remote, self.secret_seed = assignment, remote, secret_seed
        self.answer_verdicts = answers
        self.records, self._shares, self._failures = {}, {}, {}
        self.leaderboard, self.metrics, self.seconds = [], {}, {}

    def pytest_configure(self, config):
        config.stash[STATE] = self

    # collection -----------------------------------------------------------------------
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
            self.records[test_id] = self._record(spec, 0.0, f"Internal: no check named {test_id} exists.")
        items.sort(key=lambda item: [int(n) for n in self.assignment.tests[item.originalname].number.split(".")])

    # outcomes -------------------------------------------------------------------------
    @pytest.hookimpl(wrapper=True)
    def pytest_pyfunc_call(self, pyfuncitem):
        """After the check returns: the share its parts earned, and its failure unless all were."""
        result = yield
        grader = pyfuncitem.funcargs.get("grader")
        if grader is not None:
            self._shares[pyfuncitem.originalname] = grader.parts.share()
            grader.parts.finish()
        return result

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item, call):
        outcome = yield
        report = outcome.get_result()
        if report.failed and item.originalname not in self._failures:
            self._failures[item.originalname] = _failure_message(report, call)
        elif report.skipped and item.originalname not in self._failures:
            self._failures[item.originalname] = f"Not run: {_skip_reason(report)}"

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
        """The assignment's leaderboard entries whose metric a check measured."""
        for entry in self.assignment.leaderboard:
            if entry["metric"] in self.metrics:
                self.leaderboard.append({"name": entry["name"], "value": self.metrics[entry["metric"]],
                                         "order": entry.get("order", "desc")})

    def _score(self, test_id, failure):
        spec = self.assignment.tests[test_id]
        share = self._shares.get(test_id)
        if share is not None:  # the parts' share, earned even when the test failed
            return spec.points * min(max(share, 0.0), 1.0) if math.isfinite(share) else 0.0
        return spec.points if failure is None else 0.0

    def _record(self, spec, score, output, passed=False):
        return {"name": f"{spec.id.removeprefix('test_')} ({', '.join(spec.covers)})",
                "number": spec.number, "score": round(score, 4), "max_score": spec.points,
                "status": "passed" if passed and score >= spec.points else "failed",
                "output": output, "visibility": spec.visibility, "tags": [spec.problem, *spec.covers]}


def _failure_message(report, call):
    excinfo = call.excinfo
    if excinfo is not None and isinstance(excinfo.value, AssertionError):
        message = str(excinfo.value)
        return message if report.when == "call" else f"Could not run: {message}"
    where = "while preparing the test" if report.when == "setup" else ""
    return f"Internal error in the grader {where}: {report.longreprtext[-3000:]}".replace("  ", " ")


def _skip_reason(report):
    longrepr = report.longrepr
    reason = longrepr[2] if isinstance(longrepr, tuple) else str(longrepr)
    return reason.removeprefix("Skipped: ")
