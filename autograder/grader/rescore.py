"""A results file scored again under new points, without grading.

When only a course's points, visibility or total changed (provenance.py: the ``points``
hash differs, the ``course`` hash does not), every verdict stands: the same checks would
pass and fail the same parts. Each test's score is then recomputed from the part verdicts
it recorded (``extra_data.parts``) by the rule the grading used (plugin.score_of): the new
points times the share of its parts' weight that was earned, or, for a test without
parts, all or nothing as it passed or failed.

The student sees one line saying so above the new score line; ``extra_data.rescored``
says when, and what the points and score were before.
"""
import copy
import dataclasses
import datetime

from ..provenance import Provenance
from .parts import earned_share
from .plugin import name_of, score_of
from .runner import score_line

NOTE = "Rescored"  # the student's line starts so; a later rescore replaces it


def note(day):
    return (f"{NOTE} on {day}: the course staff changed the tests' points or visibility. The verdicts are this "
            "grading's; your code was not run again.")


def rescore(results, assignment, points, now=None):
    """``results`` (a valid results document that records its provenance) scored under
    ``assignment`` (an Assignment) whose points hash is ``points``; None when one of its tests
    is not in the assignment (its course changed: it must be graded again). The provenance it
    records is the old one with the new points: the same course, engine and seed made its
    verdicts."""
    now = now or datetime.datetime.now(datetime.timezone.utc)
    before = Provenance.of(results)
    specs = {name_of(spec): spec for spec in assignment.tests.values()}
    if before is None or any(test["name"] not in specs for test in results["tests"]):
        return None
    rescored = copy.deepcopy(results)
    for test in rescored["tests"]:
        spec = specs[test["name"]]
        parts = (test.get("extra_data") or {}).get("parts") or []
        share = earned_share([(part["weight"], part["verdict"] == "earned") for part in parts])
        test.update(score=round(score_of(spec.points, share, passed=test["status"] == "passed"), 4),
                    max_score=spec.points, visibility=spec.visibility)
    rescored["score"] = round(sum(test["score"] for test in rescored["tests"]), 4)
    rescored["visibility"], rescored["stdout_visibility"] = assignment.visibility, assignment.stdout_visibility
    if rescored["tests"]:
        lines = [line for line in rescored["output"].splitlines() if not line.startswith(NOTE + " on ")]
        if lines and lines[-1].startswith("Score: "):
            lines.pop()
        lines += [note(now.date().isoformat()),
                  score_line(sum(test["score"] for test in rescored["tests"]), assignment.total)]
        rescored["output"] = "\n".join(lines)
    rescored["extra_data"] = {**results["extra_data"],
                              "provenance": dataclasses.replace(before, points=points).as_dict(),
                              "rescored": {"at": now.isoformat(timespec="seconds"), "score_before": results["score"],
                                           "points_before": before.points}}
    return rescored
