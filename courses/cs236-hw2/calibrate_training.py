"""Calibrate this course's training checks: train with the reference's bound under the
checks' budget for many seeds, and write the pass bands to checks/training_calibration.yaml.

    .venv/bin/python courses/cs236-hw2/calibrate_training.py [--runs 24]
"""
import argparse
from pathlib import Path

import torch

from autograder.api import Draw, Reference, calibrate

HERE = Path(__file__).resolve().parent


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=24)
    args = parser.parse_args()
    torch.set_num_threads(1)  # as in the grader
    reference = Reference.of(HERE)
    from checks import training

    def measure(check, seed):
        kind = check.removeprefix("test_").removesuffix("_training")
        function, extra = training.run(Draw(seed, check), kind)
        trained = dict(reference.run(function, op="model_training", extra=extra, seed=seed).value)
        trained.pop("losses")
        return {"heldout_niwae100": training.heldout_niwae(kind, trained)}

    checks = {f"test_{kind}_training": {"heldout_niwae100": "high"} for kind in training.MODELS}  # a high NIWAE fails
    calibrate(training.CALIBRATION, "courses/cs236-hw2/calibrate_training.py", checks, measure, args.runs)


if __name__ == "__main__":
    main()
