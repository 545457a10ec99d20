"""The same verdicts on every secret seed: ``autograder validate --seeds N`` grades every
candidate again on N fresh seeds and lists each verdict that differs from the fixed seed's.

A verdict here is what the candidate must be judged by (ok or not) and which tests lost
points. Each statistical part fails a correct submission with probability α ≤ 1e-6, so
over N seeds and P such parts about N·P·1e-6 changes are expected: none in practice; a
change is a check whose verdict depends on its inputs (a flaky test).
"""
import dataclasses

from . import grading


@dataclasses.dataclass(frozen=True)
class Change:
    candidate: str
    seed: int
    before: str  # the fixed seed's verdict, in words
    after: str

    def describe(self):
        return f"CHANGED {self.candidate} on seed {self.seed}: {self.before} → {self.after}"


def _verdict(candidate, assignment, graded):
    ok, _ = candidate.judge(assignment, graded)
    lost = ", ".join(sorted(graded.lost())) or "nothing"
    return f"{'ok' if ok else 'FAIL'}, lost {lost}"


def verdict_changes(course, assignment, assignment_path, candidates, first, seeds, jobs, log=print):
    """[Change] of ``candidates`` over ``seeds``, against ``first`` (their Graded on the fixed seed)."""
    before = [_verdict(c, assignment, g) for c, g in zip(candidates, first)]
    changes = []
    for index, seed in enumerate(seeds, 1):
        graded = grading.grade_all([grading.Job(c.path, course.manifest, seed, assignment=assignment_path)
                                    for c in candidates], workers=jobs)
        found = [Change(c.name, seed, b, after) for c, b, g in zip(candidates, before, graded)
                 if (after := _verdict(c, assignment, g)) != b]
        for change in found:
            log(change.describe())
        changes += found
        log(f"seed {index} of {len(seeds)}: {len(found)} verdict(s) changed ({len(changes)} in all)")
    return changes
