"""``python check.py``: the student kit's run of the grader's own checks on a folder, on
the public seed, with the reference's recorded answers (replay.py), and its summary.

The grading is the grader's (runner.grade): the same discovery, worker, checks, parts,
tolerances, hints and scores. Only the summary is the kit's: per graded function, ok / FAIL /
not implemented (a stub, or a function the file does not define) / not checked here, with the
points the grader gives it of its points; then the points of the whole assignment checked
here, earned, and left to the grader. It never says that all pass while a graded function is
unimplemented or left to the grader.
"""
import argparse
import dataclasses
import difflib
import shutil
import sys
import tempfile
from pathlib import Path

import yaml

from .. import course as courses
from ..grader import assignment as assignment_file
from ..grader.assignment import short_name
from ..grader.budget import slowest
from ..grader.discovery import discover
from ..grader.plugin import unwritten
from .record import PUBLIC_SEED, Record, changed_draws
from .replay import RecordedReference

OK, FAIL, TODO, UNCHECKED = "ok", "FAIL", "not implemented", "not checked here"
# of the grading's time budget used here, a warning: Gradescope grades on half a CPU, slower
# than most computers, so there the grading may need all of it
SLOW = 1 / 3


@dataclasses.dataclass
class Verdict:
    test: str
    label: str  # the test and the functions it covers, as the results name them
    points: float
    status: str  # OK, FAIL, TODO or UNCHECKED
    detail: str = ""  # what failed, what is missing, or why it is not checked here
    earned: float | None = None  # the grader's score of it here (partial credit too); None when not checked here


def count(n, noun):
    """``n`` of ``noun`` in words: "1 point", "2.5 points", "3 parts"."""
    return f"{n:g} {noun}" + ("" if n == 1 else "s")


def left_to_grader(parts):
    """The parts of a passing test that only the grader judges, a line per reason ("2 parts
    only the grader judges (a, b): why"): the student sees what to check on Gradescope and
    why; "" when there are none."""
    named = {}
    for name, why in (parts.unchecked if parts is not None else {}).items():
        named.setdefault(why, []).append(name)
    return "\n".join(f"{count(len(names), 'part')} only the grader judges ({', '.join(names)}): {why}"
                     for why, names in named.items())


def verdicts(assignment, plugin, left):
    """A Verdict per test of ``assignment``: those the ``plugin`` graded, then those ``left``
    to the grader {test: why}."""
    found = []
    for test, record in plugin.records.items():
        parts = plugin.parts.get(test)
        unjudged = test in plugin.unchecked or (parts is not None and parts.unchecked and not parts.results)
        if unjudged:
            why = plugin.unchecked.get(test) or "; ".join(dict.fromkeys(parts.unchecked.values()))
            found.append(Verdict(test, record["name"], record["max_score"], UNCHECKED, why))
            continue
        verdict = Verdict(test, record["name"], record["max_score"], OK, earned=record["score"])
        if record["score"] >= record["max_score"]:
            verdict.detail = left_to_grader(parts)
        else:
            missing = unwritten(plugin, test)
            verdict.status, verdict.detail = (FAIL, record["output"]) if missing is None else (TODO, missing)
        found.append(verdict)
    for test, why in left.items():
        spec = assignment.tests[test]
        found.append(Verdict(test, spec.label, spec.points, UNCHECKED,
                             why))
    return found


def unanswered(folder, course):
    """Answers of the course's answers file that are missing or blank in ``folder`` (the
    file the grader would judge)."""
    if course.answers_file is None:
        return []
    submission = discover(folder, course)
    submission.remove_unpacked()
    if submission.answers is None:
        return [f"{course.answers_file} was not found"]
    try:
        given = yaml.safe_load(submission.answers.read_text()) or {}
    except yaml.YAMLError as exc:
        return [f"{course.answers_file} is not valid YAML: {exc}"]

    def value(name):
        node = given
        for key in name.split("."):
            node = node.get(key) if isinstance(node, dict) else None
        return node
    return [name for name in course.answer_names() if value(name) in (None, "", [], {})]


def score(verdict):
    """(earned, out of) of a verdict as the grader scores it ("5.6", "7"); earned is "" where
    it is not checked here."""
    return "" if verdict.earned is None else f"{round(verdict.earned, 2):g}", f"{verdict.points:g}"


def render(title, total, found, notes, blank):
    """The kit's report: a line per test with its status and score and what failed, then a
    summary that ends with the points of ``total`` checked here, earned, and left to the grader."""
    width = max(len(v.status) for v in found)
    scores = [score(v) for v in found]
    wide = [max(len(s[i]) for s in scores) for i in (0, 1)]
    lines = [f"{title}: the grader's checks on public inputs (seed {PUBLIC_SEED})", *notes, ""]
    for verdict, (earned, out_of) in zip(found, scores):
        lines.append(f"  {verdict.status:<{width}}  {earned:>{wide[0]}} {'of' if earned else '  '} "
                     f"{out_of:>{wide[1]}} pts  {verdict.label}")
        if verdict.detail:
            lines += [f"  {'':<{width}}      {line}" for line in verdict.detail.strip().splitlines()]
    checked = [v for v in found if v.status != UNCHECKED]
    passed = [v for v in checked if v.status == OK]
    todo = [v for v in found if v.status == TODO]
    left = [v for v in found if v.status == UNCHECKED]
    lines += ["", f"{len(passed)} of {len(checked)} checked here {'passes' if len(passed) == 1 else 'pass'}."]
    if todo:
        lines.append("Not implemented yet: " + ", ".join(short_name(v.test) for v in todo) + ".")
    if blank:
        lines.append("Answers missing or blank: " + ", ".join(blank) + ".")
    if checked and len(passed) == len(checked):
        lines.append("Every check run here passes" + (", but not everything is checked here." if left else "."))
    lines.append(f"{sum(v.points for v in checked):g} of {count(total, 'point')} checked here: "
                 f"{round(sum(v.earned for v in checked), 2):g} earned{graders(left)}.")
    return "\n".join(lines)


def graders(left):
    """"; 14 points are judged only on Gradescope (names)" of the verdicts ``left`` to the
    grader, or "" when there are none."""
    if not left:
        return ""
    held = sum(v.points for v in left)
    return (f"; {count(held, 'point')} {'is' if held == 1 else 'are'} judged only on Gradescope ("
            + ", ".join(short_name(v.test) for v in left) + ")")


def too_slow(plugin):
    """A line warning that the student's functions may run out the grading's time budget on
    Gradescope (this run used over SLOW of it), naming the slowest; [] when they are fast
    enough, or when the grader's summary already named them (its budget was tight here)."""
    budget = plugin.budget
    if budget.used <= SLOW * budget.seconds or budget.tight():
        return []
    return [f"Slow: these checks took {budget.used:.0f} s here, over a third of the {budget.seconds:g} s that "
            "Gradescope's whole grading may take on its slower machines (the tests left when it runs out score 0). "
            f"Your slowest functions: {slowest(plugin.remote.spent)}."]


@dataclasses.dataclass
class Checked:
    """A check's outcome: its exit status, its report, and its verdicts (none where the
    grading itself failed or nothing was asked for)."""
    status: int
    text: str
    verdicts: list = dataclasses.field(default_factory=list)


def run(folder, course, only=None):
    """(exit status, text) of checking ``folder`` with the kit's ``course``."""
    done = check(folder, course, only)
    return done.status, done.text


def check(folder, course, only=None, kernel=False):
    """The Checked of ``folder`` (or a saved notebook) with the kit's ``course``; ``kernel``:
    the notebook is a Jupyter kernel's history, written by the in-notebook check (live.py),
    so that the report says what was judged: the kernel's functions, saved or not."""
    from ..grader import runner

    course = courses.load(course)
    assignment = assignment_file.load(course.manifest, course)
    left = Record.load_left_out(course.record)
    wanted = [t for t, spec in assignment.tests.items()
              if only is None or only in t or any(only in name for name in spec.covers)]
    if not wanted:
        names = sorted({name.rpartition(".")[2] for spec in assignment.tests.values() for name in spec.covers})
        close = difflib.get_close_matches(only, names, n=3)
        guess = f" (did you mean {' or '.join(map(repr, close))}?)" if close else ""
        return Checked(2, f"no check's name or function contains {only!r}{guess}; the functions checked: "
                          f"{', '.join(names)}")
    seen = {}
    with tempfile.TemporaryDirectory() as scratch:
        named = folder_of(Path(folder), course, Path(scratch) / "named", kernel)
        results = runner.grade(named, Path(scratch) / "results.json", course=course, device="cpu", seed=PUBLIC_SEED,
                               log=lambda *_: None, tests=[t for t in wanted if t not in left],
                               reference=RecordedReference, observe=lambda plugin: seen.update(plugin=plugin))
        blank = unanswered(named, course) if only is None else []
    output = results.get("output", "the check could not run")
    if kernel:
        output = "\n".join([judged(Path(folder)), *(line for line in output.splitlines()
                                                     if not line.startswith("Graded the notebook "))])
    if "plugin" not in seen:  # the grading itself failed: its results say why
        return Checked(1, output)
    notes = [line for line in output.splitlines() if not line.startswith("Score:")]
    notes += other_torch(course.record)
    found = verdicts(assignment, seen["plugin"], {t: w for t, w in left.items() if t in wanted})
    notes += too_slow(seen["plugin"])
    status = 0 if all(v.status in (OK, UNCHECKED) for v in found) and any(v.status == OK for v in found) else 1
    return Checked(status, render(course.title, assignment.total, found, notes, blank), found)


def other_torch(record):
    """A line saying that this torch draws some of the checks' random inputs otherwise than
    the torch that recorded the kit's answers (whose checks then show as not checked here),
    and how to install that one; [] where it draws them all alike."""
    recorded, kinds = changed_draws(Record.load_draws(record))
    if not kinds:
        return []
    import torch

    version = recorded.split("+")[0]
    return [f"This torch ({torch.__version__}) draws other random inputs ({', '.join(kinds)}) than the torch the kit's "
            f"answers were recorded with ({recorded}): checks on such inputs cannot be compared here and show as not "
            f"checked here. To check them all, install that torch: pip install torch=={version}"]


def judged(history):
    """What the in-notebook check judged, from the kernel's ``history`` notebook: "Judged
    the functions as this kernel defines them now, saved or not: the 12 inputs it ran (In [1]
    to In [12]), in the order it ran them.", with a reminder that Gradescope grades the
    notebook uploaded."""
    import json

    counts = [cell.get("execution_count") for cell in json.loads(history.read_text()).get("cells", [])
              if cell.get("cell_type") == "code"]
    ran = (f"the {count(len(counts), 'input')} it ran (In [{counts[0]}] to In [{counts[-1]}]), in the order it "
           "ran them" if counts else "it has run nothing yet")
    return (f"Judged the functions as this kernel defines them now, saved or not: {ran}, as the grader grades a "
            "notebook. Gradescope grades the notebook you upload: save it, and run it top to bottom once before.")


def folder_of(path, course, scratch, kernel=False):
    """The folder to check for what the student named: a folder as it is; a saved notebook
    (``python check.py hw3.ipynb``) alone in ``scratch``, with the answers file beside it,
    so that the notebook named is the one graded, whatever other notebooks lie beside it.
    A kernel's history (``kernel``) is named as the course's notebook (messages name
    ``hw3.ipynb``), with the answers file of the folder the kernel runs in, or else the
    kit's (``course`` is the kit's ``.kit/course``; on Colab the kernel runs in /content)."""
    if not (path.is_file() and path.suffix == ".ipynb"):
        return path
    scratch.mkdir(parents=True)
    name = (course.notebook_file or _template_notebook(course) or path.name) if kernel else path.name
    shutil.copyfile(path, scratch / name)
    answers = None
    if course.answers_file:
        places = [path.parent] + ([Path.cwd(), course.root.parent.parent] if kernel else [])
        answers = next((place / course.answers_file for place in places if (place / course.answers_file).is_file()),
                       None)
    if answers is not None:
        shutil.copyfile(answers, scratch / answers.name)
    return scratch


def _template_notebook(course):
    """The name of the notebook the kit hands out, where it hands out one; else None."""
    found = sorted(course.template.glob("*.ipynb")) if course.template is not None and course.template.is_dir() else []
    return found[0].name if len(found) == 1 else None


def main(argv=None, course=None, default_folder=None):
    course = courses.load(course)
    assignment = assignment_file.load(course.manifest, course)
    functions = sorted({name for spec in assignment.tests.values() for name in spec.covers})
    parser = argparse.ArgumentParser(
        prog="check.py", description=f"{course.title}: run the grader's own checks on your files, on public inputs. "
                                     "Exits 0 only when every function checked here passes.",
        epilog="Graded: " + ", ".join(functions) + ". README.md lists what only Gradescope checks.")
    parser.add_argument("folder", type=Path, nargs="?", default=default_folder or Path("."),
                        help="the folder holding your files, or your saved notebook (default: %(default)s)")
    parser.add_argument("-k", dest="only", default=None, help="only the checks whose name or function contains this")
    parser.add_argument("--kernel", action="store_true", help="the notebook is a Jupyter kernel's history, as the "
                        "in-notebook check (from autograder_kit import check) writes it")
    parser.add_argument("--json", type=Path, default=None, help="also write the verdicts to this file, as JSON")
    args = parser.parse_args(argv)
    done = check(args.folder, course, args.only, args.kernel)
    if args.json is not None:
        import json

        args.json.write_text(json.dumps({"status": done.status, "text": done.text,
                                         "verdicts": [dataclasses.asdict(v) for v in done.verdicts]}, indent=1))
    print(done.text, file=sys.stderr if done.status == 2 else sys.stdout)
    return done.status
