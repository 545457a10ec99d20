"""The kit gives the grader's verdict: ``autograder validate --kit`` builds the student kit
as students get it, grades every candidate with it and with the grader on the public seed,
and lists each part whose verdicts differ. A part the kit could not judge ("unchecked": a
request it has no recorded answer for) is counted apart, never as a disagreement: there the
kit says that it cannot know.
"""
import dataclasses
import zipfile

from .. import course as courses
from ..grader import assignment as assignment_file
from ..kit.build import KIT, build
from ..kit.record import PUBLIC_SEED, Record
from . import grading


@dataclasses.dataclass(frozen=True)
class Parity:
    candidate: str
    differ: tuple  # (test, part, the grader's verdict, the kit's)
    unchecked: tuple  # (test, part) the kit left to the grader

    def describe(self):
        head = f"{'ok  ' if not self.differ else 'FAIL'} kit on {self.candidate}: "
        head += f"{len(self.differ)} part(s) differ" if self.differ else "the grader's verdict on every part"
        head += f", {len(self.unchecked)} not checked by the kit" if self.unchecked else ""
        return "\n".join([head, *(f"     {test} / {part or '(whole test)'}: grader {g}, kit {k}"
                                  for test, part, g, k in self.differ)])


def kit_parity(course, assignment_path, candidates, scratch, jobs=None, log=print):
    """[Parity] of each candidate, graded by the course and by its kit on the public seed."""
    with zipfile.ZipFile(build(scratch / "kit.zip", course, assignment_path)) as archive:
        archive.extractall(scratch / "kit")
    kit_course = courses.load(scratch / "kit" / KIT / "course")
    tests = kit_tests(kit_course)
    graded = grading.grade_all([grading.Job(c.path, manifest, (PUBLIC_SEED,), tests=tests, recorded=recorded)
                                for manifest, recorded in ((course.manifest, False), (kit_course.manifest, True))
                                for c in candidates],
                               workers=jobs)
    found = []
    for candidate, by_grader, by_kit in zip(candidates, graded[:len(candidates)], graded[len(candidates):]):
        found.append(compare(candidate.name, by_grader.parts, by_kit.parts))
        log(found[-1].describe())
    return found


def kit_tests(kit_course):
    """The tests a kit runs: its manifest's, less those it leaves to the grader."""
    left = Record.load_left_out(kit_course.record)
    return tuple(t for t in assignment_file.load(kit_course.manifest, kit_course).tests if t not in left)


def compare(name, by_grader, by_kit):
    """The Parity of two gradings' part verdicts ({test: {part: verdict}}, grading.Graded.parts)."""
    want, got = _flat(by_grader), _flat(by_kit)
    unchecked = tuple(key for key, verdict in got.items() if verdict == "unchecked")
    differ = tuple((*key, want.get(key), got.get(key)) for key in sorted(set(want) | set(got))
                   if got.get(key) != "unchecked" and want.get(key) != got.get(key))
    return Parity(name, differ, unchecked)


def _flat(parts):
    return {(test, part): verdict for test, named in parts.items() for part, verdict in named.items()}
