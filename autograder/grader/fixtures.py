"""Fixtures of the checks, given to pytest as a plugin module next to GradescopePlugin."""
import pytest

from .draw import Draw
from .plugin import STATE


@pytest.fixture
def spec(request):
    """This test's entry of the assignment file (points, tolerances, time limit)."""
    return request.config.stash[STATE].assignment.tests[request.node.originalname]


@pytest.fixture
def draw(request):
    """Inputs drawn from the submission's secret seed and this test's id."""
    return Draw(request.config.stash[STATE].secret_seed, request.node.originalname)


@pytest.fixture
def remote(request, spec):
    """The submission, callable by contract name; the time limit is this test's."""
    handle = request.config.stash[STATE].remote
    handle.timeout, handle.stopped = spec.timeout_s, {}
    return handle


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
