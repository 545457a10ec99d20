"""Exact statistical tests for samplers whose noise is not injected.

Every test returns a p-value; a check fails when p < ALPHA. Each p-value is exact under
the null hypothesis (a correct sampler), so ALPHA is the false-fail rate of one check.
Chi-square tails come from scipy.special, which imports in a fraction of scipy.stats' time.

A statistic that is NaN, infinite or outside its support (a negative χ²), or data holding a
NaN or an infinity, is as far from the null as can be: its p-value is 0, never NaN. NaN
would pass by accident: ``min(1.0, nan)`` is 1.0 and ``nan < ALPHA`` is false.
"""
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
