"""The similarity report on synthetic classes with planted copies: precision and recall of
the planted pairs, and what ``batch --similarity`` adds to a batch's time.

    .venv/bin/python benchmarks/similarity_planted.py [--n 40] [--classes 3] [--jobs 2] [--everything]

Each class is built from the bundled course's declared mistakes (variants/variants.yaml,
text edits only, so that several apply to one submission): every submission gets 1 to 3
independent mistakes, the first few mistakes drawn far more often than the rest (common
ones); two planted groups (3 and 2 submissions) share 3 mistakes no one else makes, each
copy reformatted (reindented, commented); and ``--correct`` submissions are the reference,
reformatted too (a correct answer is never evidence, so they must appear in no pair). The class is graded twice, without and with
``--similarity`` (the same fixed grading seed), for the added time, and the report's
``similarity.csv`` is read back: of its top pairs, as many as were planted, the share that
are planted pairs (precision) and the share of planted pairs among them (recall); the rank
of the last planted pair against the first pair that shares only ordinary mistakes; and the
pairs that name a correct submission. By
default the training problem is left out (as in the test suite); ``--everything`` grades
the whole assignment.
"""
import argparse
import ast
import csv
import dataclasses
import random
import shutil
import subprocess
import sys
import tempfile
import time
from itertools import combinations
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from autograder import course as courses  # noqa: E402
from autograder.verify import variants  # noqa: E402
from autograder.verify.variants import reference_submission, write_module  # noqa: E402
from tests.submissions import assignment_file  # noqa: E402

PLANTED = (3, 2)  # the planted groups' sizes
SHARED = 3  # rare mistakes each planted group shares


def reformatted(text, tag):
    """The same code, written otherwise: indented by 2, with comments of its own."""
    lines = []
    for line in text.splitlines():
        stripped = line.lstrip(" ")
        indent = (len(line) - len(stripped)) // 4 * 2 + (len(line) - len(stripped)) % 4
        lines.append(" " * indent + stripped)
        if stripped.startswith("def "):
            lines.append(" " * (indent + 2) + f"# {tag}: my own version")
    copy = f"# homework by {tag}\n\n" + "\n".join(lines) + "\n"
    try:
        ast.parse(copy)
        return copy
    except SyntaxError:  # a continuation line the reindent broke: comments only
        return f"# homework by {tag}\n\n" + text


@dataclasses.dataclass
class Class:
    planted: set  # the planted pairs {(a, b)}
    correct: set  # the correct submissions' names
    made: dict  # {name: the names of the mistakes its files hold}
    common: set  # the names of the common mistakes


def build(course, mistakes, folder, n, rng, correct):
    """A Class of ``n`` submissions in ``folder``, the last ``correct`` of them correct."""
    rare = rng.sample(mistakes, SHARED * len(PLANTED))
    ordinary = [m for m in mistakes if m not in rare]
    weights = [8 if i < 3 else 1 for i in range(len(ordinary))]  # the first few are common mistakes
    made, names = {}, [f"s{i:03d}" for i in range(n)]
    groups = [names[sum(PLANTED[:g]):sum(PLANTED[:g + 1])] for g in range(len(PLANTED))]
    right = names[n - correct:]
    for name in names:
        if name in right:
            made[name] = write_submission(course, folder / name, (), copy=True)
            continue
        chosen = {m.name: m for m in rng.choices(ordinary, weights, k=rng.randint(1, 3))}
        group = next((g for g, members in enumerate(groups) if name in members), None)
        if group is not None:
            chosen.update({m.name: m for m in rare[SHARED * group:SHARED * (group + 1)]})
        made[name] = write_submission(course, folder / name, chosen.values(), copy=group is not None)
    planted = {pair for members in groups for pair in combinations(members, 2)}
    return Class(planted, set(right), made, {m.name for m in ordinary[:3]})


def write_submission(course, target, chosen, copy):
    """The reference with each mistake's edit applied where it still applies; returns the
    names of those applied."""
    reference_submission(course, target)
    texts = {file: course.reference_source(file) for file in course.files} if copy else {}
    applied = set()
    for mistake in chosen:
        file, old, new = mistake.edit
        text = texts.get(file, course.reference_source(file))
        if text.count(old) == 1:
            texts[file], applied = text.replace(old, new), applied | {mistake.name}
    for file, text in texts.items():
        write_module(course, target, file, reformatted(text, target.name) if copy else text)
    return applied


def batch(folder, out, jobs, assignment, similarity):
    started = time.monotonic()
    subprocess.run([sys.executable, "-m", "autograder.cli", "batch", str(folder), "--out", str(out), "-j", str(jobs),
                    "--no-progress", "--seed", "1", *assignment, *(["--similarity"] if similarity else [])],
                   check=True, capture_output=True, cwd=ROOT)
    return time.monotonic() - started


def scored(out, made):
    """The report of the batch ``out``, its similarity.csv read back against ``made``."""
    subprocess.run([sys.executable, "-m", "autograder.cli", "report", str(out)], check=True, capture_output=True,
                   cwd=ROOT)
    return ranks(out / "report" / "similarity.csv", made)


def ranks(path, made):
    """similarity.csv's pairs against the Class ``made``: (precision, recall, pairs listed, the
    last planted pair's rank, the first rank of a pair sharing only common mistakes, pairs
    above the last planted one that share a rare mistake by chance, pairs naming a correct
    submission)."""
    with open(path) as f:
        found = [tuple(sorted((row["submission_a"], row["submission_b"]))) for row in csv.DictReader(f)]
    top = set(found[:len(made.planted)])
    hits = len(top & made.planted)
    last = max((found.index(pair) + 1 for pair in made.planted if pair in found), default=None)
    shared = {pair: made.made[pair[0]] & made.made[pair[1]] for pair in found}
    common_only = next((rank for rank, pair in enumerate(found, 1)
                        if pair not in made.planted and shared[pair] and shared[pair] <= made.common), None)
    chance = sum(1 for pair in found[:last or 0] if pair not in made.planted and shared[pair] - made.common)
    with_correct = sum(1 for pair in found if set(pair) & made.correct)
    return (hits / max(1, len(top)), hits / len(made.planted), len(found), last, common_only, chance,
            with_correct)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=40)
    parser.add_argument("--classes", type=int, default=3)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--correct", type=int, default=3, help="correct submissions in each class")
    parser.add_argument("--everything", action="store_true")
    args = parser.parse_args()
    course = courses.load(None)
    mistakes = [v for v in variants.load(course) if v.kind == variants.MISTAKE and v.edit and v.answers is None]
    scratch = Path(tempfile.mkdtemp(prefix="similarity-bench-"))
    assignment = [] if args.everything else ["--assignment", str(assignment_file(scratch, drop=["training"]))]
    rng = random.Random(args.seed)
    print(f"{len(mistakes)} declared text-edit mistakes; {args.classes} class(es) of {args.n}, {args.jobs} job(s)")
    print("| class | precision | recall | pairs listed | last planted pair's rank | first pair of common mistakes only "
          "| pairs above the last planted one sharing a rare mistake by chance | pairs naming a correct submission | batch s "
          "| with --similarity s | added |\n" + "|---" * 11 + "|")
    for index in range(args.classes):
        folder = scratch / f"class{index}"
        made = build(course, mistakes, folder / "export", args.n, rng, args.correct)
        plain = batch(folder / "export", folder / "plain", args.jobs, assignment, similarity=False)
        probed = batch(folder / "export", folder / "probed", args.jobs, assignment, similarity=True)
        precision, recall, listed, last, common_only, chance, with_correct = scored(folder / "probed", made)
        print(f"| {index} | {precision:.2f} | {recall:.2f} | {listed} | {last} | {common_only} | {chance} | {with_correct} "
              f"| {plain:.0f} | {probed:.0f} | "
              f"{100 * (probed - plain) / plain:.0f} % |", flush=True)
    shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    main()
