"""Would this course grade rightly? ``autograder validate`` grades, each as a student's
submission in a process of its own, several at a time:

- the reference (full marks, within the grading's memory on the platform: the manifest's
  ``grading_memory_mb``, where this machine's cgroups can hold a grading to it), the
  template and two degenerate submissions (every graded function returning zeros of its
  first argument's shape, or that argument itself: 0);
- every declared variant (verify/variants.py): a mistake loses exactly its functions'
  tests, an alternative gets full marks;
- with ``seeds``, all of these again on that many secret seeds: no verdict may change;
- with ``mutants``, generated mutants of the reference (verify/mutants.py).

A course error (a check that raises, a file that does not import) fails the validation.
``autograder build`` runs it before writing a zip and refuses a course that fails.
"""
import ast
import dataclasses
import secrets
import shutil
import tempfile
from pathlib import Path

from .. import course as courses
from ..grader import assignment as assignment_file
from ..verify import grading
from ..verify import variants as declared
from ..verify.variants import ALTERNATIVE, MISTAKE, first_failure, reference_submission

SEED = 20261205  # a fixed seed: a validation is reproducible; grading draws a secret one
DEGENERATE = {"zeros": "{arg} * 0", "echo": "{arg}"}
FULL, NOTHING = "full marks", "0"


@dataclasses.dataclass(frozen=True)
class Candidate:
    """A submission validate grades, and what it must get."""
    name: str
    kind: str  # "reference", "template", "degenerate", MISTAKE or ALTERNATIVE
    path: Path
    variant: declared.Variant | None = None

    @property
    def expected(self):
        if self.variant is not None:
            return self.variant.expected
        return FULL if self.kind == "reference" else NOTHING

    def judge(self, assignment, graded):
        """(ok, what it got, in words)."""
        if self.variant is not None:
            return self.variant.judge(assignment, graded)
        got = f"{graded.score:g} / {assignment.total:g}"
        if self.expected == FULL:
            lost = graded.lost()
            off = [f"{r['name']} lost points: {r['output'].splitlines()[0][:160] if r['output'] else ''}"
                   for t, r in graded.records.items() if t in lost]
            fits, held = _within_memory(assignment, graded)
            ok, got = graded.score >= assignment.total and fits, got + held
        else:
            off = [f"{r['name']} earned {r['score']:g}" for r in graded.records.values() if r["score"] > 0]
            ok = graded.score == 0
        return ok and not graded.course_errors, got + declared.listed(off)


@dataclasses.dataclass(frozen=True)
class Verdict:
    candidate: Candidate
    ok: bool
    got: str
    course_errors: tuple = ()
    messages: tuple = ()  # ((test name, what its failure says first), ...) of each test that lost points

    def describe(self, messages=False):
        """One line; with ``messages``, what each losing test tells the student, under it."""
        c = self.candidate
        label = c.name if c.variant is None else f'{c.kind} "{c.name}"'
        lines = [f"{'ok  ' if self.ok else 'FAIL'} {label} → {c.expected} → {self.got}"]
        lines += [f"     course error: {error.splitlines()[0]}" for error in self.course_errors]
        lines += [f"     {test}: {said}" for test, said in self.messages] if messages else []
        return "\n".join(lines)


def _within_memory(assignment, graded):
    """(whether the reference's grading fit the grading's memory on the platform, what it held,
    in words). It fits unless the kernel killed its grader there; a worker killed there costs
    the reference points, which fail it anyway. Reaching the limit alone is no failure: the
    kernel drops cached files to stay below it before it kills (a cold machine's grading
    reaches 768 MB that way with 384 MB of its own)."""
    limit = assignment.grading_memory_mb
    if graded.peak_mb is None and not graded.memory_kills:
        return True, f"; its memory not measured (no cgroup this machine lets it write, for the {limit} MB it may use)"
    if graded.memory_kills or graded.peak_mb >= limit:
        fits = not graded.memory_kills and graded.score >= assignment.total
        return fits, (f"; its grading reached the {limit} MB a grading has (grading_memory_mb), the grader and its "
                      "worker together" + (", and lost nothing: the kernel dropped cached files to stay there" if fits
                                          else ", where the kernel kills a process: a reference that needs more "
                                               "cannot grade there"))
    return True, f"; peak {graded.peak_mb} MB of the {limit} MB a grading has"


def hinted(verdicts):
    """(mistakes whose messages carry their declared hint words, mistakes): how many of a
    course's mistakes are proven to be named in the student's terms."""
    mistakes = [v for v in verdicts if v.candidate.kind == MISTAKE]
    return sum(bool(v.candidate.variant.hint) and v.ok for v in mistakes), len(mistakes)


def degenerate(course, functions, form, target):
    """The template with every graded function's body replaced by ``form`` of its first
    argument (``DEGENERATE``); classes and functions without arguments keep the template's."""
    shutil.copytree(course.template, target, dirs_exist_ok=True)
    for module, file in zip(course.modules, course.files):
        path = target / course.template_file(file).relative_to(course.template)
        notebook = path.with_name(Path(course.source_of(file)).name)  # a nested file's name alone (models/net.py)
        if notebook.suffix == ".ipynb" and notebook.is_file():  # graded as the module it makes, written as .py
            from ..grader.notebook import reference_module

            path.write_text(reference_module(notebook).source)
            notebook.unlink()
        if not path.is_file():
            continue
        tree = ast.parse(path.read_text())
        wanted = {name[len(module) + 1:] for name in functions if name.startswith(module + ".")}
        for owner, node in _functions(tree):
            if f"{owner}{node.name}" not in wanted:
                continue
            arguments = [a.arg for a in node.args.args if a.arg not in ("self", "cls")]
            if arguments:
                node.body = [ast.parse(f"return {form.format(arg=arguments[0])}").body[0]]
        path.write_text(ast.unparse(tree))
    return target


def _functions(tree):
    for node in tree.body:
        if isinstance(node, ast.FunctionDef):
            yield "", node
        elif isinstance(node, ast.ClassDef):
            yield from ((f"{node.name}.", item) for item in node.body if isinstance(item, ast.FunctionDef))


def candidates(course, functions, variants, scratch):
    """Every submission a validation grades, built in ``scratch``."""
    found = [Candidate("reference", "reference", reference_submission(course, scratch / "reference"))]
    if course.template is not None:
        found.append(Candidate("template", "template", course.template))
        found += [Candidate(form, "degenerate", degenerate(course, functions, DEGENERATE[form], scratch / form))
                  for form in DEGENERATE]
    for index, variant in enumerate(variants):
        found.append(Candidate(variant.name, variant.kind, variant.submission(course, scratch / f"variant-{index:03d}"),
                               variant))
    return found


def judged(course, assignment, assignment_path, found, seed, jobs, log, messages=False):
    """(a Verdict per candidate, graded on ``seed``, each logged as it is known; their Graded).
    Where the reference is among them, a variant runs only the tests that can run its change
    (``Variant.regraded``): every other test's record is the reference's on the same seed."""
    verdicts, graded = [], []
    limit = assignment.grading_memory_mb
    tests = [c.variant.regraded(course, assignment) if c.variant is not None and _narrowed(found) else None
             for c in found]
    reference = None
    for candidate, kept, result in zip(found, tests, grading.grade_each([grading.Job(
            c.path, course.manifest, (seed,), tests=t, assignment=assignment_path,
            memory_mb=limit if c.kind == "reference" else None) for c, t in zip(found, tests)], workers=jobs)):
        if candidate.kind == "reference":
            reference = result
        elif kept is not None and not result.failed:
            result = _with_others(result, reference, kept)
        ok, got = candidate.judge(assignment, result) if not result.failed else (False, f"no verdict: {result.failed}")
        said = tuple((result.records[t]["name"], first_failure(result.records[t]["output"]))
                     for t in sorted(result.lost()))
        verdicts.append(Verdict(candidate, ok, got, result.course_errors, said))
        graded.append(result)
        log(verdicts[-1].describe(messages and candidate.kind == MISTAKE))
    return verdicts, graded


def _narrowed(found):
    """Whether the variants among ``found`` run only their own tests: the reference's grading
    stands for the others only where it is graded too."""
    return any(c.kind == "reference" for c in found)


def _with_others(result, reference, kept):
    """A variant's ``result`` on the ``kept`` tests, completed with the reference's records
    and parts of every other test (no verdict where the reference's grading gave none)."""
    if reference.failed:
        return result
    records = {**{t: r for t, r in reference.records.items() if t not in kept}, **result.records}
    parts = {**{t: p for t, p in reference.parts.items() if t not in kept}, **result.parts}
    return dataclasses.replace(result, records=records, parts=parts, score=sum(r["score"] for r in records.values()))


@dataclasses.dataclass
class Validation:
    verdicts: list  # [Verdict] on the fixed seed
    errors: list = dataclasses.field(default_factory=list)  # the course's own mistakes (a variant that does not apply)
    changes: list = dataclasses.field(default_factory=list)  # [seeds.Change]
    mutants: object = None  # mutants.Report
    kit: list = dataclasses.field(default_factory=list)  # [kit.Parity]

    @property
    def problems(self):
        """What is wrong, in words, one item per kind; [] when the course grades rightly."""
        found = ["the variants file has an error"] if self.errors else []
        found += [f"{n} verdict(s) FAIL" for n in [sum(not v.ok for v in self.verdicts)] if n]
        found += [f"{len(self.changes)} verdict(s) change with the seed"] if self.changes else []
        found += [f"{len(self.mutants.survivors)} mutant(s) survive"] if self.mutants and not self.mutants.ok else []
        found += [f"the kit disagrees with the grader on {n} variant(s)" for n in [sum(bool(p.differ)
                                                                                       for p in self.kit)] if n]
        return found

    @property
    def ok(self):
        return not self.problems


def validate(course=None, assignment_path=None, log=print, jobs=None, seeds=0, mutants=False, per_function=None,
             kit=False, only=None, messages=False):
    """Grade the reference, the template, the degenerate submissions and the declared
    variants of ``course``; with ``seeds``, again on that many secret seeds; with
    ``mutants``, its generated mutants; with ``kit``, the variants by its student kit too.
    ``only``: the submissions whose name contains one of these texts; ``messages``: print what each
    mistake's losing tests tell the student. Returns the Validation, ``ok``
    when the course grades rightly."""
    course = courses.load(course)
    assignment = assignment_file.load(assignment_path or course.manifest, course)
    with tempfile.TemporaryDirectory(prefix="agvalidate-") as scratch:
        scratch = Path(scratch)
        try:
            variants, errors = declared.load(course), []
        except courses.CourseError as exc:  # the author's: reported, and the rest still graded
            variants, errors = [], [str(exc)]
            log(f"FAIL {exc}")
        found = [c for c in candidates(course, assignment.graded_functions(), variants, scratch)
                 if only is None or any(text in c.name for text in only)]
        counts = {kind: sum(c.kind == kind for c in found) for kind in (MISTAKE, ALTERNATIVE)}
        log(f"grading {len(found)} submissions: {len(found) - sum(counts.values())} made from the reference and "
            f"template, {counts[MISTAKE]} declared mistakes and {counts[ALTERNATIVE]} alternatives"
            + (" (each variant on the tests that can run its change)" if _narrowed(found) and sum(counts.values())
               else ""))
        verdicts, graded = judged(course, assignment, assignment_path, found, SEED, jobs, log, messages)
        validation = Validation(verdicts, errors)
        named, counted = hinted(verdicts)
        if counted:
            log(f"{named} of {counted} mistakes are named in their messages (they declare hint words, and carry them)")
        if seeds:
            from ..verify.seeds import verdict_changes
            validation.changes = verdict_changes(course, assignment, assignment_path, found, graded,
                                                 [secrets.randbits(62) for _ in range(seeds)], jobs, log)
        if mutants:
            from ..verify.mutants import run_mutants
            validation.mutants = run_mutants(course, assignment, assignment_path, scratch, jobs=jobs,
                                             per_function=per_function,
                                             accepted=[v for v in variants if v.kind == ALTERNATIVE], log=log,
                                             every=messages)
        if kit:
            from ..verify.kit import kit_parity
            (scratch / "kit").mkdir()
            validation.kit = kit_parity(course, assignment_path, [c for c in found if c.variant is not None],
                                        scratch / "kit", jobs, log)
    return validation
