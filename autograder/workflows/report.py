"""A batch's gradebook and statistics: CSV, failure messages, and two charts."""
import collections
import csv
import json
import re
from pathlib import Path

from .batch import INDEX

NUMBER = re.compile(r"-?\d+(\.\d+)?(e[-+]?\d+)?")


def load(batch_dir):
    """[(submission entry, results)] for every submission of the batch that has results."""
    batch_dir = Path(batch_dir)
    entries = json.loads((batch_dir / INDEX).read_text())
    loaded = []
    for entry in entries:
        path = batch_dir / entry["name"] / "results.json"
        if path.is_file():
            loaded.append((entry, json.loads(path.read_text())))
    return loaded


def _columns(graded):
    """Test columns in the assignment's order: (number, name, max score)."""
    seen = {}
    for _, results in graded:
        for test in results["tests"]:
            seen.setdefault(test["number"], (test["name"], test["max_score"]))
    order = sorted(seen, key=lambda n: [int(p) if p.isdigit() else p for p in n.split(".")])
    return [(n, *seen[n]) for n in order]


def _without_parts(line):
    """``failed (part, part (…)): message`` → ``message``."""
    if not line.startswith("failed ("):
        return line
    depth = 0
    for i, char in enumerate(line[len("failed "):], len("failed ")):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth == 0:
            return line[i + 1:].lstrip(": ")
    return line


def failure_key(output):
    """What a failure says, numbers masked so that the same mistake on different inputs
    counts once: its first line without the list of failed parts, and its hint if any."""
    lines = output.strip().splitlines() or ["(no message)"]
    first = next((line for line in lines if line.startswith("failed (")), lines[0])
    key = _without_parts(first)[:120]
    hint = next((line.strip() for line in lines if line.strip().startswith("hint:")), None)
    return NUMBER.sub("#", key + (f" | {hint[:80]}" if hint else ""))


def summarize(graded):
    columns = _columns(graded)
    passed = collections.Counter()
    failures = collections.Counter()
    for _, results in graded:
        for test in results["tests"]:
            if test["score"] >= test["max_score"]:
                passed[test["number"]] += 1
            else:
                failures[(test["number"], failure_key(test.get("output", "")))] += 1
    n = max(1, len(graded))
    rates = [(number, name, passed[number] / n) for number, name, _ in columns]
    return columns, rates, failures


def write_report(batch_dir, out_dir=None, *, top=15):
    """Write gradebook.csv, pass_rates.csv, failures.txt, scores.png and pass_rates.png;
    returns ({what: path}, the summary to print)."""
    batch_dir = Path(batch_dir)
    out_dir = Path(out_dir or batch_dir / "report")
    out_dir.mkdir(parents=True, exist_ok=True)
    graded = load(batch_dir)
    columns, rates, failures = summarize(graded)
    paths = {name: out_dir / name for name in
             ("gradebook.csv", "pass_rates.csv", "failures.txt", "scores.png", "pass_rates.png")}

    with open(paths["gradebook.csv"], "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["submission", "submitters", "total"] + [f"{n} {name}" for n, name, _ in columns])
        for entry, results in graded:
            scores = {t["number"]: t["score"] for t in results["tests"]}
            writer.writerow([entry["name"], "; ".join(entry["submitters"]), results["score"]]
                            + [scores.get(n, 0) for n, _, _ in columns])
    with open(paths["pass_rates.csv"], "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["test", "name", "max_score", "pass_rate"])
        for (number, name, rate), (_, _, max_score) in zip(rates, columns):
            writer.writerow([number, name, max_score, f"{rate:.3f}"])
    names = {number: name for number, name, _ in columns}
    lines = [f"{count:4d}  {number} {names.get(number, '')}: {message}"
             for (number, message), count in failures.most_common(top)]
    paths["failures.txt"].write_text("\n".join(lines) + "\n")
    _charts([results["score"] for _, results in graded], rates, paths)
    return paths, render_summary(graded, failures, rates)


def _charts(scores, rates, paths):
    import matplotlib
    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    figure, axes = plt.subplots(figsize=(6, 3.5))
    axes.hist(scores, bins=range(0, 102, 5), color="#4c72b0", edgecolor="white")
    axes.set(xlabel="score", ylabel="submissions", title=f"Scores ({len(scores)} submissions)")
    figure.tight_layout()
    figure.savefig(paths["scores.png"], dpi=120)
    plt.close(figure)

    figure, axes = plt.subplots(figsize=(7, max(3, 0.22 * len(rates))))
    labels = [f"{number} {name.split('(')[0].strip()}" for number, name, _ in rates]
    axes.barh(labels[::-1], [100 * r for _, _, r in rates][::-1], color="#55a868")
    axes.set(xlabel="submissions with full marks (%)", xlim=(0, 100), title="Pass rate per test")
    axes.tick_params(axis="y", labelsize=7)
    figure.tight_layout()
    figure.savefig(paths["pass_rates.png"], dpi=120)
    plt.close(figure)


def render_summary(graded, failures, rates, top=5):
    """The few lines ``autograder report`` prints."""
    scores = sorted(r["score"] for _, r in graded)
    if not scores:
        return "No graded submissions."
    mean = sum(scores) / len(scores)
    median = scores[len(scores) // 2]
    lines = [f"{len(scores)} submissions: mean {mean:.1f}, median {median:g}, min {scores[0]:g}, max {scores[-1]:g}",
             "Hardest tests: " + ", ".join(f"{n} {name.split('(')[0].strip()} {100 * r:.0f}%"
                                          for n, name, r in sorted(rates, key=lambda x: x[2])[:top]),
             "Most frequent failures:"]
    lines += [f"  {count:3d} × {number}: {message}" for (number, message), count in failures.most_common(top)]
    return "\n".join(lines)
