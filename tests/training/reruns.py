"""The reference against the training checks, many times with fresh secret seeds (as real
submissions get): every run must pass every training check.

    .venv/bin/python -m tests.training.reruns [--runs 20] [--jobs 2]

On demand: each run trains four models.
"""
import argparse
import tempfile
import time
from pathlib import Path

from tests.corpus.corpus import grade_all
from tests.submissions import assignment_file, reference_submission


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="training-reruns-"))
    submission = reference_submission(folder / "reference")
    started = time.monotonic()
    results = grade_all({f"run {i}": submission for i in range(args.runs)}, folder, jobs=args.jobs,
                        assignment=assignment_file(folder, keep=["training"]))
    failed = 0
    for name, document in results.items():
        lost = [t["name"].split(" ")[0] for t in document["tests"] if t["score"] < t["max_score"]]
        failed += bool(lost)
        print(f"{name:<8} {document['score']:g}/{sum(t['max_score'] for t in document['tests']):g}"
              + (f"  lost: {', '.join(lost)}" if lost else ""))
    print(f"{args.runs} runs in {time.monotonic() - started:.0f} s; runs with a failed training check: {failed}")
    raise SystemExit(1 if failed else 0)


if __name__ == "__main__":
    main()
