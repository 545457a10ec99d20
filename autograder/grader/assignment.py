"""The grading policy of a course: problems, tests, points, visibility, tolerances and
limits, from its manifest (or from an assignment file that replaces that part of it).

Validated against the course schema, then against the course itself: every ``covers``
name must be a contract function or answer of the course, and every listed test must
exist among its checks. Each error names its line.
"""
import dataclasses
import difflib
import os
from collections.abc import Iterable
from typing import Any, Literal, TypedDict

from ..course import Course, CourseError, read_yaml, validate
from ..sandbox.policy import Limits
from .results import Visibility

AssignmentError = CourseError
DEFAULTS: dict[str, Any] = {"visibility": "visible", "timeout_s": 20.0, "rtol": 1e-4, "atol": 1e-5, "rtol64": 1e-6,
            "atol64": 1e-6, "step64": 1e-8, "step64_rtol": 1e-2, "step64_atol": 1e-4}
# a whole grading's seconds (time_budget_s) unless the manifest sets them: Gradescope stops an
# autograder at 600 s with no score and no feedback; the rest is for the results, the clean-up
# and a machine slower than the one the course was measured on
TIME_BUDGET_S = 420.0
# a whole grading's memory, the grader and its worker together (grading_memory_mb), unless the
# manifest sets it: Gradescope's default container; validate grades the reference within it
GRADING_MEMORY_MB = 768


class _LeaderboardSpec(TypedDict):
    name: str  # the column Gradescope shows
    metric: str  # what a check measures (its ``metric`` fixture)


class LeaderboardSpec(_LeaderboardSpec, total=False):
    """A leaderboard entry of the manifest."""
    order: Literal["asc", "desc"]


def short_name(test_id: str) -> str:
    """A test id as students read it, without pytest's prefix: test_kl is "kl"."""
    return test_id.removeprefix("test_")


@dataclasses.dataclass(frozen=True)
class TestSpec:
    id: str
    number: str
    problem: str
    points: float
    covers: tuple[str, ...]
    visibility: Visibility
    timeout_s: float
    rtol: float
    atol: float
    rtol64: float
    atol64: float
    step64: float  # the float64 resolution check (grader/checking.py, check_float64)
    step64_rtol: float
    step64_atol: float
    not_in_kit: str | None = None  # why the student kit leaves this test to the grader

    @property
    def short(self) -> str:
        """The test's id as students read it: test_kl is "kl"."""
        return short_name(self.id)

    @property
    def functions(self) -> tuple[str, ...]:
        """The contract functions it covers, its answers aside."""
        return tuple(name for name in self.covers if not name.startswith("answers."))

    @property
    def label(self) -> str:
        """The test's name in the results and the kit: test_loss covering hw.loss is "loss (hw.loss)"."""
        return f"{self.short} ({', '.join(self.covers)})"

    def tolerance(self, dtype: object) -> dict[str, float]:
        wide = str(dtype).endswith("float64")
        return {"rtol": self.rtol64 if wide else self.rtol, "atol": self.atol64 if wide else self.atol}


@dataclasses.dataclass(frozen=True)
class Assignment:
    title: str
    total: float
    visibility: Visibility
    stdout_visibility: Visibility
    tests: dict[str, TestSpec]  # id -> TestSpec, in assignment order
    limits: Limits
    leaderboard: tuple[LeaderboardSpec, ...] = ()  # measured values shown on Gradescope
    time_budget_s: float = TIME_BUDGET_S  # the whole grading's seconds, shared among its tests (grader/budget.py)
    grading_memory_mb: int = GRADING_MEMORY_MB  # the whole grading's memory on the platform

    def only(self, tests: Iterable[str]) -> "Assignment":
        """The same policy with only ``tests`` (ids), worth their own points in all."""
        wanted = set(tests)
        kept = {test_id: spec for test_id, spec in self.tests.items() if test_id in wanted}
        return dataclasses.replace(self, tests=kept, total=sum(spec.points for spec in kept.values()))

    def graded_functions(self) -> list[str]:
        """The contract functions its tests cover (answers aside), sorted."""
        return sorted({name for spec in self.tests.values() for name in spec.functions})


def load(path: str | os.PathLike[str], course: Course | None = None) -> Assignment:
    """The policy in the manifest or assignment file ``path``; checked against ``course``."""
    raw, line_of = read_yaml(path)
    validate(raw, line_of, path)
    defaults = {**DEFAULTS, **raw.get("defaults", {})}
    known = course.coverable() if course is not None else set()
    checks = course.check_names() if course is not None else {}
    tests: dict[str, TestSpec] = {}
    problems = []
    for p_index, problem in enumerate(raw["problems"], 1):
        for t_index, (test_id, entry) in enumerate(problem["tests"].items(), 1):
            where = ["problems", p_index - 1, "tests", test_id]
            if test_id in tests:
                raise CourseError(f"{path}:{line_of(where)}: test {test_id} is listed twice")
            merged = {**defaults, **entry}
            if course is not None:
                for i, name in enumerate(merged["covers"]):
                    if name not in known:
                        close = " or ".join(f"`{c}`" for c in difflib.get_close_matches(name, sorted(known), n=3))
                        raise CourseError(f"{path}:{line_of([*where, 'covers', i])}: {test_id} covers `{name}`, "
                                          "which is neither a function of the course's reference nor an answer key"
                                          + (f"; did you mean {close}?" if close else ""))
                if test_id not in checks:
                    raise CourseError(f"{path}:{line_of(where)}: no check named {test_id} in {course.checks}")
            tests[test_id] = TestSpec(
                id=test_id, number=f"{p_index}.{t_index}", problem=problem["name"], points=float(merged["points"]),
                covers=tuple(merged["covers"]), visibility=merged["visibility"], not_in_kit=merged.get("not_in_kit"),
                **{key: float(merged[key]) for key in DEFAULTS if key != "visibility"})
        problems.append(problem["name"])
    total = float(raw["total"])
    points = sum(t.points for t in tests.values())
    if abs(points - total) > 1e-9:
        raise CourseError(f"{path}:{line_of(['total'])}: the tests' points add up to {points:g}, "
                          f"not the total {total:g}")
    return Assignment(raw["title"], total, raw.get("visibility", "visible"), raw.get("stdout_visibility", "hidden"),
                      tests, Limits(**raw.get("sandbox", {})), tuple(raw.get("leaderboard") or ()),
                      float(raw.get("time_budget_s", TIME_BUDGET_S)),
                      int(raw.get("grading_memory_mb", GRADING_MEMORY_MB)))
