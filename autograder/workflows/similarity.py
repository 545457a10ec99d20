"""Behavioural similarity, for the instructor's report: submissions that answer the same
unseen inputs wrongly in the same way.

Gradescope compares code text; a copy renamed and reformatted keeps its behaviour, down to
the same wrong value on inputs nobody saw before. ``batch --similarity`` keeps one probe
seed per batch folder (``probe.json``, drawn once, never a grading seed), and after each
grading runs the checks again on it with the same worker, keeping per graded function a
fingerprint of its wrong answers (grader/fingerprints.py) in ``<submission>/fingerprints.json``.
Grades never depend on it.

This module reads those files back: the groups of submissions that share a wrong
fingerprint, each with its rarity in the class, and the pairs ranked by

    score(a, b) = Σ over the wrong fingerprints a and b share of w · −log(share)

where ``share`` is the fraction of the probed class with that fingerprint and ``w`` is
``KNOWN_WEIGHT`` for a mistake a hint of the course names (students make those on their
own) and 1 otherwise. A mistake most of the class makes adds almost nothing; several rare
identical wrong answers shared by two students add up. A correct answer is never counted.
It is evidence for a person to weigh, never a finding: the text says so.
"""
import collections
import csv
import json
import math
import secrets
from dataclasses import dataclass, field
from pathlib import Path

from ..grader import fingerprints as rule

PROBE = "probe.json"  # the batch's probe seed, in the batch folder
KNOWN_WEIGHT = 0.5  # a mistake the course's hints name: an anticipated one, weaker evidence
TOP = 15  # pairs detailed in the text


@dataclass(frozen=True)
class Probed:
    """One submission's fingerprints: {function: fingerprint} of its wrong functions, with the
    hints its probe pass printed, and the functions it could not compare."""
    name: str
    label: str
    wrong: dict  # {function: fingerprint}
    hints: dict = field(default_factory=dict)  # {function: hint line}
    skipped: dict = field(default_factory=dict)  # {function: why}


@dataclass(frozen=True)
class Group:
    """Submissions that answered ``function`` wrongly with the same fingerprint."""
    function: str
    fingerprint: str
    members: tuple  # submission names
    size: int  # the probed class
    hint: str | None = None

    @property
    def share(self):
        return len(self.members) / self.size

    @property
    def weight(self):
        """What sharing it adds to a pair's score."""
        return (KNOWN_WEIGHT if self.hint else 1.0) * -math.log(self.share)


@dataclass(frozen=True)
class Pair:
    a: str
    b: str
    score: float
    groups: tuple  # the Groups both belong to

    @property
    def functions(self):
        return tuple(g.function for g in self.groups)

    @property
    def rarest(self):
        return min(self.groups, key=lambda g: len(g.members))


@dataclass(frozen=True)
class Similarity:
    probed: tuple  # of Probed
    not_probed: tuple  # submission names without current fingerprints
    groups: tuple
    pairs: tuple

    @property
    def skipped(self):
        """{function: why} of the functions whose answers were not compared."""
        found = {}
        for each in self.probed:
            for function, why in each.skipped.items():
                found.setdefault(function, why)
        return dict(sorted(found.items()))


# the probe seed ---------------------------------------------------------------------------
def probe_seed(batch_dir, avoid=None):
    """The batch folder's probe seed, drawn and kept in ``probe.json`` the first time: the same
    for every submission of the class, and never ``avoid`` (the batch's fixed grading seed)."""
    path = Path(batch_dir) / PROBE
    if path.is_file():
        return int(json.loads(path.read_text())["seed"])
    seed = secrets.randbits(62)
    while avoid is not None and seed == int(avoid):
        seed = secrets.randbits(62)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps({"seed": seed, "why": "the class-wide probe inputs of the similarity report; "
                                                     "never a grading seed"}, indent=1))
    return seed


def current(path, seed, course):
    """The fingerprints document at ``path`` where it is of this probe seed, course and rule; else None."""
    try:
        document = json.loads(Path(path).read_text())
    except (OSError, ValueError):
        return None
    fits = document.get("version") == rule.VERSION and document.get("probe_seed") == seed and \
        (course is None or document.get("course") == course)
    return document if fits else None


def probe_missing(batch, log=print):
    """Probe the graded submissions of ``batch`` (a batch.Batch with ``probe_seed``) that have no
    current fingerprints (graded before ``--similarity``, or on a cluster): a grading on the
    probe seed alone, its results thrown away. Returns how many were probed."""
    from concurrent.futures import ThreadPoolExecutor

    from .batch import grade_folder, read_results

    course = batch.current.course
    todo = [s for s in batch.submissions if read_results(batch.results_path(s)) is not None
            and current(batch.results_path(s).with_name(rule.FILE), batch.probe_seed, course) is None]
    if todo:
        log(f"similarity: probing {len(todo)} submission(s) graded without it (their results are not touched)")

    def one(submission):
        scratch = batch.results_path(submission).with_name("probe-results.json")  # thrown away
        log_text = grade_folder(submission.path, scratch, timeout=batch.timeout, seed=batch.probe_seed,
                                device=batch.device, course=batch.course, assignment=batch.assignment,
                                stop=batch.stop, probe_seed=batch.probe_seed)
        scratch.unlink(missing_ok=True)
        scratch.with_name("probe.log").write_text(log_text)
    with ThreadPoolExecutor(max(1, batch.jobs)) as pool:
        list(pool.map(one, todo))
    return len(todo)


# reading and ranking ----------------------------------------------------------------------
def load(batch_dir, batch):
    """(the Probed submissions, the names of those without current fingerprints) of a batch
    folder whose ``batch`` (graded.Graded records) it holds: files of another probe seed,
    rule or course version than the batch's are not compared."""
    batch_dir = Path(batch_dir)
    seed = json.loads((batch_dir / PROBE).read_text())["seed"]
    documents = {each.name: current(batch_dir / each.name / rule.FILE, seed, None) for each in batch}
    courses = collections.Counter(d["course"] for d in documents.values() if d)
    course = courses.most_common(1)[0][0] if courses else None
    probed, missing = [], []
    for each in batch:
        document = documents[each.name]
        if document is None or document["course"] != course:
            missing.append(each.name)
            continue
        functions = document["functions"]
        probed.append(Probed(each.name, each.label,
                             {f: r["fingerprint"] for f, r in functions.items() if r["fingerprint"]},
                             {f: r["hint"] for f, r in functions.items() if r.get("hint")},
                             document.get("skipped", {})))
    return probed, missing


def groups_of(probed):
    """The Groups of two or more submissions sharing a wrong fingerprint, the rarest first."""
    members = collections.defaultdict(list)
    for each in probed:
        for function, fingerprint in each.wrong.items():
            members[(function, fingerprint)].append(each)
    found = [Group(function, fingerprint, tuple(p.name for p in who), len(probed),
                   next((p.hints[function] for p in who if function in p.hints), None))
             for (function, fingerprint), who in members.items() if len(who) >= 2]
    return sorted(found, key=lambda g: (len(g.members), g.function, g.fingerprint))


def ranked_pairs(groups):
    """Every pair that shares a wrong fingerprint with some weight, the highest score first."""
    shared = collections.defaultdict(list)
    for group in groups:
        for i, a in enumerate(group.members):
            for b in group.members[i + 1:]:
                shared[tuple(sorted((a, b)))].append(group)
    pairs = [Pair(a, b, sum(g.weight for g in gs), tuple(gs)) for (a, b), gs in shared.items()]
    return sorted((p for p in pairs if p.score > 0), key=lambda p: (-p.score, p.a, p.b))


def analyse(probed, not_probed=()):
    groups = groups_of(probed)
    return Similarity(tuple(probed), tuple(not_probed), tuple(groups), tuple(ranked_pairs(groups)))


# writing ------------------------------------------------------------------------------------
def write_csv(found, path):
    labels = {p.name: p.label for p in found.probed}
    with open(path, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["rank", "submission_a", "submission_b", "score", "shared_functions", "functions",
                         "rarest_share", "known_mistakes"])
        for rank, pair in enumerate(found.pairs, 1):
            rarest = pair.rarest
            writer.writerow([rank, labels[pair.a], labels[pair.b], f"{pair.score:.2f}", len(pair.groups),
                             "; ".join(pair.functions), f"{len(rarest.members)}/{rarest.size}",
                             "; ".join(g.hint for g in pair.groups if g.hint)])


def render(found):
    """similarity.txt: what it is, the ranked pairs, the groups, what was not compared."""
    labels = {p.name: p.label for p in found.probed}
    n = len(found.probed)
    lines = [
        "Behavioural similarity: submissions that answered the same unseen probe inputs wrongly in the same way",
        "(the same wrong values, to 3 significant digits, on inputs no student saw). This is evidence for a",
        "person to weigh, not a finding: a common mistake can be made independently, a shared approach or a",
        "shared helper from a study group can explain a match, and a correct answer is never counted.",
        f"Pair score: the sum over shared wrong answers of -log(share of the {n} probed submissions with it),",
        "halved for a mistake a hint of the course names.",
        "",
    ]
    if not found.pairs:
        lines.append("No two submissions share a wrong answer.")
    else:
        lines.append(f"Pairs, highest score first ({len(found.pairs)} in similarity.csv; the first {TOP} here):")
        for rank, pair in enumerate(found.pairs[:TOP], 1):
            lines.append(f"{rank:3d}. {pair.score:6.2f}  {labels[pair.a]}  &  {labels[pair.b]}: "
                         f"{len(pair.groups)} function(s) answered wrongly alike")
            lines += [f"        {g.function}: shared by {len(g.members)} of {g.size}" + (f" ({g.hint})" if g.hint else "")
                      for g in pair.groups]
    if found.groups:
        lines += ["", "Groups sharing a wrong answer, the rarest first:"]
        for group in found.groups:
            lines.append(f"  {group.function} [{group.fingerprint}]: {len(group.members)} of {group.size}"
                         + (f", known mistake: {group.hint}" if group.hint else ""))
            lines.append("    " + ", ".join(labels[m] for m in group.members))
    if found.skipped:
        lines += ["", "Not compared (their answers are not reproducible across submissions):"]
        lines += [f"  {function}: {why}" for function, why in found.skipped.items()]
    if found.not_probed:
        lines += ["", f"Not probed ({len(found.not_probed)}; run `autograder batch ... --similarity` again): "
                  + ", ".join(found.not_probed)]
    return "\n".join(lines) + "\n"


def heatmap(found, path):
    """similarity.png: the pair scores, submissions × submissions."""
    import numpy as np

    from .charts import pyplot

    names = [p.name for p in found.probed]
    index = {name: i for i, name in enumerate(names)}
    scores = np.zeros((len(names), len(names)))
    for pair in found.pairs:
        scores[index[pair.a], index[pair.b]] = scores[index[pair.b], index[pair.a]] = pair.score
    plt = pyplot()
    size = min(12, max(4, 0.18 * len(names) + 2))
    figure, axes = plt.subplots(figsize=(size + 1, size))
    image = axes.imshow(scores, cmap="Reds", vmin=0)
    labelled = len(names) <= 60
    axes.set_xticks(range(len(names)) if labelled else [])
    axes.set_yticks(range(len(names)) if labelled else [])
    if labelled:
        axes.set_xticklabels(names, rotation=90, fontsize=6)
        axes.set_yticklabels(names, fontsize=6)
    axes.set_title("Shared rare wrong answers (pair score)")
    figure.colorbar(image, ax=axes, shrink=0.8)
    figure.tight_layout()
    figure.savefig(path, dpi=120)
    plt.close(figure)


def summary_line(found):
    if not found.pairs:
        return f"Similarity: {len(found.probed)} submissions probed; no two share a wrong answer (similarity.txt)."
    top = found.pairs[0]
    return (f"Similarity: {len(found.pairs)} pair(s) share wrong answers on the probe inputs; the highest, "
            f"{top.score:.1f}, {top.a} & {top.b} ({len(top.groups)} function(s)); evidence to weigh, in similarity.txt")


def probed(batch_dir):
    """Whether the batch folder was graded with ``--similarity``."""
    return (Path(batch_dir) / PROBE).is_file()


def write(batch_dir, batch, out_dir):
    """The report's similarity section: ({what: path}, its summary line)."""
    found = analyse(*load(batch_dir, batch))
    paths = {name: Path(out_dir) / name for name in ("similarity.csv", "similarity.txt", "similarity.png")}
    write_csv(found, paths["similarity.csv"])
    paths["similarity.txt"].write_text(render(found))
    heatmap(found, paths["similarity.png"])
    return paths, summary_line(found)
