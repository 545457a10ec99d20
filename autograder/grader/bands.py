"""Pass bands of training checks, calibrated from reference runs with other seeds.

A band is mean ± WIDTH·sd_upper, where sd_upper is the 99.9% upper confidence bound of the
standard deviation from the runs (chi-square). If a correct submission's statistic is
normal with the reference's mean and sd, it falls outside with probability 2·Φ(−5) =
5.7e-7 (two-sided) or Φ(−5) = 2.9e-7 (one-sided: only a low held-out bound fails, or only
a high negative bound). A course keeps its bands in a YAML file:
``checks: {test: {statistic: band}}``, written by ``calibrate``.
"""
import dataclasses
import math
import time
from pathlib import Path

import numpy as np
import yaml
from scipy.special import chdtri

WIDTH = 5.0


@dataclasses.dataclass(frozen=True)
class Band:
    mean: float
    sd: float
    low: float
    high: float
    runs: int

    def contains(self, value):
        return self.low <= value <= self.high


def fit_band(values, fails="both"):
    """The band of a statistic's reference values (as stored: rounded plain numbers).
    ``fails``: which side fails a submission: "both", "low" (a held-out bound: only a low
    value fails) or "high" (a negative bound: only a high value fails)."""
    if fails not in ("both", "low", "high"):
        raise ValueError(f"fails must be 'both', 'low' or 'high', not {fails!r}")
    values = np.asarray(values, dtype=np.float64)
    n, mean, sd = len(values), float(values.mean()), float(values.std(ddof=1))
    sd_upper = sd * math.sqrt((n - 1) / chdtri(n - 1, 0.999))
    return {"mean": round(mean, 4), "sd": round(sd, 4), "runs": n,
            "low": float("-inf") if fails == "high" else round(mean - WIDTH * sd_upper, 4),
            "high": float("inf") if fails == "low" else round(mean + WIDTH * sd_upper, 4)}


def calibrate(target, writer, checks, measure, runs=24):
    """Measure each check's statistics over ``runs`` reference runs (seeds 10000, 10001, …)
    and write their bands to ``target``; prints a table, returns the bands.
    ``checks``: {check: {statistic: fails}}; ``measure(check, seed)`` -> {statistic: value}."""
    found = {}
    print(f"{'check':<26} {'statistic':<17} {'mean':>9} {'sd':>7} {'min':>9} {'max':>9} {'low':>9} {'high':>9}  s/run")
    for check, statistics in checks.items():
        started = time.monotonic()
        measured = [measure(check, seed) for seed in range(10_000, 10_000 + runs)]
        per_run = (time.monotonic() - started) / runs
        found[check] = {}
        for name, fails in statistics.items():
            values = [m[name] for m in measured]
            band = found[check][name] = fit_band(values, fails)
            print(f"{check:<26} {name:<17} {band['mean']:>9.3f} {band['sd']:>7.3f} {min(values):>9.3f} "
                  f"{max(values):>9.3f} {band['low']:>9.3f} {band['high']:>9.3f}  {per_run:.1f}")
    Path(target).write_text(header(writer, runs) + yaml.safe_dump({"checks": found}, sort_keys=False))
    print(f"wrote {target}")
    return found


def read_bands(path):
    """{check: {statistic: Band}} of a calibration file."""
    raw = yaml.safe_load(path.read_text())
    return {check: {name: Band(**band) for name, band in stats.items()} for check, stats in raw["checks"].items()}


def header(writer, runs):
    """The calibration file's header comment."""
    return (f"# Written by {writer}: pass bands of the training checks, from {runs} reference runs each\n"
            f"# (seeds 10000+). Band: mean ± {WIDTH:g}·sd_upper (99.9% upper confidence bound of the sd);\n"
            "# false-fail rate for a correct submission, if the statistic is normal: 5.7e-7 two-sided,\n"
            "# 2.9e-7 one-sided. Rerun after changing the training budget.\n")
