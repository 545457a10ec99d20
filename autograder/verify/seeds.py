"""The same verdicts on every secret seed: ``autograder validate --seeds N`` grades every
candidate again on N fresh seeds and lists each verdict that differs from the fixed seed's.

A verdict here is what the candidate is judged by (ok or not) and which tests lost points.
Each statistical part fails a correct submission with probability α ≤ 1e-6, so over N seeds
and P such parts about N·P·1e-6 changes are expected: none in practice; a change is a check
whose verdict depends on its inputs (a flaky test). A candidate's seeds are graded by one
worker in turn (runner.grade's ``again``), in chunks that keep every core busy.
"""
import dataclasses
import os

from . import grading


@dataclasses.dataclass(frozen=True)
class Change:
    candidate: str
    seed: int
    before: str  # the fixed seed's verdict, in words
    after: str

    def describe(self):
        return f"CHANGED {self.candidate} on seed {self.seed}: {self.before} → {self.after}"


def verdict(candidate, assignment, graded):
    ok, _ = candidate.judge(assignment, graded)
    return f"{'ok' if ok else 'FAIL'}, lost {', '.join(sorted(graded.lost())) or 'nothing'}"


def verdict_changes(course, assignment, assignment_path, candidates, first, seeds, jobs=None, log=print):
    """[Change] of ``candidates`` over ``seeds``, against ``first`` (their Graded on the fixed seed)."""
    # enough jobs for every worker even with few candidates; one worker per job serves its seeds
    pieces = max(1, -(-2 * ((jobs or os.cpu_count() or 1) + 1) // len(candidates)))
    chunk = -(-len(seeds) // pieces)
    chunks = [tuple(seeds[i:i + chunk]) for i in range(0, len(seeds), chunk)]
    work = [(c, f, part) for c, f in zip(candidates, first) for part in chunks]
    changes = []
    graded = grading.grade_seeds([grading.Job(c.path, course.manifest, part, assignment=assignment_path)
                                  for c, _, part in work], workers=jobs)
    for (candidate, before, part), results in zip(work, graded):
        wanted = verdict(candidate, assignment, before)
        found = [Change(candidate.name, seed, wanted, got) for seed, result in zip(part, results)
                 if (got := verdict(candidate, assignment, result)) != wanted]
        for change in found:
            log(change.describe())
        changes += found
        if part == chunks[-1]:
            log(f"{candidate.name}: {len(seeds)} seeds, {sum(c.candidate == candidate.name for c in changes)} "
                "verdict(s) changed")
    log(f"{len(seeds)} seeds × {len(candidates)} submissions: {len(changes)} verdict(s) changed")
    return changes
