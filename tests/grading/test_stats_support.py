"""Every statistical test of the engine gives p = 0, never NaN, for a statistic that is NaN,
infinite or outside its support, and for data holding NaN or an infinity (``min(1.0, nan)``
is 1.0, so a NaN p-value would read as a perfect fit). Property-tested over arbitrary data."""
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from autograder.grader import stats

NON_FINITE = [math.nan, math.inf, -math.inf]
floats = st.floats(allow_nan=True, allow_infinity=True, width=64)


def is_pvalue(p):
    return isinstance(p, float) and 0.0 <= p <= 1.0


@given(value=floats, dof=st.integers(1, 500))
def test_chi2_pvalue_is_a_probability_and_zero_outside_the_support(value, dof):
    p = stats.chi2_pvalue(value, dof)
    assert is_pvalue(p)
    if not (0.0 <= value < math.inf):
        assert p == 0.0


@given(st.lists(floats, min_size=1, max_size=6))
def test_bonferroni_is_zero_unless_every_pvalue_is_one(pvalues):
    p = stats.bonferroni(pvalues)
    assert is_pvalue(p)
    if not all(0.0 <= q <= 1.0 for q in pvalues):
        assert p == 0.0


@settings(max_examples=60, deadline=None)
@given(hnp.arrays(np.float64, st.tuples(st.integers(2, 40), st.integers(1, 3)), elements=floats))
def test_gaussian_pvalues_are_probabilities_and_zero_with_non_finite_data(samples):
    k = samples.shape[1]
    for p in (stats.gaussian_pvalue(samples, np.zeros(k), np.eye(k)),
              stats.fresh_draws_pvalue(samples, samples[::-1], np.eye(k))):
        assert is_pvalue(p)
        if not np.isfinite(samples).all():
            assert p == 0.0


@settings(max_examples=60, deadline=None)
@given(hnp.arrays(np.float64, st.integers(1, 12), elements=floats),
       hnp.arrays(np.float64, st.integers(1, 12), elements=floats))
def test_rank_sum_pvalue_is_a_probability_and_zero_with_non_finite_data(first, second):
    p = stats.rank_sum_pvalue(first, second)
    assert is_pvalue(p)
    if not (np.isfinite(first).all() and np.isfinite(second).all()):
        assert p == 0.0


@pytest.mark.parametrize("spoil", [lambda x: x * 31, lambda x: -x, lambda x: x + 1e6, lambda x: x * np.nan])
def test_values_far_outside_the_law_fail(spoil):
    """The ways a wrong estimator leaves a law (a batch sum, a sign, an offset, NaN) give p ≤ ALPHA."""
    rng = np.random.default_rng(7)
    samples = rng.normal(size=(200, 3)) + 2.0
    assert stats.gaussian_pvalue(samples, [2.0] * 3, np.eye(3)) > stats.ALPHA  # the null passes
    assert stats.gaussian_pvalue(spoil(samples), [2.0] * 3, np.eye(3)) <= stats.ALPHA
    chi2 = rng.chisquare(30, size=24)
    assert stats.bonferroni(stats.chi2_pvalue(s, 30) for s in chi2) > stats.ALPHA
    assert stats.bonferroni(stats.chi2_pvalue(s, 30) for s in spoil(chi2)) <= stats.ALPHA
    assert stats.rank_sum_pvalue(spoil(samples[:24, 0]), samples[24:48, 0]) <= stats.ALPHA
