"""Exact statistical tests for samplers whose noise is not injected.

Every test returns a p-value; a check fails when p < ALPHA. Each p-value is exact under
the null hypothesis (a correct sampler), so ALPHA is the false-fail rate of one check.
Chi-square tails come from scipy.special, which imports in a fraction of scipy.stats' time.

A statistic that is NaN, infinite or outside its support (a negative χ²), or data holding a
NaN or an infinity, is as far from the null as can be: its p-value is 0, never NaN. NaN
would pass by accident: ``min(1.0, nan)`` is 1.0 and ``nan < ALPHA`` is false.
"""
import dataclasses

import numpy as np
from scipy.special import chdtr, chdtrc

ALPHA = 1e-6


def bonferroni(pvalues):
    """One p-value for several tests of one hypothesis: min(1, n · min p); 0 when any is
    not a number in [0, 1] (it came from a statistic outside its support)."""
    pvalues = np.asarray(list(pvalues), dtype=np.float64)
    if pvalues.size == 0 or not np.all((pvalues >= 0) & (pvalues <= 1)):  # False for NaN
        return 0.0
    return float(np.minimum(1.0, pvalues.min() * pvalues.size))


def chi2_pvalue(value, dof):
    """Two-sided p-value of a χ²_dof statistic; 0 outside its support [0, ∞)."""
    value = float(value)
    if not (dof > 0 and 0.0 <= value < np.inf):  # False for NaN
        return 0.0
    return bonferroni([chdtr(dof, value), chdtrc(dof, value)])


def gaussian_pvalue(samples, mean, cov):
    """p-value that ``samples`` [n, K] are i.i.d. N(mean, cov).

    With L the Cholesky factor of ``cov`` and w = L⁻¹(x − mean):
    n·|w̄|² ~ χ²_K tests the mean, and for every direction v in {e_i} ∪ {(e_i ± e_j)/√2}
    Σ_t (vᵀ w_t)² ~ χ²_n tests the covariance. The minimum over these tests is
    Bonferroni-corrected, so the result is a valid p-value.
    """
    x = np.asarray(samples, dtype=np.float64)
    n, k = x.shape
    if not np.isfinite(x).all():
        return 0.0
    chol = np.linalg.cholesky(np.asarray(cov, dtype=np.float64))
    w = np.linalg.solve(chol, (x - np.asarray(mean, dtype=np.float64)).T).T
    with np.errstate(over="ignore"):  # a statistic of inf has p = 0
        return _whitened_pvalue(w)


def _whitened_pvalue(w):
    n, k = w.shape
    pvalues = [chdtrc(k, n * np.sum(w.mean(0) ** 2))]
    directions = list(np.eye(k))
    for i in range(k):
        for j in range(i + 1, k):
            for sign in (1.0, -1.0):
                v = np.zeros(k)
                v[i], v[j] = 1.0, sign
                directions.append(v / np.sqrt(2.0))
    for v in directions:
        pvalues.append(chi2_pvalue(np.sum((w @ v) ** 2), n))
    return bonferroni(pvalues)


@dataclasses.dataclass(frozen=True)
class GaussianEvidence:
    """What a test of draws against N(mean, cov) saw, for a message: where the draws sit and
    how they spread, each against the law, with its own exact p-value."""
    n: int
    shift: float  # the draws' mean from the law's, in standard errors (√n·|w̄|, w whitened)
    spread: float  # the draws' spread as a multiple of the law's (rms of w about its mean)
    shift_pvalue: float  # n·|w̄|² ~ χ²_K
    spread_pvalue: float  # Σ_t |w_t − w̄|² ~ χ²_{(n−1)K}
    mean: float | None = None  # one dimension: the draws' mean, the law's, and the law's sd
    law_mean: float | None = None
    law_sd: float | None = None

    def describe(self):
        """The evidence in words, and which of values or noise it points at."""
        if self.mean is not None:
            seen = (f"over {self.n} draws the mean is {self.mean:.4g} where the law predicts "
                    f"{self.law_mean:.4g} ± {self.law_sd / np.sqrt(self.n):.2g}, and the spread is "
                    f"{self.spread:.3g} times the law's standard deviation {self.law_sd:.3g}")
        else:
            seen = (f"over {self.n} draws the mean is {self.shift:.3g} standard errors from the law's, and the "
                    f"spread is {self.spread:.3g} times the law's")
        shifted, scaled = self.shift_pvalue <= ALPHA, self.spread_pvalue <= ALPHA
        if shifted and not scaled:
            return seen + ": the values themselves are off, not only their noise"
        if scaled and not shifted and self.spread < 1:
            return seen + (": the values vary far less than the law says, as when a term meant to be estimated at "
                           "the drawn noise is computed in closed form, or the noise is scaled down")
        if scaled and not shifted:
            return seen + ": the values vary more than the law says: check how the noise is drawn and scaled"
        if shifted:
            return seen + ": both where the values sit and how they spread are off"
        return seen


def gaussian_evidence(samples, mean, cov):
    """GaussianEvidence of ``samples`` [n, K] against N(mean, cov); None where a value is
    not finite (the message says so instead)."""
    x = np.asarray(samples, dtype=np.float64)
    n, k = x.shape
    if not np.isfinite(x).all() or n < 2:
        return None
    cov = np.asarray(cov, dtype=np.float64)
    w = np.linalg.solve(np.linalg.cholesky(cov), (x - np.asarray(mean, dtype=np.float64)).T).T
    with np.errstate(over="ignore"):
        centred = float(np.sum((w - w.mean(0)) ** 2))
        found = dict(n=n, shift=float(np.sqrt(n) * np.linalg.norm(w.mean(0))),
                     spread=float(np.sqrt(centred / ((n - 1) * k))),
                     shift_pvalue=float(chdtrc(k, n * np.sum(w.mean(0) ** 2))),
                     spread_pvalue=chi2_pvalue(centred, (n - 1) * k))
    if k == 1:
        found.update(mean=float(x.mean()), law_mean=float(np.ravel(mean)[0]), law_sd=float(np.sqrt(cov[0, 0])))
    return GaussianEvidence(**found)


def fresh_draws_pvalue(first, second, cov):
    """p-value that ``first`` and ``second`` [n, K], drawn by two separate calls with the
    same parameters, are independent draws with covariance ``cov``: then
    (first − second)/√2 ~ N(0, cov) exactly, whatever the mean. Noise that repeats
    between calls (a reseeded generator) gives a difference of 0, p = 0."""
    with np.errstate(invalid="ignore", over="ignore"):  # inf − inf is NaN: p = 0 below
        difference = (np.asarray(first, dtype=np.float64) - np.asarray(second, dtype=np.float64)) / np.sqrt(2.0)
    return gaussian_pvalue(difference, np.zeros(difference.shape[1]), cov)


def rank_sum_pvalue(first, second):
    """Two-sided p-value that ``first`` [m] and ``second`` [n] come from one continuous law
    (Mann–Whitney U, exact null distribution by counting rankings): for estimators whose law
    every correct implementation shares but no closed form gives, such as a bound that
    draws its own noise, compared with the reference's draws."""
    first, second = np.asarray(first, dtype=np.float64), np.asarray(second, dtype=np.float64)
    m, n = len(first), len(second)
    if not (np.isfinite(first).all() and np.isfinite(second).all()):
        return 0.0
    u = float((first[:, None] > second[None, :]).sum() + 0.5 * (first[:, None] == second[None, :]).sum())
    # rankings[j][u]: orderings of j values of ``first`` among them and i of ``second`` with
    # U = u; the largest value is one of ``first`` (it beats all i) or one of ``second``
    size = m * n + 1
    rankings = [np.eye(1, size)[0] for _ in range(m + 1)]  # i = 0: U = 0
    for i in range(1, n + 1):
        for j in range(1, m + 1):
            shifted = np.zeros(size)
            shifted[i:] = rankings[j - 1][:size - i]
            rankings[j] = shifted + rankings[j]
    cdf = np.cumsum(rankings[m]) / rankings[m].sum()
    below = cdf[int(np.floor(u))]
    above = 1.0 - (cdf[int(np.ceil(u)) - 1] if u >= 1 else 0.0)
    return bonferroni([below, above])
