"""Would this course grade rightly? Its checks load, the reference earns full marks, and
the template and degenerate submissions (every graded function returning zeros of its
first argument's shape, or that argument itself) earn nothing. ``autograder validate``
runs it; ``autograder build`` runs it before writing a zip and refuses a course that fails.
"""
import ast
import dataclasses
import shutil
import tempfile
from pathlib import Path

from .. import course as courses
from ..grader import assignment as assignment_file
from ..grader import runner

SEED = 20261205  # a fixed seed: a validation is reproducible; grading draws a secret one
DEGENERATE = {"zeros": "{arg} * 0", "echo": "{arg}"}


@dataclasses.dataclass
class Verdict:
    name: str  # "reference", "template", "zeros", "echo"
    score: float
    total: float
    wanted: str  # "full marks" or "0"
    course_errors: list
    off: list  # tests off their mark: (test, points earned) where 0 was due, else (test, why points were lost)

    @property
    def ok(self):
        right = self.score >= self.total if self.wanted == "full marks" else self.score == 0
        return right and not self.course_errors

    def describe(self):
        head = f"{self.name}: {self.score:g} / {self.total:g} (must be {self.wanted})"
        lines = [f"{'ok  ' if self.ok else 'FAIL'} {head}"]
        lines += [f"     course error: {error.splitlines()[0]}" for error in self.course_errors]
        if self.wanted == "0":
            lines += [f"     {test} earned {score:g}" for test, score in self.off]
        else:
            lines += [f"     {test} lost points: {output}" for test, output in self.off]
        return "\n".join(lines)


def reference_submission(course, target):
    """The reference laid out as a student submits it: its package (or files) and, for a
    course with an answer key, the key as the answers file."""
    inside = target / course.package if course.package else target
    shutil.copytree(course.reference, inside, ignore=shutil.ignore_patterns("__pycache__"), dirs_exist_ok=True)
    if course.answer_key is not None and not (target / course.answers_file).exists():
        shutil.copyfile(course.answer_key, target / course.answers_file)
    return target


def degenerate(course, functions, form, target):
    """The template with every graded function's body replaced by ``form`` of its first
    argument (``DEGENERATE``); classes and functions without arguments keep the template's."""
    shutil.copytree(course.template, target, dirs_exist_ok=True)
    for module, file in zip(course.modules, course.files):
        path = target / course.template_file(file).relative_to(course.template)
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


def _grade(course, submission, assignment_path, scratch, name, wanted):
    errors = []

    def log(line):
        if str(line).startswith("COURSE ERROR"):
            errors.append(str(line).split(": ", 1)[1])
    results = runner.grade(submission, scratch / f"{name}.json", course=course, device="cpu",
                           assignment_path=assignment_path, seed=SEED, log=log)
    total = sum(t["max_score"] for t in results["tests"])
    if wanted == "0":
        off = [(t["name"], t["score"]) for t in results["tests"] if t["score"] > 0]
    else:
        off = [(t["name"], t["output"].splitlines()[0][:160]) for t in results["tests"] if t["score"] < t["max_score"]]
    if "The autograder failed" in results.get("output", ""):
        errors.append(results["output"])
    return Verdict(name, results["score"], total, wanted, errors, off)


def validate(course=None, assignment_path=None, log=print):
    """Grade the reference, the template and the degenerate submissions of ``course``;
    returns the verdicts (all ``ok`` when the course would grade rightly)."""
    course = courses.load(course)
    assignment = assignment_file.load(assignment_path or course.manifest, course)
    functions = assignment.graded_functions()
    verdicts = []
    with tempfile.TemporaryDirectory(prefix="agvalidate-") as scratch:
        scratch = Path(scratch)
        candidates = [("reference", reference_submission(course, scratch / "reference"), "full marks")]
        if course.template is not None:
            candidates.append(("template", course.template, "0"))
            candidates += [(form, degenerate(course, functions, DEGENERATE[form], scratch / form), "0")
                           for form in DEGENERATE]
        for name, submission, wanted in candidates:
            verdicts.append(_grade(course, submission, assignment_path, scratch, name, wanted))
            log(verdicts[-1].describe())
    return verdicts
