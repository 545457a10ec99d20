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

from ..table import failure
from . import grading
from .mutate import mutants as generate
from .variants import reference_submission, write_module

KILLED, EQUIVALENT, ACCEPTED, SURVIVED = "killed", "equivalent", "accepted", "survived"
RAISED = "check raised"  # a check crashed on the mutant's output: the course's error, as validate counts it
FAILED = "not graded"  # the grading gave no verdict (its process was killed or ran out of time): grade it again


@dataclasses.dataclass(frozen=True)
class Judged:
    mutant: object  # mutate.Mutant
    file: str
    tests: tuple
    status: str
    why: str  # killed: the losing test's first line; survived: the first call that differed

    def diff(self):
        """The change on one line: "net.py:57: `x.sum(-1)` → `x.mean(-1)`"."""
        return f"{self.file}:{self.mutant.line}: `{self.mutant.before}` → `{self.mutant.after}`"


@dataclasses.dataclass
class Report:
    results: list

    @property
    def survivors(self):
        """The mutants the checks did not judge rightly: survivors, those a check crashed on, and those not graded."""
        return [r for r in self.results if r.status in (SURVIVED, RAISED, FAILED)]

    @property
    def ok(self):
        return not self.survivors

    def counts(self, function=None):
        chosen = [r for r in self.results if function is None or r.mutant.function == function]
        return {status: sum(r.status == status for r in chosen)
                for status in (KILLED, EQUIVALENT, ACCEPTED, SURVIVED, RAISED, FAILED)}

    @staticmethod
    def kill_rate(counts):
        judged = counts[KILLED] + counts[SURVIVED] + counts[RAISED]
        return counts[KILLED] / judged if judged else 1.0

    def describe(self, every=False):
        """The counts per function and in all, the equivalent mutants and the survivors; with
        ``every``, each killed and accepted mutant too, with what its losing test said."""
        lines = ["mutants per function: killed / equivalent / accepted / survived"]
        for function in dict.fromkeys(r.mutant.function for r in self.results):
            c = self.counts(function)
            lines.append(f"  {function}: {c[KILLED]} / {c[EQUIVALENT]} / {c[ACCEPTED]} / {c[SURVIVED] + c[RAISED]}")
        c = self.counts()
        lines.append(f"{len(self.results)} mutants: {c[KILLED]} killed, {c[EQUIVALENT]} equivalent, {c[ACCEPTED]} "
                     f"accepted, {c[SURVIVED]} survived, {c[RAISED]} made a check raise, {c[FAILED]} not graded; "
                     f"{100 * self.kill_rate(c):.1f} % of the non-equivalent killed")
        lines += [f"equivalent {r.mutant.operator}: {r.diff()}" for r in self.results if r.status == EQUIVALENT]
        if every:
            lines += [f"{r.status} {r.mutant.operator}: {r.diff()}" + (f"  ({r.why})" if r.why else "")
                      for r in self.results if r.status in (KILLED, ACCEPTED)]
        for r in self.survivors:
            lines.append(f"{r.status.upper()} {r.mutant.operator}: {r.diff()}  ({', '.join(r.tests)}: {r.why})")
        return "\n".join(lines)


def _classify(file, mutant, graded, accepted, nondeterministic):
    """(status, why) of one graded mutant."""
    lost = sorted(graded.lost())
    if any(v.changed.get(file) == mutant.source for v in accepted):
        return ACCEPTED, ""
    if graded.failed:
        return FAILED, graded.failed
    if graded.course_errors:
        return RAISED, graded.course_errors[0].splitlines()[0][:200]
    if lost:
        return KILLED, failure(graded.records[lost[0]]["output"])[:200]
    if graded.calls and not set(graded.differ) - nondeterministic:
        return EQUIVALENT, ""
    return SURVIVED, graded.differ[0] if graded.differ else "the checks made no call of it"


def run_mutants(course, assignment, assignment_path, scratch, jobs=None, per_function=None, accepted=(), log=print,
                every=False):
    """Generate, grade and classify the mutants of ``course``'s reference; a Report. ``every``:
    list each mutant in the summary, killed ones with what their losing test said."""
    covered = {}
    for test, spec in assignment.tests.items():
        for function in spec.covers:
            covered.setdefault(function, []).append(test)

    def tests_of(function):  # a method's tests are its class's too
        return tuple(dict.fromkeys(t for name, tests in covered.items() for t in tests
                                   if function == name or function.startswith(name + ".")))
    found = []
    for module, file in zip(course.modules, course.files):
        graded_here = [f for f in covered if f.startswith(module + ".")]
        found += [(file, m) for m in generate(course.reference_source(file), module, graded_here,
                                             per_function=per_function)]
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
        write_module(course, target, file, mutant.source)
        jobs_.append(grading.Job(target, course.manifest, (1,), tests=tests_of(mutant.function),
                                 assignment=assignment_path, observe_values=True))
    results = []
    for index, ((file, mutant), graded) in enumerate(zip(found, grading.grade_each(jobs_, workers=jobs)), 1):
        results.append(Judged(mutant, file, tests_of(mutant.function),
                              *_classify(file, mutant, graded, accepted, nondeterministic)))
        if results[-1].status in (SURVIVED, RAISED, FAILED):
            log(f"{results[-1].status.upper()} {mutant.operator}: {results[-1].diff()}")
        if index % 50 == 0:
            log(f"{index} of {len(found)} mutants graded")
    report = Report(results)
    log(report.describe(every))
    return report
