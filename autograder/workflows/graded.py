"""A batch folder read back as typed records: each submission's submitters and results, and
the structured data a results file may carry.

A results file written by a recent engine carries, per test, ``extra_data.parts`` (each
part's name, weight and verdict) and, at the top, ``extra_data.provenance`` (digests of the
course and of its points, the engine's version, the seed). Older results carry neither: the
report then compares scores only and says that the parts are unknown; it never recovers
parts from the output text.
"""
import collections
import json
from dataclasses import dataclass
from pathlib import Path

from ..grader.results import number_key
from ..provenance import Provenance
from .batch import INDEX, Person, find_submissions, is_graded

VERDICTS = ("earned", "held", "failed")  # a part's verdict (grader/parts.py, Parts.verdicts)


@dataclass(frozen=True)
class Part:
    """One part of a test, as the results record it."""
    name: str
    weight: float
    verdict: str  # one of VERDICTS


@dataclass(frozen=True)
class Graded:
    """One submission of a batch: its folder name, its submitters, and its results (None
    where the batch wrote no valid results file for it)."""
    name: str
    people: tuple  # of Person
    results: dict | None = None

    @property
    def who(self):
        """The submitters' names, "Ada Lovelace, Charles Babbage" (empty without metadata)."""
        return ", ".join(person.name or person.email or person.sid for person in self.people)

    @property
    def label(self):
        """The submission and who submitted it, as a TA looks it up: "submission_12 (Ada Lovelace)"."""
        return f"{self.name} ({self.who})" if self.who else self.name

    @property
    def students(self):
        """How many students this submission counts for (a group's members; 1 without metadata)."""
        return max(1, len(self.people))

    @property
    def total(self):
        return None if self.results is None else self.results["score"]

    @property
    def tests(self):
        """The results' tests in Gradescope's order (none where there are no results)."""
        tests = [] if self.results is None else self.results["tests"]
        return sorted(tests, key=lambda test: number_key(test["number"]))

    @property
    def provenance(self):
        """The grading's Provenance (course, points, engine, seed), or None for older results."""
        return None if self.results is None else Provenance.of(self.results)

    @property
    def course(self):
        """The digest of the course that graded it, or None where the results do not say."""
        return None if self.provenance is None else self.provenance.course


def _extra(record):
    extra = (record or {}).get("extra_data")
    return extra if isinstance(extra, dict) else {}


def parts(test):
    """A results test's parts as Part records, or None where the results predate them."""
    recorded = _extra(test).get("parts")
    if not isinstance(recorded, list) or not all(isinstance(p, dict) and {"name", "verdict"} <= p.keys()
                                                 for p in recorded):
        return None
    return tuple(Part(str(p["name"]), float(p.get("weight", 1.0)), str(p["verdict"])) for p in recorded)


def load(batch_dir):
    """Every submission batch.json lists, in its order, as Graded records."""
    batch_dir = Path(batch_dir)
    entries = json.loads((batch_dir / INDEX).read_text())
    older = _people_from_exports(entries)
    graded = []
    for entry in entries:
        path = batch_dir / entry["name"] / "results.json"
        results = json.loads(path.read_text()) if is_graded(path) else None
        graded.append(Graded(entry["name"], _people(entry, older), results))
    return graded


def _people(entry, older):
    """The entry's submitters as Person records: batch.json's own fields; for a batch.json
    written before it kept them, the export's metadata where it still is, else each joined
    "Name <email> (sid)" as a name."""
    if "people" in entry:
        return tuple(Person(**person) for person in entry["people"])
    if entry["name"] in older:
        return older[entry["name"]]
    return tuple(Person(name=text) for text in entry.get("submitters", []))


def _people_from_exports(entries):
    """{submission: Person records} read from the exports that older entries point to."""
    folders = {Path(e["path"]).parent for e in entries if "people" not in e and e.get("path")}
    return {s.name: s.people for folder in folders if folder.is_dir() for s in find_submissions(folder)}


class MixedCourses(Exception):
    """A batch holds results graded by different versions of the course."""


def other_courses(graded, *, allowed, batch="the batch"):
    """The submissions graded by another course than the batch's most common one (by the
    provenance's course digest; results that do not carry one are not compared). Raises
    MixedCourses, naming each version and its submissions, unless ``allowed``."""
    by_course = collections.defaultdict(list)
    for each in graded:
        if each.course is not None:
            by_course[each.course].append(each.name)
    if len(by_course) < 2:
        return set()
    ranked = sorted(by_course.items(), key=lambda item: -len(item[1]))
    if not allowed:
        versions = "; ".join(f"course {digest[:12]}: {len(names)} ({', '.join(names[:5])}"
                             f"{', …' if len(names) > 5 else ''})" for digest, names in ranked)
        raise MixedCourses(f"{batch} mixes results of {len(ranked)} versions of the course ({versions}). Grade it "
                           "again with the current course (`autograder batch`), or pass --mixed to report it as it "
                           "is, the odd ones out marked.")
    return {name for _, names in ranked[1:] for name in names}
