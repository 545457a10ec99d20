"""Gradescope's results.json: built from test records, validated, written atomically."""
import json
import os
import tempfile
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Literal, TypedDict

import jsonschema

SCHEMA = json.loads(Path(__file__).with_name("results_schema.json").read_text())
# made once: jsonschema.validate checks the schema itself on every call (0.1 s, against 5 ms
# for the document; a batch validates every results file of the class when it plans a run)
VALIDATOR = jsonschema.Draft202012Validator(SCHEMA)

Visibility = Literal["visible", "hidden", "after_due_date", "after_published"]  # Gradescope's


class PartRecord(TypedDict):
    """A judged part of a test, as a results file keeps it (parts.Parts.recorded)."""
    name: str
    weight: float
    verdict: str  # a parts.Verdict's value: "earned", "held" or "failed"


class TestExtra(TypedDict):
    parts: list[PartRecord]


class _TestRecord(TypedDict):
    name: str
    number: str  # "1.2": the problem's, then the test's
    score: float
    max_score: float
    status: Literal["passed", "failed"]
    output: str
    visibility: Visibility
    tags: list[str]


class TestRecord(_TestRecord, total=False):
    """One test's entry in ``tests`` (the schema's fields this grader writes)."""
    extra_data: TestExtra


class _LeaderboardEntry(TypedDict):
    name: str
    value: float | str


class LeaderboardEntry(_LeaderboardEntry, total=False):
    order: Literal["asc", "desc"]


class _Results(TypedDict):
    score: float
    execution_time: float
    output: str
    output_format: str
    test_output_format: str
    visibility: Visibility
    stdout_visibility: Visibility
    tests: list[TestRecord]


class Results(_Results, total=False):
    """The results document."""
    leaderboard: list[LeaderboardEntry]
    extra_data: dict[str, object]  # for staff's tools: "provenance", "review"


def validate(results: object) -> None:
    """Raise jsonschema.ValidationError unless ``results`` follows the schema."""
    VALIDATOR.validate(results)


def number_key(number: str) -> list[int | str]:
    """The order of tests by their numbers, the order Gradescope shows them in: "1.10" after
    "1.9" (each dotted part compared as an integer where it is one)."""
    return [int(n) if n.isdigit() else n for n in number.split(".")]


def build(tests: Iterable[TestRecord], *, output: str, visibility: Visibility, stdout_visibility: Visibility,
          execution_time: float, leaderboard: Sequence[LeaderboardEntry] = (),
          extra_data: dict[str, object] | None = None) -> Results:
    """The results document; ``tests`` are dicts with the per-test fields of the schema;
    ``extra_data`` is for staff's tools (what produced it: provenance.py), not shown to students."""
    ordered = sorted(tests, key=lambda t: number_key(t["number"]))
    results: Results = {
        "score": round(sum(t["score"] for t in ordered), 4),
        "execution_time": round(execution_time, 2),
        "output": output,
        "output_format": "text",
        "test_output_format": "text",
        "visibility": visibility,
        "stdout_visibility": stdout_visibility,
        "tests": ordered,
    }
    if leaderboard:
        results["leaderboard"] = list(leaderboard)
    if extra_data is not None:
        results["extra_data"] = extra_data
    validate(results)
    return results


def write(results: Mapping[str, object], path: str | os.PathLike[str]) -> None:
    """Write atomically (a temporary file renamed over the target), so that a reader never
    sees a partial file and nothing written there earlier survives."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".results-", suffix=".json")
    with os.fdopen(fd, "w") as f:
        json.dump(results, f, indent=2)
    os.chmod(temporary, 0o644)
    os.replace(temporary, path)


def crash_results(message: str, execution_time: float = 0.0, provenance: dict[str, str] | None = None) -> Results:
    """What is written when grading itself failed: a valid file that says so (and, where it is
    known, what would have graded it: a batch does not grade it again until that changes)."""
    return build([], output=message, visibility="visible", stdout_visibility="hidden",
                 execution_time=execution_time, extra_data=None if provenance is None else {"provenance": provenance})
