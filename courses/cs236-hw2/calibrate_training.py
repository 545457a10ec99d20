"""Calibrate this course's training checks: train with the reference's bound under the
checks' budget for many seeds, and write the pass bands to checks/training_calibration.yaml.

    .venv/bin/python courses/cs236-hw2/calibrate_training.py [--runs 24]
"""
import argparse
import time
from pathlib import Path

import torch
import yaml

from autograder import course
from autograder.grader import bands
from autograder.grader.draw import Draw
from autograder.grader.remote import Remote

HERE = course.load(Path(__file__).resolve().parent)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=24)
    args = parser.parse_args()
    torch.set_num_threads(1)  # as in the grader
    remote = Remote(HERE.activate(), None, None)
    from checks import training

    found = {}
    for kind in training.MODELS:
        check, started, values = f"test_{kind}_training", time.monotonic(), []
        for seed in range(10_000, 10_000 + args.runs):
            function, extra = training.run(Draw(seed, check), kind)
            trained = dict(remote.reference_only(function, op="model_training", extra=extra, seed=seed).value)
            trained.pop("losses")
            values.append(-training.heldout_niwae(kind, trained))  # bands are one-sided low: negate
        band = bands.fit(values, one_sided=True)
        found[check] = {"heldout_niwae100": {"mean": -band["mean"], "sd": band["sd"], "runs": band["runs"],
                                             "low": float("-inf"), "high": -band["low"]}}
        print(f"{check}: NIWAE-100 mean {-band['mean']:.3f}, sd {band['sd']:.3f}, min {-max(values):.3f}, "
              f"max {-min(values):.3f}, pass mark {-band['low']:.3f}; {(time.monotonic() - started) / args.runs:.1f} s/run")
    text = bands.header("courses/cs236-hw2/calibrate_training.py", args.runs) + yaml.safe_dump({"checks": found},
                                                                                                sort_keys=False)
    training.CALIBRATION.write_text(text)
    print(f"wrote {training.CALIBRATION}")


if __name__ == "__main__":
    main()
