"""``python check.py``: the student kit's run of the grader's own checks on a folder, on
the public seed, with the reference's recorded answers (replay.py), and its summary.

The grading is the grader's (runner.grade): the same discovery, worker, checks, parts,
tolerances and hints. Only the summary is the kit's: per graded function, ok / FAIL / not
implemented / not checked here, with its points; it never says that all pass while a graded
function is unimplemented or left to the grader.
"""
import argparse
import dataclasses
import sys
import tempfile
from pathlib import Path

import yaml

from .. import course as courses
from ..grader import assignment as assignment_file
from ..grader.discovery import discover
from .record import PUBLIC_SEED, Record

OK, FAIL, TODO, UNCHECKED = "ok", "FAIL", "not implemented", "not checked here"


@dataclasses.dataclass
class Verdict:
    test: str
    label: str  # the test and the functions it covers, as the results name them
    points: float
    status: str  # OK, FAIL, TODO or UNCHECKED
    detail: str = ""  # what failed, or why it is not checked here


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
        elif record["score"] >= record["max_score"]:
            some = f"{len(parts.unchecked)} part(s) only the grader judges: " + ", ".join(parts.unchecked) \
                if parts is not None and parts.unchecked else ""
            found.append(Verdict(test, record["name"], record["max_score"], OK, some))
        else:
            if parts is not None and parts.results:  # a part about validation fails too: nothing is earned
                todo = "not_implemented" in parts.kinds.values() and not parts.share()
            else:
                todo = "NotImplementedError" in record["output"]
            found.append(Verdict(test, record["name"], record["max_score"], TODO if todo else FAIL,
                                 "" if todo else record["output"]))
    for test, why in left.items():
        spec = assignment.tests[test]
        found.append(Verdict(test, f"{test.removeprefix('test_')} ({', '.join(spec.covers)})", spec.points, UNCHECKED,
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


def render(title, found, notes, blank):
    width = max(len(v.status) for v in found)
    lines = [f"{title}: the grader's checks on public inputs (seed {PUBLIC_SEED})", *notes, ""]
    for verdict in found:
        lines.append(f"  {verdict.status:<{width}}  {verdict.points:>4g} pts  {verdict.label}")
        if verdict.detail:
            lines += [f"  {'':<{width}}      {line}" for line in verdict.detail.strip().splitlines()]
    checked = [v for v in found if v.status != UNCHECKED]
    passed = [v for v in checked if v.status == OK]
    todo = [v for v in found if v.status == TODO]
    left = [v for v in found if v.status == UNCHECKED]
    lines += ["", f"{len(passed)} of {len(checked)} checked here pass "
                  f"({sum(v.points for v in passed):g} of {sum(v.points for v in checked):g} points)."]
    if todo:
        lines.append("Not implemented yet: " + ", ".join(v.test.removeprefix("test_") for v in todo) + ".")
    if left:
        lines.append(f"Not checked here ({sum(v.points for v in left):g} points; Gradescope checks them): "
                     + ", ".join(v.test.removeprefix("test_") for v in left) + ".")
    if blank:
        lines.append("Answers missing or blank: " + ", ".join(blank) + ".")
    if checked and len(passed) == len(checked):
        lines.append("Every check run here passes" + (", but not everything is checked here." if left else "."))
    return "\n".join(lines)


def run(folder, course, only=None):
    """(exit status, text) of checking ``folder`` with the kit's ``course``."""
    from ..grader import runner

    course = courses.load(course)
    assignment = assignment_file.load(course.manifest, course)
    left = Record.load_left_out(course.record)
    wanted = [t for t, spec in assignment.tests.items()
              if only is None or only in t or any(only in name for name in spec.covers)]
    if not wanted:
        return 2, f"no check's name or function contains {only!r}"
    seen = {}
    with tempfile.TemporaryDirectory() as scratch:
        results = runner.grade(folder, Path(scratch) / "results.json", course=course, device="cpu", seed=PUBLIC_SEED,
                               log=lambda *_: None, tests=[t for t in wanted if t not in left],
                               observe=lambda plugin: seen.update(plugin=plugin))
    if "plugin" not in seen:  # the grading itself failed: its results say why
        return 1, results.get("output", "the check could not run")
    found = verdicts(assignment, seen["plugin"], {t: w for t, w in left.items() if t in wanted})
    notes = [line for line in results.get("output", "").splitlines() if not line.startswith("Score:")]
    blank = unanswered(folder, course) if only is None else []
    status = 0 if all(v.status in (OK, UNCHECKED) for v in found) and any(v.status == OK for v in found) else 1
    return status, render(course.title, found, notes, blank)


def main(argv=None, course=None, default_folder=None):
    course = courses.load(course)
    assignment = assignment_file.load(course.manifest, course)
    functions = sorted({name for spec in assignment.tests.values() for name in spec.covers})
    parser = argparse.ArgumentParser(
        prog="check.py", description=f"{course.title}: run the grader's own checks on your files, on public inputs. "
                                     "Exits 0 only when every function checked here passes.",
        epilog="Graded: " + ", ".join(functions) + ". README.md lists what only Gradescope checks.")
    parser.add_argument("folder", type=Path, nargs="?", default=default_folder or Path("."),
                        help="the folder holding your files (default: %(default)s)")
    parser.add_argument("-k", dest="only", default=None, help="only the checks whose name or function contains this")
    args = parser.parse_args(argv)
    status, text = run(args.folder, course, args.only)
    print(text, file=sys.stderr if status == 2 else sys.stdout)
    return status
