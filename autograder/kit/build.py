"""The student kit: the template to fill in, and the grader's own checks with the
reference's answers on the public seed in place of the reference.

Layout of the zip (``.kit`` is a dot-folder, so a submission that carries it along is
graded as if it did not):

    README.md, check.py, requirements.txt   how to check and submit; the launcher; what it
                                            runs on (only that, each with what it is for;
                                            torch as a range, KIT_TORCH)
    autograder_kit/__init__.py              the check from inside the notebook (live.py), in
                                            the kit of a course that hands out a notebook
    ASSIGNMENT.md                           the course's handout, where it has one
    <the template>                          the files students fill in
    .kit/autograder/                        the engine, as the grader runs it
    .kit/course/                            the course's checks and plugin; its manifest
                                            (the student's machine: no sandbox layers);
                                            scaffold/ (the template standing in for the
                                            reference's package, so checks that build the
                                            course's networks import them); record/

Nothing of the reference travels but its answers on public inputs: no solution code, no
answer key (only its names), no secret seed.

The zip is written beside its target under a temporary name and renamed once whole: a kit
that cannot be made leaves nothing behind, and ``KitError`` says why.
"""
import os
import re
import tempfile
from pathlib import Path

import yaml

from .. import course as courses
from ..grader import assignment as assignment_file
from ..grader.notebook import KIT_PACKAGE
from ..grader.reference import Reference
from ..workflows.package import HANDOUT, ROOT, walk, with_policy, zip_entries
from . import CHECK, KIT
from .record import PUBLIC_SEED, Record, Recording, draws
from .selfcheck import count

# the engine's dependencies that a kit's run imports, and what each is for (requirements.txt and
# the README say it); nbformat only for a course that takes notebooks. The others stay out:
# sympy judges answers, which only the grader does (torch installs it anyway); tqdm and
# matplotlib serve the instructor's workflows.
NEEDS = {"torch": "runs your code and the checks, as Gradescope does",
         "numpy": "the checks' comparisons, and the reference's answers recorded for the public inputs",
         "scipy": "the exact statistical tests of the functions that draw random numbers",
         "pyyaml": "reads the course's settings and your answers file",
         "pytest": "runs the grader's checks (each check is a pytest test)",
         "jsonschema": "checks the course's settings and the results against their schemas, as the grader does",
         "nbformat": "reads your notebook, if you hand one in"}
# The torch the kit installs: a range, so that `pip install -r requirements.txt` keeps a torch
# already installed in it (Colab's) rather than replacing it; the grader's image keeps
# pyproject.toml's exact pin. From 2.3, the first torch built for NumPy 2, which a fresh
# environment gets from the kit's numpy>=1.26 (the engine hands every input and output between
# numpy and torch; an older torch cannot there); below 3, whose changes no kit has met. The
# engine needs nothing newer. Within the range a kit's answers are compared only where this
# torch draws the recorded inputs bit for bit: check.py says where it does not (record.draws).
# Tried on 2.3.1, 2.4.1, 2.7.1, 2.13.0 and 2.14.1: a notebook kit passed a solution on each,
# the bundled course's kit its reference on the last four; from 2.7.1 every kind of draw is
# 2.13.0's, while 2.3.1 and 2.4.1 draw other noise seeds (randint over [0, 2³¹ − 1)), so that
# on 2.4.1 the bundled kit left 7 parts of functions drawing their own noise to the grader,
# as check.py said.
KIT_TORCH = "torch>=2.3,<3"
LAUNCHER = '''"""Check your homework with the grader's own checks, on public inputs: python check.py --help"""
import sys
from pathlib import Path

if sys.version_info < (3, 10):
    sys.exit(f"check.py needs Python 3.10 or newer (pip install -r requirements.txt); this is {sys.version.split()[0]}")
HERE = Path(__file__).resolve().parent
sys.path[0] = str(HERE / ".kit")  # the engine, and not this folder: your files are imported only by the worker

from autograder.kit.selfcheck import main  # noqa: E402

sys.exit(main(course=HERE / ".kit" / "course", default_folder=HERE))
'''


class KitError(Exception):
    """No kit can be made of the course; the message says why, in the instructor's terms."""


def left_out(assignment):
    """{test: why the kit does not run it}: the course marks it (``not_in_kit``), its
    instructor keeps it hidden, or it judges answers against the key, which stays with the grader."""
    why = {}
    for test_id, spec in assignment.tests.items():
        if spec.not_in_kit:
            why[test_id] = spec.not_in_kit
        elif spec.visibility != "visible":
            why[test_id] = "hidden by the course staff until " + spec.visibility.replace("_", " ")
        elif any(name.startswith("answers.") for name in spec.covers):
            why[test_id] = "judged against the answer key, which only the grader holds (check.py checks that " \
                           "every answer is filled in and readable)"
    return why


def record(course, assignment_path=None, log=None):
    """The reference's answers on the public seed, from a grading of the reference itself
    with the tests the kit runs. Raises RuntimeError unless the reference earns them all."""
    from ..grader import runner
    from ..verify.variants import reference_submission

    course = courses.load(course)
    assignment = assignment_file.load(assignment_path or course.manifest, course)
    kept = Record(left_out=left_out(assignment), draws=draws())
    tests = [t for t in assignment.tests if t not in kept.left_out]
    with tempfile.TemporaryDirectory() as scratch:
        submission = reference_submission(course, Path(scratch) / "reference")
        results = runner.grade(submission, Path(scratch) / "results.json", course=course, device="cpu",
                               assignment_path=assignment_path, seed=PUBLIC_SEED, log=log or (lambda *_: None),
                               tests=tests, reference=lambda c: Recording(Reference(c), kept))
    short = [t["name"] for t in results["tests"] if t["score"] < t["max_score"]]
    if short or not results["tests"]:
        raise RuntimeError("the reference does not pass its own checks on the public seed, so no kit can be "
                           f"made: {', '.join(short) or results.get('output')}")
    return kept


def manifest(course, assignment_path=None):
    """The kit's manifest: the course's (or the assignment file's) grading policy, the
    kit's own folders, and no sandbox layers (the student's own code, on their machine)."""
    data = yaml.safe_load(with_policy(course.manifest, Path(assignment_path)) if assignment_path is not None
                          else course.manifest.read_text())
    data.update(reference=f"scaffold/{course.reference.name}", template="template", checks="checks",
                record="record", data=[str(Path(d).relative_to(course.root)) for d in course.data])
    if course.plugin is not None:
        data["plugin"] = str(course.plugin.relative_to(course.root))
    if course.answer_key is not None:  # its names only: the template's blank answers file
        data["answer_key"] = {**data["answer_key"], "file": f"template/{course.answers_file}"}
    data["sandbox"] = {**data.get("sandbox", {}), "namespaces": False, "landlock": False, "worker_uid": None}
    data.pop("leaderboard", None)
    data.pop("variants", None)  # the mistakes are edits of the solution: never in a student's hands
    data.pop("experiment", None)  # it trains the reference: never in a student's hands either
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True)


def files(course, assignment_path=None, log=None):
    """{path in the kit: source path, text or bytes}."""
    course = courses.load(course)
    if course.template is None or not course.template.is_dir():
        raise KitError(f"the course has no template folder ({course.template or 'template: is not set'}): "
                       f"write it with `autograder template --course {course.root}`")
    template = {str(p.relative_to(course.template)): p for p in walk(course.template)}
    entries = dict(template)
    if (course.root / HANDOUT).is_file():  # the handout, what each function must do: for the student to read
        entries[HANDOUT] = course.root / HANDOUT
    entries.update({f"{KIT}/{p.relative_to(ROOT)}": p for p in walk(ROOT / "autograder")})
    inside = f"{KIT}/course"
    entries[f"{inside}/{courses.MANIFEST}"] = manifest(course, assignment_path)
    entries.update({f"{inside}/{p.relative_to(course.root)}": p for p in walk(course.checks)})
    entries.update({f"{inside}/template/{name}": path for name, path in template.items()})
    entries.update({f"{inside}/scaffold/{course.reference.name}/{name}": source
                    for name, source in stand_ins(course).items()})
    with tempfile.TemporaryDirectory() as scratch:
        folder = record(course, assignment_path, log).save(Path(scratch) / "record")
        entries.update({f"{inside}/record/{p.name}": p.read_bytes() for p in folder.iterdir()})
    entries[CHECK] = LAUNCHER
    if handed_in_notebooks(course, template):  # the check from inside the notebook
        entries[f"{KIT_PACKAGE}/__init__.py"] = ROOT / "autograder" / "kit" / "live.py"
    entries["requirements.txt"] = "".join(f"{pin:<16} # {why}\n" for pin, why in requirements(course))
    entries["README.md"] = readme(course, assignment_file.load(assignment_path or course.manifest, course), template)
    return entries


def stand_ins(course):
    """{path in the reference's package: source} of the template standing in for the
    reference in the kit: each student file's template copy (a notebook-first course's
    notebook), or, where the template hands out only a notebook of that module, the module
    grading makes of it; and the scaffold files."""
    from ..grader.notebook import reference_module

    package = course.template / course.package if course.package else course.template
    found = {}
    for file in course.files:
        name = course.source_of(file)
        notebook = package / Path(file).with_suffix(".ipynb")
        if (package / name).is_file():
            found[name] = package / name
        elif notebook.is_file():
            found[file] = reference_module(notebook).source
        else:
            raise KitError(f"the template {course.template} has no {name}"
                           + ("" if name.endswith(".ipynb") else f" (nor {notebook.name})")
                           + f": write it with `autograder template --course {course.root}`")
    for file in course.scaffold:
        if not (package / file).is_file():
            raise KitError(f"the template {course.template} has no {file} (a scaffold file): write it with "
                           f"`autograder template --course {course.root}`")
        found[file] = package / file
    return found


def requirements(course):
    """[(pin, what it is for)]: the engine's dependencies that the kit of ``course`` runs on
    (NEEDS), as pyproject.toml pins them, but torch: the range KIT_TORCH."""
    text = (ROOT / "pyproject.toml").read_text()
    listed = re.search(r"^dependencies = \[(.*?)\]", text, re.S | re.M).group(1)
    pins = {re.split(r"[<>=!~ \[]", pin)[0]: pin for pin in re.findall(r'"([^"]+)"', listed)}
    pins["torch"] = KIT_TORCH
    wanted = [name for name in NEEDS if name != "nbformat" or course.notebook]
    return [(pins[name], NEEDS[name]) for name in wanted]


def build(target="student_kit.zip", course=None, assignment=None, log=None):
    """The student kit of ``course`` (the bundled one by default) as a zip, written whole or
    not at all. Raises KitError saying why no kit was written."""
    target = Path(target)
    partial = target.with_name(f".{target.name}.partial")
    try:
        zip_entries(files(course, assignment, log), partial)
        os.replace(partial, target)
    except (RuntimeError, courses.CourseError, OSError, SyntaxError) as exc:
        raise KitError(str(exc)) from exc
    finally:
        partial.unlink(missing_ok=True)
    return target


def readme(course, assignment, template):
    """The kit's README: how to install and run it, what it checks and what it does not, how
    to submit; then the template's own README, if it has one."""
    out = left_out(assignment)
    checked = [(spec, ", ".join(spec.covers)) for t, spec in assignment.tests.items() if t not in out]
    example = checked[0][0].covers[0].rsplit(".", 1)[-1] if checked else "name"
    notebooks = handed_in_notebooks(course, template)
    runs = [("python check.py", "every check below, on public inputs"),
            (f"python check.py -k {example}", "only the checks whose name or function has this")]
    if notebooks:
        runs.append((f"python check.py path/to/{notebooks[0]}", "your notebook somewhere else"))
        start = [f"Fill in the notebook {_listed(notebooks)} here (in Jupyter), then check it with the grader's own "
                 "checks: from inside the notebook, as its kernel defines your functions (below, \"Checking from "
                 "inside the notebook\"), or from a terminal on the saved file (File > Save: `check.py` reads the "
                 "saved file, not what the notebook's kernel holds):"]
    else:
        runs.append(("python check.py path/to/folder", "your files somewhere else"))
        start = ["Fill in the files here, then check them with the grader's own checks:"]
    if (course.root / HANDOUT).is_file():
        start = [f"Read [`{HANDOUT}`]({HANDOUT}) for what each function must do (its arguments, shapes and "
                 "equations) and what the grader checks, for how many points.", "", *start]
    lines = [f"# {course.title}: student kit", "", *start, "",
             *commands([("python -m venv .venv", "once: a virtual environment for the kit (Python 3.10 or newer)"),
                        ("source .venv/bin/activate", "in each new terminal (Windows: .venv\\Scripts\\activate)"),
                        ("pip install -r requirements.txt", "once: what check.py runs on (below)"), *runs]), "",
             "`check.py` runs the very checks Gradescope runs (the same parts, tolerances, hints and scores), on "
             f"inputs drawn from a public seed ({PUBLIC_SEED}) instead of the secret one each grading draws; the "
             "reference's answers to those inputs are in `.kit/course/record`, never its code. It prints, per "
             "graded function, ok / FAIL / not implemented / not checked here with the points the grader gives it "
             f"(partial credit too), then how many of the assignment's {count(assignment.total, 'point')} it "
             "checks and how many of those you earned; it exits 0 only when every function it checks passes.", "",
             "A check passing here can still fail on Gradescope's inputs, and a few parts (those that compare "
             "with the reference on values your own code produced, or that depend on your helper functions "
             "called in a form the reference never used) are only judged there; each is named in the output, "
             "with why.", "", "## Checked here", ""]
    lines += [f"- {spec.short} ({functions}): {count(spec.points, 'point')}"
              for spec, functions in checked]
    if notebooks:
        lines += ["", *inside_the_notebook(notebooks[0], example)]
    if out:
        lines += ["", "## Checked only by the grader", ""]
        lines += [f"- {assignment.tests[t].label}: "
                  f"{count(assignment.tests[t].points, 'point')}; {why}" for t, why in out.items()]
    lines += ["", *installs_and_submitting(course, notebooks)]
    text = "\n".join(lines) + "\n"
    if "README.md" in template:
        text += "\n---\n\n" + template["README.md"].read_text()
    return text


def installs_and_submitting(course, notebooks):
    """The kit README's last sections: what ``requirements.txt`` installs, and what to upload."""
    lines = ["## What it installs", "", "Only what `check.py` runs on:", ""]
    lines += [f"- `{pin}`: {why}" for pin, why in requirements(course)]
    lines += ["", f"Gradescope runs torch {graders_torch()}; the kit takes any torch in `{KIT_TORCH[len('torch'):]}`, "
              "so `pip install -r requirements.txt` keeps a torch already installed in that range (Colab's) instead "
              "of replacing it. The checks' inputs are random numbers drawn on the public seed: where your torch "
              "draws some of them otherwise than the kit's, `check.py` says so, and which torch to install to check "
              "everything."]
    answers = f", `{course.answers_file}`" if course.answers_file else ""
    if notebooks:
        upload = f"Upload your notebook ({_listed(notebooks)}{answers}), saved,"
    else:
        where = ", ".join(f"`{course.package}/{f}`" if course.package else f"`{f}`" for f in course.files)
        upload = f"Upload your files ({where}{answers})"
    lines += ["", "## Submitting", "",
              f"{upload} to Gradescope, as a folder or a zip, at any depth. The hidden `.kit` folder, "
              f"`check.py`{f' and `{KIT_PACKAGE}/`' if notebooks else ''} may come along; the grader ignores them."]
    return lines


def inside_the_notebook(notebook, example):
    """The README's lines on the check from inside ``notebook`` (live.py), and on Colab."""
    kit = "/content/drive/MyDrive/KIT"
    return [
        "## Checking from inside the notebook", "",
        f"In a cell of `{notebook}`, opened in this folder (where Jupyter runs it):", "",
        *commands([("from autograder_kit import check", "the kit's check (autograder_kit/, here)"),
                   (f'check("{example}")', f"the checks of one function (or check({example}), the function itself)"),
                   ("check()", "every check below")]), "",
        "`check` judges your functions as the notebook's kernel defines them now, saved or not: a function you "
        "fixed in a later cell and ran is judged as fixed. It takes the cells the kernel ran, in the order it ran "
        "them, and grades them as the grader grades a notebook (the same cells left out, the same checks, parts, "
        "hints and points as `python check.py`), in a process of its own: your code runs in the grader's worker, "
        "never in the kernel. It says what it judged, and names a cell by its `In [n]`. The kernel needs what "
        "`requirements.txt` lists (install it in the environment Jupyter runs the notebook in). It prints its "
        "report and returns it (`report = check()`: `report.passed` is True when every function it checked "
        "passed; `report.verdicts` lists each test's status and points); it never raises over a failed check. "
        "A notebook opened outside this folder cannot import `autograder_kit`: open it here, or add this folder "
        "to `sys.path` as on Colab below. Gradescope grades "
        "the notebook you upload: save it, and run it top to bottom once (Restart & Run All) so that the file "
        "holds what the kernel held.", "",
        "On Colab, where the notebook lives in your Drive: put this folder, unzipped, in your Drive (`KIT` below "
        "is its place there: the folder holding `check.py`), and run once, in a cell at the top of the notebook:",
        "", *commands([('from google.colab import drive; drive.mount("/content/drive")', "your Drive, as files"),
                       (f'!pip install -q -r "{kit}/requirements.txt"', "keeps Colab's torch (within the range below)"),
                       (f'import sys; sys.path.append("{kit}")', "points the notebook at the kit")]), "",
        "then `from autograder_kit import check` as above. The grader leaves these lines out (it mounts no Drive, "
        "installs nothing and never imports the kit), so they may stay in the notebook you submit."]


def graders_torch():
    """The torch the grader runs (pyproject.toml's pin): "2.13.0"."""
    text = (ROOT / "pyproject.toml").read_text()
    return re.search(r'"torch==([^"]+)"', text).group(1)


def handed_in_notebooks(course, template):
    """The template's notebooks, where the course grades a notebook (students hand in the
    notebook they were given); else none."""
    if course.deliverable != "notebook":
        return []
    return sorted(name for name in template if name.endswith(".ipynb"))


def _listed(names):
    return ", ".join(f"`{name}`" for name in names)


def commands(shown):
    """[(command, what it does)] as an indented block, the comments in one column."""
    width = max(len(command) for command, _ in shown) + 2
    return [f"    {command:<{width}}# {what}" for command, what in shown]
