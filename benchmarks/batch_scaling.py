"""`autograder batch` on 20 submissions with 1 and with 2 jobs: the speed-up.

    .venv/bin/python benchmarks/batch_scaling.py [--n 20] [--everything]

The submissions are the reference and single-mistake variants from the test corpus. By
default the training problem is left out (as in the test suite); ``--everything`` grades
the whole assignment.
"""
import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.corpus.variants import VARIANTS, replaced  # noqa: E402
from tests.submissions import assignment_file, reference_submission  # noqa: E402

MISTAKES = [v for v in VARIANTS if v.kind == "mistake" and v.changed]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=20)
    parser.add_argument("--everything", action="store_true")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="batch-scaling-"))
    for i in range(args.n):
        variant = MISTAKES[i % len(MISTAKES)] if i % 2 else None
        reference_submission(folder / "class" / f"s{i:02d}",
                             replace=None if variant is None else replaced(variant))
    assignment = [] if args.everything else ["--assignment", str(assignment_file(folder, drop=["training"]))]
    times = {}
    for jobs in (1, 2):
        shutil.rmtree(folder / "graded", ignore_errors=True)
        started = time.monotonic()
        subprocess.run([sys.executable, "-m", "autograder.cli", "batch", str(folder / "class"), "--out",
                        str(folder / "graded"), "-j", str(jobs), "--no-progress", "--seed", "1", *assignment],
                       check=True, capture_output=True, cwd=ROOT)
        times[jobs] = time.monotonic() - started
    print(f"| jobs | wall s for {args.n} submissions | s per submission |\n|---|---|---|")
    for jobs, seconds in times.items():
        print(f"| {jobs} | {seconds:.1f} | {seconds / args.n:.2f} |")
    print(f"\nspeed-up with 2 jobs: {times[1] / times[2]:.2f}x")


if __name__ == "__main__":
    main()
