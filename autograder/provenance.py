"""What produced a results file: the course's grading, its points, the engine and the seed policy.

Every results.json records ``extra_data.provenance`` (``Provenance``). Two hashes split a
course in two, so that a batch knows what an edit of the course costs:

- ``course``: everything that decides a verdict. The manifest (or assignment file) without
  its points, visibility and total; the checks (and the worker plugin among them), the
  reference, the template (it stands in for a file a submission lacks), the answer key, the
  data, a kit's record. A result whose hash differs is stale: it is graded again.
- ``points``: the points of each test, the total and the visibility settings. A result whose
  only difference is this hash is rescored from the part verdicts it recorded, with no
  grading (grader/rescore.py).

Both hashes are of content, not of paths or times: a course copied to another folder or
machine hashes the same. ``fingerprints`` is the one definition of what each hash covers.
"""
import copy
import dataclasses
import functools
import hashlib
import importlib.metadata
import json
import os
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any, TypedDict

import yaml

from . import course as courses
from .enums import TextEnum

DISTRIBUTION = "dgm-autograder"  # the engine's package, as pyproject.toml names it
POINTS_KEYS = ("total", "visibility", "stdout_visibility")  # of a manifest's top level
TEST_POINTS_KEYS = ("points", "visibility")  # of each test, and of the defaults


class SeedPolicy(TextEnum):
    """How a grading's inputs were seeded, as ``Provenance.seed`` records it (its value)."""
    SECRET = "secret"  # a fresh secret seed per grading
    FIXED = "fixed"  # one given seed (--seed)


class PointsSettings(TypedDict):
    """The points settings of a manifest or assignment file (split_policy), numbers as floats."""
    top: dict[str, object]  # of POINTS_KEYS
    defaults: dict[str, object]  # of TEST_POINTS_KEYS
    tests: dict[str, dict[str, object]]  # {test: its TEST_POINTS_KEYS}


@functools.cache
def engine_version() -> str:
    """The installed engine's version ("unknown" where it is not installed as a package, as in
    a student kit)."""
    try:
        return importlib.metadata.version(DISTRIBUTION)
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def seed_policy(seed: int | str | None) -> SeedPolicy:
    """The seed policy: ``seed`` None draws a fresh secret one per grading."""
    return SeedPolicy.SECRET if seed is None else SeedPolicy.FIXED


@dataclasses.dataclass(frozen=True)
class Fingerprints:
    course: str  # sha256 hex of what decides verdicts
    points: str  # sha256 hex of the points, visibility and total


@dataclasses.dataclass(frozen=True)
class Provenance:
    """What produced a results file, as ``extra_data.provenance`` holds it."""
    course: str
    points: str
    engine: str
    seed: str  # a SeedPolicy's value

    def as_dict(self) -> dict[str, str]:
        return dataclasses.asdict(self)

    @classmethod
    def of(cls, results: Mapping[str, Any]) -> "Provenance | None":
        """The provenance a results document records, or None (one written before provenance
        was recorded, or by hand)."""
        recorded = (results.get("extra_data") or {}).get("provenance")
        fields = [field.name for field in dataclasses.fields(cls)]
        if not isinstance(recorded, dict) or not all(isinstance(recorded.get(name), str) for name in fields):
            return None
        return cls(**{name: recorded[name] for name in fields})


def split_policy(data: dict[str, Any] | None) -> tuple[dict[str, Any], PointsSettings]:
    """(the rest, the points settings) of a manifest's or assignment file's parsed YAML: the
    points settings are ``POINTS_KEYS`` at its top and ``TEST_POINTS_KEYS`` of its defaults
    and of each test, numbers as floats (3 and 3.0 are the same points)."""
    rest = copy.deepcopy(data or {})

    def take(mapping: dict[str, Any], keys: tuple[str, ...]) -> dict[str, object]:
        taken = {key: mapping.pop(key) for key in keys if key in mapping}
        return {key: float(value) if isinstance(value, (int, float)) else value for key, value in taken.items()}
    points: PointsSettings = {"top": take(rest, POINTS_KEYS), "defaults": take(rest.get("defaults") or {}, TEST_POINTS_KEYS),
              "tests": {}}
    for problem in rest.get("problems") or ():
        for test_id, entry in (problem.get("tests") or {}).items():
            points["tests"][test_id] = take(entry or {}, TEST_POINTS_KEYS)
    return rest, points


def _canonical(data: object) -> bytes:
    return json.dumps(data, sort_keys=True, default=str).encode()


def _files(folder: Path) -> Iterator[Path]:
    """The files under ``folder`` that are the course's own: not caches (``__pycache__``,
    ``.pyc``) nor hidden files."""
    for path in sorted(Path(folder).rglob("*")):
        parts = path.relative_to(folder).parts
        if path.is_file() and path.suffix != ".pyc" and not any(p.startswith(".") or p == "__pycache__" for p in parts):
            yield path


def fingerprints(course: "courses.Course | str | os.PathLike[str] | None" = None,
                 assignment: str | os.PathLike[str] | None = None) -> Fingerprints:
    """The ``course`` and ``points`` hashes of a course (a Course, a folder or a manifest; the
    bundled course by default) graded under ``assignment`` (a file replacing its grading
    policy, or None)."""
    loaded = courses.load(course)
    grading = hashlib.sha256()

    def add(label: str, content: bytes) -> None:
        grading.update(label.encode() + b"\0" + len(content).to_bytes(8, "little") + content)
    rest, in_force = split_policy(yaml.safe_load(loaded.manifest.read_text()))
    add("manifest", _canonical(rest))
    if assignment is not None:  # it replaces the manifest's policy: its points are the ones in force
        rest, in_force = split_policy(yaml.safe_load(Path(assignment).read_text()))
        add("assignment", _canonical(rest))
    files: set[Path] = set()
    for folder in (loaded.reference, loaded.checks, loaded.template, loaded.record):
        if folder is not None and folder.is_dir():
            files.update(_files(folder))
    files.update(path for path in (loaded.answer_key, *loaded.data) if path is not None and path.is_file())
    for path in sorted(files, key=lambda p: os.path.relpath(p, loaded.root)):
        add(Path(os.path.relpath(path, loaded.root)).as_posix(), path.read_bytes())
    return Fingerprints(grading.hexdigest(), hashlib.sha256(_canonical(in_force)).hexdigest())


def current(course: "courses.Course | str | os.PathLike[str] | None" = None,
            assignment: str | os.PathLike[str] | None = None, seed: int | str | None = None) -> Provenance:
    """The provenance a grading of ``course`` under ``assignment`` with ``seed`` (None: a
    secret one) records now."""
    hashes = fingerprints(course, assignment)
    return Provenance(hashes.course, hashes.points, engine_version(), seed_policy(seed).value)
