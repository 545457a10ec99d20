"""Fixtures of the checks, given to pytest as a plugin module next to GradescopePlugin
(the course API, ``autograder.api``, documents them)."""
import pytest

from .draw import Draw
from .handle import Grader
from .plugin import STATE


@pytest.fixture
def grader(request):
    """This test's handle: its parts and points, calls on both sides, its tolerances and
    time limit (handle.Grader). The engine finishes its parts after the check returns."""
    state = request.config.stash[STATE]
    spec = state.assignment.tests[request.node.originalname]
    if state.remote is not None:
        state.remote.timeout, state.remote.stopped = spec.timeout_s, {}
    return Grader(state.remote, spec, request.getfixturevalue("draw"))


@pytest.fixture
def draw(request):
    """Inputs drawn from the submission's secret seed and this test's id."""
    return Draw(request.config.stash[STATE].secret_seed, request.node.originalname)


@pytest.fixture
def answer_verdicts(request):
    """{answer key: (correct, message)} for the submission's answers.yaml."""
    return request.config.stash[STATE].answer_verdicts


@pytest.fixture
def metric(request):
    """``metric(name, value)``: a value a check measured, for the leaderboard entries the
    assignment file lists (none by default)."""
    metrics = request.config.stash[STATE].metrics

    def record(name, value):
        metrics[name] = round(float(value), 4)
    return record
