"""The same verdicts on every secret seed: ``autograder validate --seeds N`` grades every
candidate again on N fresh seeds and lists each test whose verdict differs from the fixed
seed's.

A test's verdict is its score and whether each of its parts is paid: a mistake caught by
its values on one seed and only by its float64 part on another costs the student different
points, and is a change. A part that fails on one seed and is held on another (it passed,
but pays only together with a part that failed) pays nothing either way: no change. Each statistical part fails a correct submission with probability
α ≤ 1e-6, so over N seeds and P such parts about N·P·1e-6 changes are expected: none in
practice; a change is a check whose verdict depends on its inputs (a flaky test).

A variant is regraded only on the tests that cover what it changes (``Variant.touches``):
every other test runs the reference's code, its calls into the changed function served by
the reference, and the reference's own seeds prove those. Each candidate's seeds are graded
by one worker in turn (runner.grade's ``again``), in chunks that keep every core busy.
"""
import dataclasses
import os

from . import grading

PAID = {"earned": "earned", "held": "not paid", "failed": "not paid"}  # unchecked: as it is


@dataclasses.dataclass(frozen=True)
class Change:
    candidate: str
    seed: int
    test: str  # the test's name
    before: str  # the fixed seed's verdict of that test, in words
    after: str

    def describe(self):
        return f"CHANGED {self.candidate} on seed {self.seed}: {self.test}: {self.before} → {self.after}"


def test_verdicts(graded, tests):
    """{test id: (name, its verdict in words)} of ``tests`` in a Graded."""
    found = {}
    for test in tests:
        record = graded.records.get(test)
        if record is None:
            found[test] = (test, "no result")
            continue
        parts = graded.parts.get(test, {})
        named = [f"{part} {PAID.get(verdict, verdict)}" for part, verdict in parts.items() if part]
        found[test] = (record["name"], f"{record['score']:g}/{record['max_score']:g}"
                       + (f" ({', '.join(named)})" if named else ""))
    return found


def verdict_changes(course, assignment, assignment_path, candidates, first, seeds, jobs=None, log=print):
    """[Change] of ``candidates`` over ``seeds``, against ``first`` (their Graded on the fixed seed)."""
    for candidate, before in zip(candidates, first):
        if before.course_errors or before.failed:
            log(f"{candidate.name}: not regraded on other seeds (its grading on the fixed seed already failed)")
    kept = [(c, f) for c, f in zip(candidates, first) if not (f.course_errors or f.failed)]
    candidates, first = [c for c, _ in kept], [f for _, f in kept]
    tests = [c.variant.regraded(course, assignment) if c.variant is not None else None for c in candidates]
    work = _chunks(candidates, tests, first, len(assignment.tests), seeds, (jobs or os.cpu_count() or 1) + 1)
    graded = grading.grade_seeds([grading.Job(c.path, course.manifest, part, tests=t, assignment=assignment_path)
                                  for c, t, _, part in work], workers=jobs)
    changes, counted = [], {}
    for (candidate, kept, before, part), results in zip(work, graded):
        wanted = test_verdicts(before, kept or assignment.tests)
        for seed, result in zip(part, results):
            found = [Change(candidate.name, seed, name, verdict, got)
                     for test, (name, verdict) in wanted.items()
                     if (got := test_verdicts(result, [test])[test][1]) != verdict]
            found += [Change(candidate.name, seed, "course error", "none", error.splitlines()[0])
                      for error in result.course_errors]
            found += [Change(candidate.name, seed, "the grading", "a verdict", result.failed)] if result.failed else []
            for change in found:
                log(change.describe())
            changes += found
        counted[candidate.name] = counted.get(candidate.name, 0) + len(part)
        if counted[candidate.name] == len(seeds):
            shown = f"{len(kept)} test(s)" if kept else "every test"
            log(f"{candidate.name}: {len(seeds)} seeds on {shown}, "
                f"{sum(c.candidate == candidate.name for c in changes)} verdict(s) changed")
    log(f"{len(seeds)} seeds × {len(candidates)} submissions: {len(changes)} verdict(s) changed")
    return changes


def _chunks(candidates, tests, first, every, seeds, workers):
    """[(candidate, its tests, its fixed-seed Graded, a tuple of seeds)]: each candidate's
    seeds cut so that no piece costs much more than a fair share of the whole (cost: the
    tests it runs, plus a grading process's start, which costs about as much as 40 tests)."""
    start = 40
    costs = [start + len(seeds) * len(t or range(every)) for t in tests]
    share = max(sum(costs) / (4 * workers), 1)
    work = []
    for candidate, kept, before, cost in zip(candidates, tests, first, costs):
        pieces = min(len(seeds), max(1, round(cost / share)))
        size = -(-len(seeds) // pieces)
        work += [(candidate, kept, before, tuple(seeds[i:i + size])) for i in range(0, len(seeds), size)]
    return work
