"""Calibrate the training checks: run the reference's own training under the checks'
budget with many seeds, and write the pass bands to the checks' calibration file.

    .venv/bin/python benchmarks/calibrate_training.py [--runs 24]

The band rule and its false-fail rate: autograder/grader/bands.py.
"""
import argparse
import sys
import time
from pathlib import Path

import torch
import yaml

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the bundled course's packages

from autograder import course  # noqa: E402
from autograder.grader import bands as band_rule  # noqa: E402
from autograder.grader.draw import Draw  # noqa: E402
from autograder.grader.remote import Remote  # noqa: E402
from checks import training  # noqa: E402

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
            bands[check][name] = band_rule.fit(values, one_sided=name == "heldout_l100")
            b = bands[check][name]
            print(f"{check:<26} {name:<13} {b['mean']:>9.3f} {b['sd']:>7.3f} {min(values):>9.3f} {max(values):>9.3f} "
                  f"{b['low']:>9.3f} {b['high']:>9.3f}  {per_run:.1f}")
    header = band_rule.header("benchmarks/calibrate_training.py", args.runs)
    training.CALIBRATION.write_text(header + yaml.safe_dump({"checks": bands}, sort_keys=False))
    print(f"wrote {training.CALIBRATION}")


if __name__ == "__main__":
    main()
