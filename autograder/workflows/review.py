"""The submissions a person should look at before grades are released.

Each flag is found from the results' structured fields: no results file, an empty list of
tests for a grading that failed, the total, the provenance's course, and what the grading
recorded for review (``extra_data.review``, grader/runner.py ``_review``). Results written
before that record existed are graded again by ``batch`` (their provenance is missing too).
"""
from dataclasses import dataclass

# each kind of flag, in the order review.txt lists them, with why a person should look
KINDS = {
    "not graded": "the batch wrote no valid results file (it was stopped, or the file was removed): rerun "
                  "`autograder batch` on the same folder",
    "grading failed": "the grading itself failed: no test ran, the student scored 0",
    "files missing": "graded files were not found in the submission (misnamed, or not uploaded): the tests of "
                     "their functions scored 0",
    "nothing written": "every test found the student's code not written yet (the starter code, or stubs only)",
    "import error": "a graded module did not import: the tests of its functions scored 0",
    "own module stood in": "a module of the student's own raised when imported; the grader replaced it with an "
                           "inert stand-in",
    "time budget ran out": "tests were left ungraded when the grading's time budget ran out",
    "course error": "an error of the course's checks cost points; the student was told staff will regrade",
    "other course version": "graded by another version of the course than the rest of the batch (--mixed)",
}


@dataclass(frozen=True)
class Flag:
    """One reason to look at one submission."""
    submission: str  # the submission and who submitted it (Graded.label)
    kind: str  # a key of KINDS
    detail: str  # the evidence, whole: the engine's own lines, or what the record lacks


def flags_of(graded, other_course=False):
    """The Flags of one submission (a Graded record)."""
    return [Flag(graded.label, kind, detail) for kind, detail in _evidence(graded, other_course)]


def _evidence(graded, other_course):
    """(kind, evidence) for each reason to look at ``graded``."""
    if graded.results is None:
        yield "not graded", "no results.json"
        return
    if not graded.tests:  # what batch.py and runner.py write when a grading fails (results.crash_results)
        yield "grading failed", graded.results["output"]
    recorded = graded.results.get("extra_data", {}).get("review", {})
    if recorded.get("missing"):
        yield "files missing", ", ".join(recorded["missing"])
    if recorded.get("nothing_written"):
        yield "nothing written", f"every test of a function found nothing written (NotImplementedError, or names " \
                                 f"the files do not define): {', '.join(recorded.get('unwritten', []))}"
    failures = recorded.get("import_failed", {})
    if failures:
        yield "import error", "\n".join(f"{file}: {why}" for file, why in failures.items())
    for file, error in recorded.get("own_stood_in", {}).items():
        yield "own module stood in", f"{file} raised {error} when it was imported"
    ungraded = recorded.get("not_graded", [])
    if ungraded:
        yield "time budget ran out", f"{len(ungraded)} test(s) not graded: {', '.join(ungraded)}"
    for error in recorded.get("course_errors", []):
        yield "course error", error
    if other_course:
        yield "other course version", f"course {graded.course}"


def review(batch, others=frozenset()):
    """Every Flag of a batch (Graded records), kind by kind; ``others`` names the submissions
    graded by another version of the course."""
    flags = [f for graded in batch for f in flags_of(graded, graded.name in others)]
    order = list(KINDS)
    return sorted(flags, key=lambda f: order.index(f.kind))


def render(flags):
    """review.txt: each kind with why it matters, then its submissions and their evidence, whole."""
    if not flags:
        return "Nothing to review: no submission is ungraded or failed, lacks a graded file, has nothing written, " \
               "failed to import a graded file, had a module of its own stood in for, ran out of time or hit an " \
               "error of the course.\n"
    lines = []
    for kind, why in KINDS.items():
        of_kind = [f for f in flags if f.kind == kind]
        if not of_kind:
            continue
        lines += [f"{kind} ({len(of_kind)}): {why}", ""]
        for f in of_kind:
            lines.append(f"  {f.submission}")
            lines += [f"      {line}" for line in f.detail.splitlines()]
        lines.append("")
    return "\n".join(lines)


def summary_line(flags):
    """The line the report prints: how many submissions to look at, and why."""
    if not flags:
        return "Review: nothing to look at."
    submissions = len({f.submission for f in flags})
    counts = {kind: sum(f.kind == kind for f in flags) for kind in KINDS}
    return (f"Review: {submissions} submission(s) to look at ("
            + ", ".join(f"{count} {kind}" for kind, count in counts.items() if count) + "): review.txt")
