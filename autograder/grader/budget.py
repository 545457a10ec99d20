"""The grading's time budget (the manifest's ``time_budget_s``). Gradescope stops an
autograder after 600 s and then shows neither a score nor any feedback; every call into the
submission has its own deadline (``timeout_s``), but calls add up, so the whole grading
needs a bound of its own.

The budget counts from the grading's start. Before each test runs it gets a share: what is
left, less what is held back for the tests after it, so that one slow function cannot leave
the others ungraded. Each test not yet run is held its part of HELD_BACK of the budget, in
proportion to its per-call deadline (a test whose calls may take longer is held more). A
share is never less than the test's fair part of what is left (in the same proportion) nor
FLOOR_S, and never more than what is left. A call of the submission runs until the earlier
of its own deadline and the end of its test's share (Remote). Once the budget is spent, the
tests not yet run score 0, saying why, and the summary names the functions that took the
time.
"""
import dataclasses
import time
from collections.abc import Iterable, Mapping

from .assignment import short_name

HELD_BACK = 0.5  # of the budget, for the tests not yet run: a slow test may use the rest
FLOOR_S = 5.0  # the least share while that much is left: a test of a few fast calls needs less
TIGHT = 0.5  # of the budget used: the summary names the submission's slowest functions
SLOWEST = 3  # how many it names

Spent = Mapping[str, tuple[int, float]]  # {function: (calls, seconds)} of the submission's calls


@dataclasses.dataclass(frozen=True)
class Share:
    """One test's share of the budget: its calls into the submission end by ``ends``
    (time.monotonic()); ``seconds`` long, of a budget of ``budget_s``. ``last``: the share is
    all that was left, so a call stopped at its end was stopped by the whole budget running
    out (the tests before may have spent it), not by this test's using its own part."""
    ends: float
    seconds: float
    budget_s: float
    last: bool = False

    def left(self) -> float:
        return self.ends - time.monotonic()

    def spent(self, function: str) -> str:
        """Why a call of ``function`` was stopped, or not started, when its test had used its
        share: in the student's terms, with what to do about it."""
        if self.last:
            return (f"{function} was stopped: the grading's time budget ({self.budget_s:g} s) ran out during this "
                    f"test, which began with {self.seconds:.3g} s of it left. The summary names the functions of "
                    "yours that took the most time.")
        return (f"{function} was stopped: this test had used its share of the grading's time ({self.seconds:.3g} s "
                f"of the {self.budget_s:g} s all tests share, so that one slow function cannot leave the others "
                "ungraded). Make it faster.")


class Budget:
    """The seconds a grading may take, counted from ``started`` (time.monotonic()), shared
    among its tests in the order they run (``plan``, then ``next_share`` before each)."""

    def __init__(self, seconds: float, started: float) -> None:
        self.seconds, self.started = float(seconds), started
        self.weights: list[float] = []  # the per-call deadlines of the tests not yet run
        self.whole = 0.0  # and of all
        self.not_graded: list[str] = []  # the tests that found the budget spent
        self.used: float | None = None  # seconds the checks took, once they ended (finish)

    def plan(self, weights: Iterable[float]) -> None:
        """The tests' per-call deadlines, in the order they will run: their weights in the shares."""
        self.weights = [float(w) for w in weights]
        self.whole = float(sum(self.weights))

    def left(self) -> float:
        return self.seconds - (time.monotonic() - self.started)

    def next_share(self, test: str) -> Share | None:
        """The next test's Share, or None when the budget is spent (``test`` is then not graded)."""
        weight, self.weights = self.weights[0], self.weights[1:]
        left = self.left()
        if left <= 0:
            self.not_graded.append(test)
            return None
        fair = left * weight / (weight + sum(self.weights))
        pooled = left - HELD_BACK * self.seconds * sum(self.weights) / self.whole
        seconds = min(left, max(FLOOR_S, fair, pooled))
        return Share(time.monotonic() + seconds, seconds, self.seconds, last=seconds >= left)

    def ran_out(self) -> str:
        """The record's text of a test not graded because the budget was spent."""
        return (f"Not graded: the grading's time budget ({self.seconds:g} s) ran out before this test. The summary "
                "names the functions of yours that took the most time.")

    def finish(self) -> None:
        """The checks ended: what they used is final."""
        self.used = time.monotonic() - self.started

    def tight(self) -> bool:
        """Whether the budget ran out or more than TIGHT of it was used."""
        return bool(self.not_graded) or self._used() > TIGHT * self.seconds

    def _used(self) -> float:
        if self.used is None:
            raise RuntimeError("what a grading used of its budget is known once its checks ended (finish)")
        return self.used

    def summary(self, spent: Spent) -> list[str]:
        """Lines for the summary the student reads, when the budget was tight: what was used,
        the tests it left ungraded, and the slowest functions ({function: (calls, seconds)})."""
        if not self.tight():
            return []
        lines = [f"Time: the checks used {self._used():.0f} s of the grading's {self.seconds:g} s budget."]
        if self.not_graded:
            lines.append(f"It ran out: {len(self.not_graded)} test(s) were not graded ("
                         + ", ".join(short_name(t) for t in self.not_graded) + ").")
        if spent:
            lines.append(f"Your slowest functions: {slowest(spent)}. Speed them up so that every test is graded.")
        return lines


def slowest(spent: Spent) -> str:
    """"f (12 calls, 40.1 s), g (1 call, 20.0 s)": the SLOWEST functions of the submission
    that took the most time in all, from {function: (calls, seconds)}."""
    ranked = sorted(spent.items(), key=lambda item: -item[1][1])[:SLOWEST]
    return ", ".join(f"{function} ({calls} call{'' if calls == 1 else 's'}, {seconds:.1f} s)"
                     for function, (calls, seconds) in ranked)
