"""Calibrate the bundled course's training checks: run the reference's own training under
the checks' budget with many seeds, and write the pass bands to the checks' calibration file.

    .venv/bin/python benchmarks/calibrate_training.py [--runs 24]

The band rule and its false-fail rate: autograder/grader/bands.py.
"""
import argparse
import sys
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the bundled course's packages

from autograder.api import Draw, Reference, calibrate  # noqa: E402
from checks import training  # noqa: E402

CHECKS = {"test_aevb_training": ("aevb", {"heldout_l100": "low"}),  # a low held-out bound fails
          "test_wake_sleep_training": ("wake_sleep", {"heldout_l100": "low"}),
          "test_gan_training": ("gan", {"d_loss": "both", "g_loss": "both"}),
          "test_bigan_training": ("bigan", {"d_loss": "both", "g_loss": "both"})}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=24)
    args = parser.parse_args()
    torch.set_num_threads(1)  # as in the grader
    reference = Reference.of()

    def measure(check, seed):
        draw, kind = Draw(seed, check), CHECKS[check][0]
        if kind in ("aevb", "wake_sleep"):
            function, args_, kwargs, extra = training.vae_run(draw, kind)
            reply = reference.run(function, *args_, op="train", extra=extra, **kwargs)
            return {"heldout_l100": training.heldout_bound(reference.run, reply.params)}
        function, args_, kwargs, extra = training.gan_run(draw, kind)
        return training.loss_summary(reference.run(function, *args_, op="train", extra=extra, **kwargs).value)

    calibrate(training.CALIBRATION, "benchmarks/calibrate_training.py",
              {check: statistics for check, (_, statistics) in CHECKS.items()}, measure, args.runs)


if __name__ == "__main__":
    main()
