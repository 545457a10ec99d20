"""Pass bands of training checks, calibrated from reference runs with other seeds.

A band is mean ± WIDTH·sd_upper, where sd_upper is the 99.9% upper confidence bound of the
standard deviation from the runs (chi-square). If a correct submission's statistic is
normal with the reference's mean and sd, it falls outside with probability 2·Φ(−5) =
5.7e-7 (two-sided) or Φ(−5) = 2.9e-7 (one-sided: only a low held-out bound fails).
A course keeps its bands in a YAML file: ``checks: {test: {statistic: band}}``.
"""
import dataclasses
import math

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


def fit(values, one_sided):
    """The band of a statistic's reference values (as stored: rounded plain numbers)."""
    values = np.asarray(values, dtype=np.float64)
    n, mean, sd = len(values), float(values.mean()), float(values.std(ddof=1))
    sd_upper = sd * math.sqrt((n - 1) / chdtri(n - 1, 0.999))
    return {"mean": round(mean, 4), "sd": round(sd, 4), "runs": n, "low": round(mean - WIDTH * sd_upper, 4),
            "high": float("inf") if one_sided else round(mean + WIDTH * sd_upper, 4)}


def read(path):
    """{check: {statistic: Band}} of a calibration file."""
    raw = yaml.safe_load(path.read_text())
    return {check: {name: Band(**band) for name, band in stats.items()} for check, stats in raw["checks"].items()}


def header(writer, runs):
    """The calibration file's header comment."""
    return (f"# Written by {writer}: pass bands of the training checks, from {runs} reference runs each\n"
            f"# (seeds 10000+). Band: mean ± {WIDTH:g}·sd_upper (99.9% upper confidence bound of the sd);\n"
            "# false-fail rate for a correct submission, if the statistic is normal: 5.7e-7 two-sided,\n"
            "# 2.9e-7 for a held-out bound (one-sided). Rerun after changing the training budget.\n")
