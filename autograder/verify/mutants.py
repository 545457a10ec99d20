"""Generated mutants, graded: do the checks catch what they were not written for?

Each mutant (mutate.py) changes one place in the solution of one graded function. It is
graded as a submission with only the tests that cover that function, and is
- **killed** when one of those tests loses points;
- **equivalent** when it kept every point and every call the checks made of it returned what
  the reference returns on the same request (equivalence.py), to roundoff: evidence from
  outputs, gradients and parameters, independent of the checks' tolerances;
- **accepted** when the course declares it an alternative (its file, changed, is the
  mutant's), with the reason;
- otherwise it **survived**: a mistake the checks let through. Each survivor is printed as a
  one-line diff with the tests that should have caught it.
"""
import dataclasses
import difflib

from . import grading
from .mutate import mutants as generate
from .variants import reference_submission

KILLED, EQUIVALENT, ACCEPTED, SURVIVED = "killed", "equivalent", "accepted", "survived"


@dataclasses.dataclass(frozen=True)
class Judged:
    mutant: object  # mutate.Mutant
    file: str
    tests: tuple
    status: str
    why: str  # killed: the losing test's first line; survived: the first call that differed
    original: str  # the reference's file

    def diff(self):
        """The changed line, before and after: "vae.py:57: - old / + new"."""
        old = [line for line in difflib.ndiff(self.original.splitlines(), self.mutant.source.splitlines())
               if line[:1] in "-+"]
        return f"{self.file}:{self.mutant.line}: " + " / ".join(f"{d[0]} {d[2:].strip()}" for d in old)


@dataclasses.dataclass
class Report:
    results: list

    @property
    def survivors(self):
        return [r for r in self.results if r.status == SURVIVED]

    @property
    def ok(self):
        return not self.survivors

    def counts(self, function=None):
        chosen = [r for r in self.results if function is None or r.mutant.function == function]
        return {status: sum(r.status == status for r in chosen) for status in (KILLED, EQUIVALENT, ACCEPTED, SURVIVED)}

    @staticmethod
    def kill_rate(counts):
        judged = counts[KILLED] + counts[SURVIVED]
        return counts[KILLED] / judged if judged else 1.0

    def describe(self):
        lines = ["mutants per function: killed / equivalent / accepted / survived"]
        for function in dict.fromkeys(r.mutant.function for r in self.results):
            c = self.counts(function)
            lines.append(f"  {function}: {c[KILLED]} / {c[EQUIVALENT]} / {c[ACCEPTED]} / {c[SURVIVED]}")
        c = self.counts()
        lines.append(f"{len(self.results)} mutants: {c[KILLED]} killed, {c[EQUIVALENT]} equivalent, {c[ACCEPTED]} "
                     f"accepted, {c[SURVIVED]} survived; {100 * self.kill_rate(c):.1f} % of the non-equivalent "
                     "killed")
        for r in self.survivors:
            lines.append(f"SURVIVED {r.mutant.operator}: {r.diff()}  (should have been caught by "
                         f"{', '.join(r.tests)}; {r.why})")
        return "\n".join(lines)


def run_mutants(course, assignment, assignment_path, scratch, jobs=None, per_function=None, accepted=(), log=print):
    """Generate, grade and classify the mutants of ``course``'s reference; a Report."""
    covered = {}
    for test, spec in assignment.tests.items():
        for function in spec.covers:
            covered.setdefault(function, []).append(test)

    def tests_of(function):  # a method's tests are its class's too
        return tuple(dict.fromkeys(t for name, tests in covered.items() for t in tests
                                   if function == name or function.startswith(name + ".")))
    originals, found = {}, []
    for module, file in zip(course.modules, course.files):
        originals[file] = (course.reference / file).read_text()
        graded_here = [f for f in covered if f.startswith(module + ".")]
        found += [(file, m) for m in generate(originals[file], module, graded_here, per_function=per_function)]
    log(f"grading {len(found)} mutants of {len({m.function for _, m in found})} functions, each with the tests "
        "that cover its function")
    baseline = grading.grade_all([grading.Job(reference_submission(course, scratch / "mutants" / "reference"),
                                              course.manifest, (1,), assignment=assignment_path,
                                              observe_values=True)],
                                 workers=1)[0]
    nondeterministic = set(baseline.differ)  # calls where the reference does not even equal itself
    jobs_ = []
    for index, (file, mutant) in enumerate(found):
        target = reference_submission(course, scratch / "mutants" / f"{index:04d}")
        inside = target / course.package if course.package else target
        (inside / file).write_text(mutant.source)
        jobs_.append(grading.Job(target, course.manifest, (1,), tests=tests_of(mutant.function),
                                 assignment=assignment_path, observe_values=True))
    results = []
    for (file, mutant), graded in zip(found, grading.grade_all(jobs_, workers=jobs)):
        tests = tests_of(mutant.function)
        lost = sorted(graded.lost())
        if any(v.changed.get(file) == mutant.source for v in accepted):
            status, why = ACCEPTED, ""
        elif lost:
            status, why = KILLED, graded.records[lost[0]]["output"].splitlines()[0][:160] if graded.records else ""
        elif graded.calls and not set(graded.differ) - nondeterministic:
            status, why = EQUIVALENT, ""
        else:
            status = SURVIVED
            why = (graded.differ[0] if graded.differ else "the checks made no call of it")
        results.append(Judged(mutant, file, tests, status, why, originals[file]))
    report = Report(results)
    log(report.describe())
    return report
