"""The comparison rule: one definition, used by the grader (grader/compare.py) and by the
checks (api.assert_close). Needs only numpy.

An element matches when |got − want| ≤ atol·max(1, M) + rtol·|want|, where M is the
largest finite |want| in the array (roundoff grows with the magnitude of the values
around an element, not only with its own), or when both are the same infinity. NaN
never matches.
"""
import math

import numpy as np


def magnitude(want):
    """max(1, the largest finite |want|): what every absolute tolerance scales with."""
    want = np.asarray(want, dtype=np.float64)
    return max(1.0, float(np.abs(want[np.isfinite(want)]).max(initial=0.0)))


def scaled_atol(want, atol):
    """atol scaled by the magnitude of ``want``."""
    return atol * magnitude(want)


def allowed(want, rtol, atol):
    """The largest |got − want| each finite element of ``want`` lets match:
    atol·max(1, M) + rtol·|want| (the hints judge a suspected cause by it too)."""
    want = np.asarray(want, dtype=np.float64)
    return scaled_atol(want, atol) + rtol * np.abs(want)


def matches(got, want, rtol, atol):
    """Elementwise verdict (bool array of ``want``'s shape) and the scaled atol used."""
    g, w = np.asarray(got, dtype=np.float64), np.asarray(want, dtype=np.float64)
    both_infinite = np.isinf(g) & np.isinf(w) & (g == w)
    with np.errstate(invalid="ignore", over="ignore"):
        close = np.isfinite(g) & np.isfinite(w) & (np.abs(g - w) <= allowed(w, rtol, atol))
    return close | both_infinite, scaled_atol(w, atol)


def floats_match(got, want, rtol, atol):
    """The rule for Python-float results (losses returned by step functions)."""
    return math.isclose(got, want, rel_tol=rtol, abs_tol=atol) or (math.isinf(want) and got == want)
