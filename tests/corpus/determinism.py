"""Rerun drift: grade the reference, five variants and two alternatives 20 times each, with
a fresh secret seed every time (as real submissions get), and report any score that moves.

    .venv/bin/python -m tests.corpus.determinism [--runs 20] [--jobs 2]

Run on demand: 160 gradings take several minutes, too long for CI.
"""
import argparse
import tempfile
import time

from tests.corpus.corpus import alternative_submissions, grade_all, variant_submissions
from tests.submissions import reference_submission

VARIANTS = ["rand_like instead of randn_like", "the ½ missing in the Gaussian KL",
            "the mean of log-weights instead of log-mean-exp", "masks A and B swapped",
            "a GAN step that updates G against the stale D"]
ALTERNATIVES = ["distributions", "notebook"]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--jobs", type=int, default=2)
    args = parser.parse_args()
    folder = tempfile.mkdtemp(prefix="determinism-")
    variants, alternatives = variant_submissions(folder + "/v"), alternative_submissions(folder + "/a")
    chosen = {"reference": reference_submission(folder + "/reference"),
              **{name: variants[name] for name in VARIANTS}, **{name: alternatives[name] for name in ALTERNATIVES}}
    started = time.monotonic()
    runs = {f"{name}#{i}": path for name, path in chosen.items() for i in range(args.runs)}
    results = grade_all(runs, folder, jobs=args.jobs)
    drifted = 0
    print(f"{'submission':<55} {'runs':>4}  scores")
    for name in chosen:
        scores = sorted({results[f"{name}#{i}"]["score"] for i in range(args.runs)})
        drifted += len(scores) > 1
        print(f"{name:<55} {args.runs:>4}  {scores}")
    print(f"{len(runs)} gradings in {time.monotonic() - started:.0f} s; submissions whose score moved: {drifted}")
    raise SystemExit(1 if drifted else 0)


if __name__ == "__main__":
    main()
