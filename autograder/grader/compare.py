"""Comparing a returned value with the reference's, with messages a student can act on.

A message names the case, shapes, the largest absolute and relative errors, NaN or inf
found, and — when the error has a known pattern — a hint. It never prints the expected
values in full: at most the one element where the error is largest.
"""

import numpy as np

from ..worker.closeness import allowed, floats_match, matches
from .values import Foreign, Returned, describe


class Mismatch(AssertionError):
    """The submission's value differs from the reference's."""


def expect_tensor(got, what, *, dtype=None, device=None, shape=None):
    """Fail unless ``got`` is exactly a tensor with the given dtype, device and shape."""
    if not isinstance(got, Returned):
        detail = ""
        if isinstance(got, Foreign):
            detail = (" (a tensor subclass, NumPy array or other object is not accepted: "
                      "return a plain torch.Tensor)")
        raise Mismatch(f"{what}: expected a torch.Tensor, got {describe(got)}{detail}")
    if dtype is not None and got.dtype != dtype:
        raise Mismatch(f"{what}: expected dtype {dtype} (the input's), got {got.dtype}")
    if device is not None and got.device.split(":")[0] != device.split(":")[0]:
        raise Mismatch(f"{what}: expected the result on {device} (the input's device), got {got.device}")
    if shape is not None and got.shape != tuple(shape):
        raise Mismatch(f"{what}: expected shape {list(shape)}, got {list(got.shape)}")
    return got


def _constant_hint(got, want, earlier=()):
    """Name an output that ignores its inputs: all zeros, one value everywhere, or the same
    value as in an earlier call of this test whose expected value differed."""
    if got.size == 0 or not np.isfinite(got).all():
        return None
    value = float(got.flat[0])
    if np.ptp(got) == 0 and (want.size == 1 or np.ptp(want) != 0):
        if value == 0:
            return "your result is all zeros (is the function still a placeholder, or is a term missing?)"
        if got.size > 1:
            return f"every value of your result is {value:.6g}: it does not depend on the inputs as it should"
    for g, w in earlier:
        if g.shape == got.shape and np.array_equal(g, got) and not np.array_equal(w, want):
            return (f"your result is the same ({value:.6g}{', …' if got.size > 1 else ''}) for different inputs: "
                    "it does not depend on them as it should")
    return None


def _explains(g, w, predicted, allowed, differ):
    """Whether a suspected cause, whose result would be ``predicted``, explains the error:
    it gives every value within the tolerance (``allowed``, per element), and wherever the
    result differs the cause alone would fail the comparison too. A cause within the
    tolerance (float32 rounding read as a constant of 1e-9) explains nothing."""
    with np.errstate(invalid="ignore", over="ignore"):
        return bool((np.abs(g - predicted) <= allowed).all() and (np.abs(predicted - w) > allowed)[differ].all())


def _fitted(low, high, guess):
    """The value in every interval [low_i, high_i] nearest ``guess``; None when they do not meet."""
    bottom, top = float(low.max()), float(high.min())
    return float(np.clip(guess, bottom, top)) if bottom <= top else None


def _constant(g, w, allowed):
    """The constant c that fits g ≈ w + c within ``allowed`` nearest the mean difference, or None."""
    difference = g - w
    return _fitted(difference - allowed, difference + allowed, difference.mean())


def _factor(g, w, allowed):
    """The factor k that fits g ≈ k·w within ``allowed``: −1 when it fits (a flipped sign),
    else the one nearest the least-squares factor; None when none fits. Elements where w is
    0 do not bound k (_explains requires g ≈ 0 there)."""
    nonzero = w != 0
    if not nonzero.any():
        return None
    g, w, allowed = g[nonzero], w[nonzero], allowed[nonzero]
    low, high = (g - allowed) / w, (g + allowed) / w
    low, high = np.minimum(low, high), np.maximum(low, high)
    if _fitted(low, high, -1.0) == -1.0:
        return -1.0
    return _fitted(low, high, float(g @ w / (w @ w)))


def _pattern_hint(got, want, differ, allowed, offsets):
    """Name a simple cause of the error (got − want a named offset, an additive constant, a
    factor, a transpose), only one that explains every value (_explains). A constant and a
    factor that both explain it (a single value, or an expected value without spread) are
    told apart by nothing: neither is claimed. Judged where the expected value is finite;
    a differing element where it is not leaves no hint."""
    finite = np.isfinite(want)
    if differ[~finite].any():
        return None
    if got.ndim >= 2 and got.shape[-1] == got.shape[-2] and finite.all():
        if _explains(got, want, np.swapaxes(want, -1, -2), allowed, differ):
            return "the result is transposed"
    g, w, differ, allowed = got[finite], want[finite], differ[finite], allowed[finite]
    for name, value in offsets.items():
        if _explains(g, w, w + value, allowed, differ):
            return f"your result is off by {name} (it exceeds the expected one by {value:.4g})"
    constant, factor = _constant(g, w, allowed), _factor(g, w, allowed)
    shifted = constant is not None and _explains(g, w, w + constant, allowed, differ)
    scaled = factor is not None and _explains(g, w, factor * w, allowed, differ)
    if shifted and not scaled:
        return f"off by an additive constant {constant:.4g} everywhere"
    if scaled and not shifted:
        return "the sign is flipped" if factor == -1.0 else f"off by a factor {factor:.4g} everywhere"
    return None


def _numbers(offsets):
    """``offsets`` with each value a float; a course error (TypeError) for one that is not a
    single number, naming what to use instead."""
    found = {}
    for description, value in offsets.items():
        value = value.detach().cpu() if hasattr(value, "detach") else value
        if np.ndim(value) != 0:
            raise TypeError(f"offsets[{description!r}] must be one number (got − want, the same everywhere), not "
                            f"{type(value).__name__} of shape {tuple(np.shape(value))}; a mistake whose difference "
                            "varies goes in mistakes= as the value it gives")
        found[description] = float(value)
    return found


def assert_close(got, want, what, *, rtol, atol, mistakes=None, offsets=None, earlier=()):
    """Fail with an actionable message unless ``got`` matches ``want`` (both Returned)
    elementwise by the rule of worker/closeness.py.

    The hint, first that applies: ``mistakes`` ({description: the value that mistake gives}
    on these inputs) matched; a result that ignores its inputs (all zeros, one value, or the
    same as in ``earlier`` calls, [(got, want) arrays], whose expected value differed); a
    transpose, a named offset (``offsets``: {description: got − want}), an additive
    constant or a factor, each only where it explains every value (_pattern_hint).
    """
    offsets = _numbers(offsets or {})  # on every call, the reference's too: a wrong one is found at once
    expect_tensor(got, what, dtype=want.dtype, device=want.device, shape=want.shape)
    g, w = got.array.astype(np.float64), want.array.astype(np.float64)
    ok, band = matches(g, w, rtol, atol)  # band: atol as scaled for this expected value
    if ok.all():
        return
    lines = [f"{what}: {int((~ok).sum())} of {ok.size} values differ from the expected ones"]
    lines += _non_finite(g, w)
    finite = np.isfinite(g) & np.isfinite(w)
    if (finite & ~ok).any():  # where every wrong value is NaN or inf, a finite error would read "0"
        with np.errstate(invalid="ignore"):
            err = np.where(finite, np.abs(g - w), 0.0)
        rel = err / np.maximum(np.abs(w), 1e-12)
        worst = np.unravel_index(int(np.argmax(err)), err.shape)
        lines.append(f"max abs error {err.max():.4g}, max rel error {rel[finite].max():.4g} "
                     f"(tolerance rtol={rtol:g}, atol={band:g})")
        where = f" at index {list(map(int, worst))}" if g.ndim else ""
        lines.append(f"largest error{where}: got {g[worst]:.6g}, expected {w[worst]:.6g}")
    hint = None
    for description, value in (mistakes or {}).items():
        value = np.asarray(value.detach().cpu() if hasattr(value, "detach") else value, dtype=np.float64)
        if value.shape == got.shape and np.allclose(g, value, rtol=1e-4, atol=1e-5, equal_nan=True):
            hint = f"your values match a known mistake: {description}"
            break
    hint = hint or _constant_hint(g, w, earlier) or _pattern_hint(g, w, ~ok, allowed(w, rtol, atol), offsets)
    if hint:
        lines.append(f"hint: {hint}")
    raise Mismatch("\n  ".join(lines))


def _non_finite(g, w):
    """Lines on values that are NaN or infinite where the expected one is finite, with what
    can cause each kind (as possibilities: the values alone cannot tell which it was)."""
    lines, expected = [], np.isfinite(w)
    infinite, nan = int((np.isinf(g) & expected).sum()), int((np.isnan(g) & expected).sum())
    if infinite:
        lines.append(f"{infinite} values are inf where the expected value is finite: something overflowed, such as "
                     "exp of a large number or log of 0; log-sum-exp, log-sigmoid or a log-variance form keeps "
                     "such a computation finite")
    if nan:
        lines.append(f"{nan} values are NaN where the expected value is finite: NaN comes from 0/0, inf − inf, "
                     "0 · inf, the log or square root of a negative number, or a NaN in what went in")
    return lines


def assert_float_close(got, want, what, *, rtol, atol):
    """For Python-float results (losses returned by step functions)."""
    if type(got) is not float:
        raise Mismatch(f"{what}: expected a Python float (use .item()), got {describe(got)}")
    if not floats_match(got, want, rtol, atol):
        raise Mismatch(f"{what}: got {got:.6g}, expected {want:.6g} (abs error {abs(got - want):.3g})")
