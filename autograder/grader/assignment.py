"""The assignment file: problems, tests, points, visibility, tolerances and limits."""
import dataclasses
from pathlib import Path

import yaml

from ..sandbox.policy import Limits

DEFAULT_PATH = Path(__file__).resolve().parent.parent / "assignment.yaml"
VISIBILITIES = {"visible", "hidden", "after_due_date", "after_published"}


class AssignmentError(ValueError):
    """The assignment file is inconsistent; the message says where."""


@dataclasses.dataclass(frozen=True)
class TestSpec:
    id: str
    number: str
    problem: str
    points: float
    covers: tuple
    visibility: str
    timeout_s: float
    rtol: float
    atol: float
    rtol64: float
    atol64: float
    step64: float  # the float64 resolution check (checks/helpers.py, check_float64)
    step64_rtol: float
    step64_atol: float

    def tolerance(self, dtype):
        wide = str(dtype).endswith("float64")
        return {"rtol": self.rtol64 if wide else self.rtol, "atol": self.atol64 if wide else self.atol}


@dataclasses.dataclass(frozen=True)
class Assignment:
    title: str
    total: float
    visibility: str
    stdout_visibility: str
    tests: dict  # id -> TestSpec, in assignment order
    limits: Limits
    leaderboard: tuple = ()  # ({"name", "metric", "order"}, ...): measured values shown on Gradescope


def load(path=DEFAULT_PATH):
    raw = yaml.safe_load(Path(path).read_text())
    defaults = raw.get("defaults", {})
    tests = {}
    for p_index, problem in enumerate(raw["problems"], 1):
        for t_index, (test_id, entry) in enumerate(problem["tests"].items(), 1):
            if test_id in tests:
                raise AssignmentError(f"test {test_id} is listed twice")
            merged = {**defaults, **(entry or {})}
            if merged["visibility"] not in VISIBILITIES:
                raise AssignmentError(f"{test_id}: visibility must be one of {sorted(VISIBILITIES)}")
            tests[test_id] = TestSpec(
                id=test_id, number=f"{p_index}.{t_index}", problem=problem["name"],
                points=float(merged["points"]), covers=tuple(merged.get("covers", ())),
                visibility=merged["visibility"], timeout_s=float(merged["timeout_s"]),
                rtol=float(merged["rtol"]), atol=float(merged["atol"]),
                rtol64=float(merged["rtol64"]), atol64=float(merged["atol64"]),
                step64=float(merged["step64"]), step64_rtol=float(merged["step64_rtol"]),
                step64_atol=float(merged["step64_atol"]))
    total = float(raw["total"])
    points = sum(t.points for t in tests.values())
    if abs(points - total) > 1e-9:
        raise AssignmentError(f"the tests' points add up to {points:g}, not the total {total:g}")
    limits = Limits(**raw.get("sandbox", {}))
    leaderboard = tuple(raw.get("leaderboard") or ())
    for entry in leaderboard:
        if set(entry) - {"name", "metric", "order"} or entry.get("order", "desc") not in ("asc", "desc") \
                or not entry.get("name") or not entry.get("metric"):
            raise AssignmentError(f"leaderboard entry {entry}: needs name and metric, and order asc or desc")
    return Assignment(raw["title"], total, raw.get("visibility", "visible"),
                      raw.get("stdout_visibility", "hidden"), tests, limits, leaderboard)
