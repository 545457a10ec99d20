"""Comparing a returned value with the reference's, with messages a student can act on.

A message names the case, shapes, the largest absolute and relative errors, NaN or inf
found, and — when the error has a known pattern — a hint. It never prints the expected
values in full: at most the one element where the error is largest.
"""
import math

import numpy as np

from ..worker.closeness import floats_match, matches
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


def _pattern_hint(got, want, offsets):
    """Name a simple relation between got and want: a named offset (got − want), an
    additive constant, a factor, a transpose. A single value (or an expected value without
    spread) fits a factor and a constant alike: only a named offset is claimed there."""
    finite = np.isfinite(got) & np.isfinite(want)
    if not finite.any():
        return None
    g, w = got[finite].astype(np.float64), want[finite].astype(np.float64)
    scale = max(np.abs(w).max(), 1e-12)
    difference = g - w
    if np.ptp(difference) < 1e-4 * max(1.0, scale):
        shift = difference.mean()
        for name, value in offsets.items():
            if math.isclose(shift, value, rel_tol=1e-3, abs_tol=1e-5):
                return f"your result is off by {name} (it exceeds the expected one by {shift:.4g})"
        if w.size == 1 or np.ptp(w) == 0:
            return None
        return f"off by an additive constant {shift:.4g} everywhere"
    if np.abs(w).min() > 1e-6 * scale:
        ratio = g / w
        if np.ptp(ratio) < 1e-3 * max(abs(ratio.mean()), 1e-12) and abs(ratio.mean()) > 1e-6:
            factor = ratio.mean()
            if math.isclose(factor, -1.0, rel_tol=1e-3):
                return "the sign is flipped"
            return f"off by a factor {factor:.4g} everywhere"
    if got.ndim >= 2 and got.shape[-1] == got.shape[-2] and np.allclose(np.swapaxes(got, -1, -2), want, rtol=1e-4, atol=1e-5):
        return "the result is transposed"
    return None


def assert_close(got, want, what, *, rtol, atol, mistakes=None, offsets=None, earlier=()):
    """Fail with an actionable message unless ``got`` matches ``want`` (both Returned)
    elementwise by the rule of worker/closeness.py.

    The hint, first that applies: ``mistakes`` ({description: the value that mistake gives}
    on these inputs) matched; a result that ignores its inputs (all zeros, one value, or the
    same as in ``earlier`` calls, [(got, want) arrays], whose expected value differed); a
    named offset (``offsets``: {description: got − want}); an additive constant; a factor;
    a transpose.
    """
    expect_tensor(got, what, dtype=want.dtype, device=want.device, shape=want.shape)
    g, w = got.array.astype(np.float64), want.array.astype(np.float64)
    bad_g, bad_w = ~np.isfinite(g), ~np.isfinite(w)
    ok, atol = matches(g, w, rtol, atol)
    if ok.all():
        return
    lines = [f"{what}: {int((~ok).sum())} of {ok.size} values differ from the expected ones"]
    if (bad_g & ~bad_w).any():
        lines.append(f"NaN or inf where the expected value is finite: {int((bad_g & ~bad_w).sum())} values "
                     "(use log-sum-exp / log-sigmoid / log-variance forms to stay stable)")
    finite = np.isfinite(g) & np.isfinite(w)
    if finite.any():
        with np.errstate(invalid="ignore"):
            err = np.where(finite, np.abs(g - w), 0.0)
        rel = err / np.maximum(np.abs(w), 1e-12)
        worst = np.unravel_index(int(np.argmax(err)), err.shape)
        lines.append(f"max abs error {err.max():.4g}, max rel error {rel[finite].max():.4g} "
                     f"(tolerance rtol={rtol:g}, atol={atol:g})")
        where = f" at index {list(map(int, worst))}" if g.ndim else ""
        lines.append(f"largest error{where}: got {g[worst]:.6g}, expected {w[worst]:.6g}")
    hint = None
    for description, value in (mistakes or {}).items():
        value = np.asarray(value.detach().cpu() if hasattr(value, "detach") else value, dtype=np.float64)
        if value.shape == got.shape and np.allclose(g, value, rtol=1e-4, atol=1e-5, equal_nan=True):
            hint = f"your values match a known mistake: {description}"
            break
    hint = hint or _constant_hint(g, w, earlier) or _pattern_hint(g, w, offsets or {})
    if hint:
        lines.append(f"hint: {hint}")
    raise Mismatch("\n  ".join(lines))


def assert_float_close(got, want, what, *, rtol, atol):
    """For Python-float results (losses returned by step functions)."""
    if type(got) is not float:
        raise Mismatch(f"{what}: expected a Python float (use .item()), got {describe(got)}")
    if not floats_match(got, want, rtol, atol):
        raise Mismatch(f"{what}: got {got:.6g}, expected {want:.6g} (abs error {abs(got - want):.3g})")
