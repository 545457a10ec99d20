"""Calibrate the training checks: run the reference's own training under the checks'
budget with many seeds, and write the pass bands to the checks' calibration file.

    .venv/bin/python benchmarks/calibrate_training.py [--runs 24]

A band is mean ± 5·sd_upper, where sd_upper is the 99.9% upper confidence bound of the
standard deviation from the runs (chi-square). If the statistic of a correct submission is
normal with the reference's mean and sd, it falls outside with probability 2·Φ(−5) =
5.7e-7 (two-sided) or Φ(−5) = 2.9e-7 (held-out bounds: only a low value fails).
"""
import argparse
import math
import time

import numpy as np
import torch
import yaml
from scipy.stats import chi2

from checks import training
from autograder import course
from autograder.grader.draw import Draw
from autograder.grader.remote import Remote

WIDTH = 5.0
CHECKS = {"test_aevb_training": "aevb", "test_wake_sleep_training": "wake_sleep",
          "test_gan_training": "gan", "test_bigan_training": "bigan"}


def statistics(remote, seed, check, kind):
    draw = Draw(seed, check)
    if kind in ("aevb", "wake_sleep"):
        function, args, kwargs, extra = training.vae_run(draw, kind)
        reply = remote.reference_only(function, *args, op="train", extra=extra, **kwargs)
        return {"heldout_l100": training.heldout_bound(reply.params)}
    function, args, kwargs, extra = training.gan_run(draw, kind)
    return training.loss_summary(remote.reference_only(function, *args, op="train", extra=extra, **kwargs).value)


def band(values, one_sided):
    values = np.asarray(values)
    n, mean, sd = len(values), float(values.mean()), float(values.std(ddof=1))
    sd_upper = sd * math.sqrt((n - 1) / chi2.ppf(0.001, n - 1))
    return {"mean": round(mean, 4), "sd": round(sd, 4), "runs": n, "low": round(mean - WIDTH * sd_upper, 4),
            "high": float("inf") if one_sided else round(mean + WIDTH * sd_upper, 4)}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=24)
    args = parser.parse_args()
    torch.set_num_threads(1)  # as in the grader
    remote, bands = Remote(course.load().activate(), None, None), {}
    print(f"{'check':<26} {'statistic':<13} {'mean':>9} {'sd':>7} {'min':>9} {'max':>9} {'low':>9} {'high':>9}  s/run")
    for check, kind in CHECKS.items():
        started, runs = time.monotonic(), []
        for seed in range(10_000, 10_000 + args.runs):
            runs.append(statistics(remote, seed, check, kind))
        per_run = (time.monotonic() - started) / args.runs
        bands[check] = {}
        for name in runs[0]:
            values = [r[name] for r in runs]
            bands[check][name] = band(values, one_sided=name == "heldout_l100")
            b = bands[check][name]
            print(f"{check:<26} {name:<13} {b['mean']:>9.3f} {b['sd']:>7.3f} {min(values):>9.3f} {max(values):>9.3f} "
                  f"{b['low']:>9.3f} {b['high']:>9.3f}  {per_run:.1f}")
    header = ("# Written by benchmarks/calibrate_training.py: pass bands of the training checks, from\n"
              f"# {args.runs} reference runs each (seeds 10000+). Band: mean ± {WIDTH:g}·sd_upper (99.9% upper\n"
              "# confidence bound of the sd); false-fail rate for a correct submission, if the statistic is\n"
              "# normal: 5.7e-7 two-sided, 2.9e-7 for the held-out bound (one-sided). Rerun after changing\n"
              "# the training budget in autograder/grader/training.py.\n")
    training.CALIBRATION.write_text(header + yaml.safe_dump({"checks": bands}, sort_keys=False))
    print(f"wrote {training.CALIBRATION}")


if __name__ == "__main__":
    main()
