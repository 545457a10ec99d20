"""What a regrade changed: two batches of the same class compared, submission by submission.

A submission is matched by its folder name (Gradescope's ``submission_<id>``). A test
changed when its points moved, or when both results record its parts (graded.parts) and a
part's verdict flipped; where either side's results predate parts, only the points are
compared and the parts are said to be unknown. A submission only one batch holds is a change
too.
"""
import collections
import csv
from dataclasses import dataclass
from pathlib import Path

from ..grader.results import number_key
from . import feedback
from .graded import Graded, parts

SAME = 1e-6  # points closer than this are the same (results round scores to 4 decimals)
UNKNOWN = "unknown (older results)"  # the parts of a test whose results predate them


@dataclass(frozen=True)
class PartFlip:
    """A part whose verdict differs between the two gradings ("" where the part is absent)."""
    name: str
    old: str
    new: str

    def __str__(self):
        return f"{self.name}: {self.old or 'absent'} → {self.new or 'absent'}"


@dataclass(frozen=True)
class TestChange:
    """One test of one submission whose points or verdict changed."""
    number: str
    name: str
    max_score: float
    old_max: float | None  # the test's points in the old results (None: it had no such test)
    old_score: float | None  # None: the old results have no such test
    new_score: float | None  # None: the new results have no such test
    flips: tuple | None  # PartFlip records; None where either side's parts are unknown
    message: str  # the new results' output for the test, whole ("" where it is gone)
    visible: bool  # the student sees it (its new visibility is not hidden)

    @property
    def delta(self):
        return (self.new_score or 0.0) - (self.old_score or 0.0)

    @property
    def direction(self):
        """"up", "down", or "verdict" (a part flipped, the points did not move)."""
        return "up" if self.delta > SAME else "down" if self.delta < -SAME else "verdict"

    @property
    def heading(self):
        return f"{self.number} {self.name}"

    @property
    def parts_text(self):
        """The flipped parts, or why none can be named."""
        if self.flips is None:
            return f"parts {UNKNOWN}"
        return "; ".join(map(str, self.flips)) or "no part flipped"


@dataclass(frozen=True)
class StudentChange:
    """One submission whose grade changed: its totals and its changed tests."""
    old: Graded | None  # the submission in the old batch
    new: Graded | None  # the submission in the new batch
    tests: tuple  # TestChange records, in Gradescope's order
    mixed: str = ""  # with --mixed: which side was graded by another version of the course

    @property
    def graded(self):
        """The record that names the submission (the new one where there is one)."""
        return self.new or self.old

    @property
    def old_total(self):
        return None if self.old is None else self.old.total

    @property
    def new_total(self):
        return None if self.new is None else self.new.total

    @property
    def delta(self):
        if self.old_total is None or self.new_total is None:
            return None
        return self.new_total - self.old_total

    @property
    def note(self):
        """What the totals alone do not say: one side missing, another course version."""
        notes = []
        if self.old is None or self.old.results is None:
            notes.append("not graded in the old batch")
        if self.new is None or self.new.results is None:
            notes.append("not graded in the new batch")
        if self.mixed:
            notes.append(f"graded by another course version ({self.mixed} batch)")
        return "; ".join(notes)


def compare(old_batch, new_batch, *, old_others=frozenset(), new_others=frozenset()):
    """The StudentChanges from ``old_batch`` to ``new_batch`` (lists of Graded records), in
    the new batch's order and then the old one's leftovers; ``*_others`` name the submissions
    graded by another course version in each batch (--mixed), marked on their rows."""
    old_by_name, new_by_name = {g.name: g for g in old_batch}, {g.name: g for g in new_batch}
    names = [g.name for g in new_batch] + [g.name for g in old_batch if g.name not in new_by_name]
    changes = []
    for name in names:
        mixed = " and ".join(side for side, others in (("old", old_others), ("new", new_others)) if name in others)
        change = compare_one(old_by_name.get(name), new_by_name.get(name), mixed)
        if change is not None:
            changes.append(change)
    return changes


def compare_one(old, new, mixed=""):
    """The StudentChange of one submission (its Graded records; either may be None), or None
    when nothing changed."""
    old_results = None if old is None else old.results
    new_results = None if new is None else new.results
    if old_results is None and new_results is None:
        return None
    tests = test_changes(old_results, new_results)
    both = old_results is not None and new_results is not None
    if both and not tests and abs(new_results["score"] - old_results["score"]) <= SAME:
        return None
    return StudentChange(old, new, tests, mixed)


def test_changes(old_results, new_results):
    """The TestChanges between two results documents (either may be None: no tests)."""
    old_tests = {t["number"]: t for t in (old_results or {}).get("tests", [])}
    new_tests = {t["number"]: t for t in (new_results or {}).get("tests", [])}
    changes = []
    for number in sorted(old_tests.keys() | new_tests.keys(), key=number_key):
        change = _test_change(old_tests.get(number), new_tests.get(number))
        if change is not None:
            changes.append(change)
    return tuple(changes)


def _test_change(old, new):
    """The TestChange of one test (either record may be None), or None when it did not change."""
    flips = _flips(old, new)
    moved = old is None or new is None or abs(new["score"] - old["score"]) > SAME
    if not moved and not flips:
        return None
    shown = new or old
    return TestChange(number=shown["number"], name=shown["name"], max_score=shown["max_score"],
                      old_max=None if old is None else old["max_score"],
                      old_score=None if old is None else old["score"],
                      new_score=None if new is None else new["score"],
                      flips=flips, message="" if new is None else new["output"],
                      visible=shown.get("visibility") != feedback.HIDDEN)


def _flips(old, new):
    """The parts whose verdict differs, or None where either side's parts are unknown."""
    old_parts = None if old is None else parts(old)
    new_parts = None if new is None else parts(new)
    if old_parts is None or new_parts is None:
        return None
    before = {p.name: p.verdict for p in old_parts}
    after = {p.name: p.verdict for p in new_parts}
    names = [p.name for p in new_parts] + [p.name for p in old_parts if p.name not in after]
    return tuple(PartFlip(name, before.get(name, ""), after.get(name, ""))
                 for name in names if before.get(name) != after.get(name))


# the class summary ----------------------------------------------------------------------

def by_test(changes):
    """{(number, name): Counter of directions}, counting students (a group's members each)."""
    counts = collections.defaultdict(collections.Counter)
    for change in changes:
        for test in change.tests:
            counts[(test.number, test.name)][test.direction] += change.graded.students
    return dict(sorted(counts.items(), key=lambda item: number_key(item[0][0])))


def summary(changes, old_batch, new_batch):
    """The class summary's lines: how many students changed, which way, on which tests."""
    if not changes:
        return ["Regrade: no student's grade changed."] + _provenance_lines(old_batch, new_batch)
    moved = collections.Counter()
    for change in changes:
        moved[_way(change.delta)] += change.graded.students
    lines = [f"Regrade: {sum(moved.values())} student(s) in {len(changes)} submission(s) changed ("
             + ", ".join(f"{count} {way}" for way, count in sorted(moved.items())) + ")."]
    lines += _provenance_lines(old_batch, new_batch)
    lines.append("By test (students):")
    for (number, name), directions in by_test(changes).items():
        lines.append(f"  {number} {name}: " + ", ".join(f"{count} {way}" for way, count in sorted(directions.items())))
    return lines


def _way(delta):
    if delta is None:
        return "graded on one side only"
    return "up" if delta > SAME else "down" if delta < -SAME else "same total"


def _provenance_lines(old_batch, new_batch):
    """Whether the course, its points and the engine differ between the batches, where both
    record provenance (each batch's most common value)."""
    old, new = _common_provenance(old_batch), _common_provenance(new_batch)
    if old is None or new is None:
        return ["Provenance: not recorded by both batches (older results)."]
    said = []
    for key in ("course", "points", "engine"):
        before, after = str(old.get(key, "?")), str(new.get(key, "?"))
        said.append(f"{key} unchanged" if before == after else f"{key} {before[:12]} → {after[:12]}")
    return ["Provenance: " + ", ".join(said) + "."]


def _common_provenance(batch):
    counted = collections.Counter(g.provenance for g in batch if g.provenance is not None)
    return counted.most_common(1)[0][0].as_dict() if counted else None


# what is written --------------------------------------------------------------------------

def write(changes, lines, out_dir, *, notices=False):
    """regrade.csv (a row per student), regrade_tests.csv (a row per changed test),
    regrade.txt (the summary, then each submission), and with ``notices`` one text under
    notices/ per submission whose total changed (``noticed``); returns {what: path}."""
    out_dir = Path(out_dir)
    paths = {"regrade.csv": out_dir / "regrade.csv", "regrade_tests.csv": out_dir / "regrade_tests.csv",
             "regrade.txt": out_dir / "regrade.txt"}
    _write_students(changes, paths["regrade.csv"])
    _write_tests(changes, paths["regrade_tests.csv"])
    paths["regrade.txt"].write_text("\n".join(lines) + "\n\n" + "\n".join(map(render, changes)))
    if notices:
        paths["notices"] = out_dir / "notices"
        paths["notices"].mkdir(exist_ok=True)
        for change in filter(noticed, changes):
            (paths["notices"] / f"{change.graded.name}.txt").write_text(notice(change))
    return paths


def noticed(change):
    """Whether a regrade notice goes to the submission's students: where their total changed
    (or the old batch did not grade it), and the new grading ran its tests. A grade that
    stayed the same, its tests' points moved or a part's verdict flipped at the same points,
    is listed in regrade.txt for the staff, and the students are not told of a regrade that
    did not change it; a new grading without tests is flagged in review.txt for a person."""
    return _graded_anew(change) and (change.delta is None or abs(change.delta) > SAME)


def _graded_anew(change):
    return change.new is not None and change.new.results is not None and bool(change.new.tests)


def notices_line(changes):
    """The summary's line on the notices: how many, and the changed submissions that got none."""
    written = [c for c in changes if noticed(c)]
    ungraded = [c for c in changes if not _graded_anew(c)]
    same = [c for c in changes if _graded_anew(c) and not noticed(c)]
    line = f"Notices: {len(written)} in notices/, one per submission whose total changed"
    if same:
        line += (f"; none for {len(same)} submission(s) whose total stayed the same (tests' points moved or a "
                 "part's verdict flipped: regrade.txt)")
    if ungraded:
        line += f"; none for {len(ungraded)} without a whole grading in the new batch (review.txt)"
    return line + "."


def _number(value):
    """Points as the results write them; "" where there are none."""
    return "" if value is None else feedback.points(value)


def _signed(value):
    """A change of points with its sign (+4, -2.5, 0); "" where it is unknown."""
    if value is None:
        return ""
    return "0" if abs(value) <= SAME else ("+" if value > 0 else "-") + feedback.points(abs(value))


def _write_students(changes, path):
    with open(path, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["Submission", "Name", "Email", "SID", "Old Total", "New Total", "Delta", "Tests Changed",
                         "Note"])
        for change in changes:
            tests = "; ".join(f"{t.number} {_signed(t.delta)}" for t in change.tests)
            for person in change.graded.people or [None]:
                writer.writerow([change.graded.name, *(_person_fields(person)), _number(change.old_total),
                                 _number(change.new_total), _signed(change.delta), tests, change.note])


def _person_fields(person):
    return ("", "", "") if person is None else (person.name, person.email, person.sid)


def _write_tests(changes, path):
    with open(path, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["Submission", "Submitters", "Test", "Old Score", "New Score", "Delta", "Max Score",
                         "Parts", "New Message"])
        for change in changes:
            for test in change.tests:
                writer.writerow([change.graded.name, change.graded.who, test.heading, _number(test.old_score),
                                 _number(test.new_score), _signed(test.delta), _number(test.max_score),
                                 test.parts_text, test.message])


def render(change):
    """A submission's block of regrade.txt: totals, then each changed test with the parts that
    flipped and its new message, whole."""
    head = f"{change.graded.label}: {_number(change.old_total) or '-'} → {_number(change.new_total) or '-'}"
    head += f" ({_signed(change.delta)})" if change.delta is not None else ""
    lines = [head + (f"  [{change.note}]" if change.note else "")]
    for test in change.tests:
        lines.append(f"  {test.heading}: {_number(test.old_score) or '-'} → {_number(test.new_score) or '-'} "
                     f"of {_number(test.max_score)} ({_signed(test.delta)})")
        lines.append(f"      {test.parts_text}")
        lines += [f"      | {line}" for line in test.message.splitlines()]
    return "\n".join(lines) + "\n"


# a part's new verdict in a student's terms ("" where the part is no longer checked)
IN_WORDS = {"earned": "Now earned", "failed": "Now failed", "": "No longer checked",
            "held": "Now passed but not counted (each pays only together with a part that failed)"}


def flips_in_words(flips):
    """The flipped parts as a student reads them, grouped by their new verdict:
    ["Now earned: values, float64"]."""
    by_verdict = collections.defaultdict(list)
    for flip in flips:
        by_verdict[flip.new].append(flip.name)
    return [f"{IN_WORDS.get(verdict, verdict)}: {', '.join(names)}" for verdict, names in by_verdict.items()]


def notice(change):
    """A text a TA can paste into the regrade notice of one submission: the totals, and each
    changed test the student can see with what the autograder now says; tests hidden from
    students are summed, never named."""
    results = change.new.results
    total = feedback.points(results["score"])
    if change.old_total is None:
        lines = [f"Your submission was graded: {total} points."]
    elif results.get("extra_data", {}).get("rescored"):  # the recorded verdicts under new points
        lines = [f"Your autograder score was rescored: the course staff changed how many points some tests are "
                 f"worth, and your code was not run again: {_number(change.old_total)} → {total} points "
                 f"({_signed(change.delta)})."]
    else:
        lines = [f"Your autograder score was regraded: {_number(change.old_total)} → {total} points "
                 f"({_signed(change.delta)})."]
    shown = [test for test in change.tests if test.visible]
    hidden = sum(test.delta for test in change.tests if not test.visible)
    if shown:
        lines += ["", "What changed:"]
    for test in shown:
        lines += ["", *_notice_lines(test)]
    if abs(hidden) > SAME:
        lines += ["", f"Tests not shown to students account for {_signed(hidden)} of the change."]
    return "\n".join(lines) + "\n"


def _notice_lines(test):
    """One changed test in a notice: its points before and after, the parts that flipped, and
    what it now says."""
    moved = test.old_max is not None and abs(test.old_max - test.max_score) > SAME  # its worth changed too
    was = f" of {_number(test.old_max)}" if moved else ""
    lines = [f"{test.heading}: {_number(test.old_score) or 0}{was} → {_number(test.new_score) or 0} of "
             f"{_number(test.max_score)} points"]
    lines += [f"  {line}" for line in flips_in_words(test.flips or ())]
    if test.new_score is None:
        return lines + ["  This test is no longer part of the assignment."]
    return lines + ["  What the autograder says now:"] + [f"    {line}" for line in test.message.splitlines()]
