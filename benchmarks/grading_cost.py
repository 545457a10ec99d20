"""What a grading costs: under Gradescope's default limits and unconstrained, with a
breakdown and the harness overhead; on CUDA too where there is one. Graded: the bundled
reference (as a student's folder), CS236's reference (as the homework's zip), and a slow
correct CS236 homework whose GMVAE takes its mixture prior one example and one component
at a time (K = 500 served ``log_normal`` calls an example, tests/cs236/test_slow_homework.py).

    .venv/bin/python benchmarks/grading_cost.py [--limits WRAPPER]

``--limits`` is a wrapper that runs a command under Gradescope's limits and prints a line
``limits: ... wall_s=… cpu_s=… peak_mb=…`` (768 MB and half a CPU, as Gradescope sets them); without it
the constrained rows are skipped. Prints a Markdown table.
"""
import argparse
import json
import re
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.cs236.submissions import COURSE as CS236, folder_submission, zip_submission  # noqa: E402
from tests.cs236.test_slow_homework import slow_gmvae  # noqa: E402
from tests.submissions import assignment_file, reference_submission  # noqa: E402


def grade(submission, results, assignment=None, wrapper=(), device="cpu", course=None):
    """(wall_s, cpu_s or None, peak_mb or None, score, timing {part: s}, served frames) of one
    grading: Gradescope's entry point for the bundled course, ``autograder grade`` for another."""
    entry = ([str(ROOT / "run_autograder"), "--submission", str(submission)] if course is None else
             [sys.executable, "-m", "autograder.cli", "grade", str(submission), "--course", str(course)])
    command = [*wrapper, *entry, "--results", str(results), "--seed", "1", "--quiet", "--device", device] + \
        (["--assignment", str(assignment)] if assignment else [])
    started = time.monotonic()
    process = subprocess.run(command, capture_output=True, text=True)
    wall = time.monotonic() - started
    out = process.stdout + process.stderr
    limits = dict(re.findall(r"(\w+)=([\d.]+)", next((l for l in out.splitlines() if l.startswith("limits:")), "")))
    timing = dict((k.strip(), float(v)) for k, v in re.findall(r"([\w ]+?) ([\d.]+)(?:,|$)",
                  next((l for l in out.splitlines() if l.startswith("timing (s):")), "").removeprefix("timing (s): ")))
    frames = re.search(r"\((\d+) served helper frames\)", out)
    score = json.loads(Path(results).read_text())["score"]
    return (float(limits.get("wall_s", wall)), float(limits["cpu_s"]) if "cpu_s" in limits else None,
            float(limits["peak_mb"]) if "peak_mb" in limits else None, score, timing,
            int(frames.group(1)) if frames else 0)


def torch_import_s(python):
    runs = []
    for _ in range(3):
        started = time.monotonic()
        subprocess.run([python, "-c", "import torch"], check=True)
        runs.append(time.monotonic() - started)
    return min(runs)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limits", default=None, help="the Gradescope-limits wrapper command")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="grading-cost-"))
    submission = reference_submission(folder / "submission")
    unit = assignment_file(folder, drop=["training"])
    homework = zip_submission(folder / "cs236")
    slow = folder_submission(folder / "cs236-slow", {"models/gmvae.py": slow_gmvae()})
    (folder / "cs236-unit").mkdir()  # beside the bundled one, which has the same name
    cs236_unit = assignment_file(folder / "cs236-unit", drop=["training"], course=CS236)
    wrapper = [args.limits, "--"] if args.limits else None
    rows = []
    for label, graded, assignment, wrap, course in [
            ("bundled, Gradescope limits (768 MB, 0.5 CPU), everything", submission, None, wrapper, None),
            ("bundled, Gradescope limits, unit-level checks only", submission, unit, wrapper, None),
            ("CS236 (the homework's zip), Gradescope limits, everything", homework, None, wrapper, CS236),
            ("CS236, a slow correct homework (its GMVAE's mixture one example and one component at a time, "
             "K = 500), Gradescope limits, unit-level checks only", slow, cs236_unit, wrapper, CS236),
            ("bundled, 2 unconstrained cores, everything", submission, None, (), None),
            ("bundled, 2 unconstrained cores, unit-level checks only", submission, unit, (), None)]:
        if wrap is None:
            continue
        rows.append((label, *grade(graded, folder / "results.json", assignment, wrap, course=course)))
    try:
        import torch
        if torch.cuda.is_available():
            rows.append(("bundled, CUDA, everything",
                         *grade(submission, folder / "results.json", None, (), device="cuda")))
    except ImportError:
        pass

    print("| run | wall s | CPU s | peak MB | score | served helper frames (s) |")
    print("|---|---|---|---|---|---|")
    for label, wall, cpu, peak, score, timing, frames in rows:
        print(f"| {label} | {wall:.1f} | {'' if cpu is None else f'{cpu:.1f}'} | "
              f"{'' if peak is None else f'{peak:.0f}'} | {score:g} | "
              f"{frames} ({timing.get('served helpers', 0.0):.1f}) |")

    _, wall, _, _, _, timing, _ = next(r for r in rows if r[0] == "bundled, 2 unconstrained cores, everything")
    imported = torch_import_s(sys.executable)
    print("\nBreakdown of the unconstrained run (seconds; problems include the worker's side of each call):")
    print("| part | s |\n|---|---|")
    print(f"| torch import (one process) | {imported:.2f} |")
    for part, seconds in timing.items():
        print(f"| {part} | {seconds:.2f} |")
    compute = timing.get("reference", 0.0) + timing.get("worker training", 0.0)
    print(f"\nharness overhead = total / (torch import + the reference's compute: its calls in the grader and its "
          f"training steps in the worker) = {wall:.1f} / ({imported:.2f} + {compute:.2f}) = "
          f"{wall / (imported + compute):.2f}x")


if __name__ == "__main__":
    main()
