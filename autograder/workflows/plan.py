"""What a batch run does with each submission, decided before anything runs, and the record
that lets a stopped run resume.

Each submission's results are judged against the provenance a grading would record now
(provenance.py):

- none, or not valid: graded;
- stale (no provenance, another engine, another version of the course's checks): graded
  again;
- only the points differ: rescored from their recorded verdicts, without grading;
- the same: kept.

``--force`` grades every submission again, but for those the run it resumes already did.
A run keeps ``batch-run.json`` in the batch folder while it is in progress: which
submissions it has graded. Stopped, it leaves the record; the same command finds it and
grades exactly the rest. A run that reaches its end removes it.
"""
import collections
import dataclasses
import datetime
import json
import os
import tempfile
from pathlib import Path

from ..provenance import Provenance

RUN = "batch-run.json"

KEEP, RESCORE, GRADE, RESUMED = "keep", "rescore", "grade", "resumed"
NEW = "not graded yet"
FORCED = "--force"
UNRECORDED = "results that do not record what graded them"
OTHER_ENGINE = "results from another version of the autograder"
OTHER_COURSE = "results from another version of the course's checks"
POINTS = "results graded under other points, visibility or total"
STALE = (UNRECORDED, OTHER_ENGINE, OTHER_COURSE)


@dataclasses.dataclass(frozen=True)
class Standing:
    """What the run does with one submission (``action``: KEEP, RESCORE, GRADE or RESUMED)
    and why (NEW, FORCED, one of STALE, POINTS; empty when it is kept)."""
    submission: object  # batch.Submission
    action: str
    why: str = ""


def judge(results, current):
    """(action, why) for a submission's results (a valid document, or None) against
    ``current`` (the Provenance a grading would record now)."""
    if results is None:
        return GRADE, NEW
    recorded = Provenance.of(results)
    if recorded is None:
        return GRADE, UNRECORDED
    if recorded.engine != current.engine:
        return GRADE, OTHER_ENGINE
    if recorded.course != current.course:
        return GRADE, OTHER_COURSE
    if recorded.points != current.points:
        return RESCORE, POINTS
    return KEEP, ""


def standing(submission, results, current, *, force=False, resumed=frozenset()):
    """The Standing of ``submission`` whose results are ``results``: as judged, but under
    ``force`` graded again unless it is among ``resumed`` (the names the run being resumed
    has graded, whose results are kept, or rescored if only the points changed since)."""
    action, why = judge(results, current)
    if submission.name in resumed and action in (KEEP, RESCORE):
        return Standing(submission, RESUMED if action == KEEP else RESCORE, why)
    if force:
        return Standing(submission, GRADE, FORCED)
    return Standing(submission, action, why)


@dataclasses.dataclass(frozen=True)
class Plan:
    standings: tuple
    force: bool = False

    def of(self, action):
        """The submissions the run does ``action`` with."""
        return [s.submission for s in self.standings if s.action == action]

    def stale(self):
        """{why: how many} of the results graded again because they are stale."""
        return collections.Counter(s.why for s in self.standings if s.action == GRADE and s.why in STALE)

    def describe(self, where=""):
        """What the run is about to do, for the terminal: "12 submissions, 5 already graded,
        7 to grade" and ``where``, then a line per reason results are stale, and a line for a
        resumed run."""
        total, todo, rescore = len(self.standings), len(self.of(GRADE)), len(self.of(RESCORE))
        kept = total - todo - rescore
        lines = [f"{total} submissions, {kept} already graded, " + (f"{rescore} to rescore (graded before, under other points), " if rescore else "")
                 + f"{todo} to grade{where}"]
        lines += [f"  stale, graded again: {n} {why}" for why, n in sorted(self.stale().items())]
        resumed = len(self.of(RESUMED))
        if resumed:
            verb = "regraded" if self.force else "graded"
            lines.append(f"  resuming a stopped run: the {resumed} it {verb} are kept (delete {RUN} in the batch "
                         "folder to start over)")
        return "\n".join(lines)


@dataclasses.dataclass
class RunRecord:
    """The run in progress: the command's ``key`` (--force, the course's and the engine's
    versions: a run of another command does not resume it), when it started, and the names
    of the submissions it has graded so far."""
    key: dict
    started: str
    done: list

    @staticmethod
    def key_of(force, current):
        return {"force": bool(force), "course": current.course, "engine": current.engine}

    @classmethod
    def begin(cls, key):
        return cls(key, datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds"), [])

    @classmethod
    def load(cls, folder, key):
        """The record of a stopped run of the same command in ``folder``, or None."""
        try:
            data = json.loads((Path(folder) / RUN).read_text())
            record = cls(data["key"], data["started"], list(data["done"]))
        except (OSError, ValueError, KeyError, TypeError):
            return None
        return record if record.key == key else None

    def save(self, folder):
        """Written atomically: a run stopped while writing it leaves the previous record."""
        fd, temporary = tempfile.mkstemp(dir=folder, prefix=".batch-run-", suffix=".json")
        with os.fdopen(fd, "w") as f:
            json.dump(dataclasses.asdict(self), f, indent=2)
        os.replace(temporary, Path(folder) / RUN)

    @staticmethod
    def remove(folder):
        (Path(folder) / RUN).unlink(missing_ok=True)
