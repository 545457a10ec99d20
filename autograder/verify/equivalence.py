"""Evidence that a mutant equals the reference, independent of the checks' verdicts: every
call the checks make of the mutant, answered again by the reference on the same request
(the same inputs, the same seed for torch's generator), returns the same values, gradients
and parameters, to float roundoff.

Roundoff, not the checks' tolerance: a mutant that moves a result by 1e-5 is not the
reference, even where a check's rtol of 1e-4 lets it pass (then it is reported as a
survivor, for the author to judge).
"""
import numpy as np

from ..grader.calls import StudentError, decode_reply
from ..grader.values import Returned
from ..worker.closeness import magnitude

# relative roundoff of one computation written another way (summation order, fused ops)
ROUNDOFF = {"float64": 1e-12, "float32": 1e-6, "float16": 1e-3, "bfloat16": 1e-2}


class Watch:
    """Remote's ``watch``: the calls whose answer was not the reference's ("function: what")."""

    def __init__(self):
        self.differ = []

    def __call__(self, reference, header, arrays, reply, want=None):
        """``want``: the reference's reply, where the call already asked for it."""
        if isinstance(reply, StudentError):
            self.differ.append(f"{header.get('function')}: raised {reply}")
            return
        try:
            want = want or decode_reply(*reference.answer(header, arrays))
        except Exception as exc:  # noqa: BLE001 - a request only the worker answers (an op) decides nothing
            self.differ.append(f"{header.get('function')}: the reference could not answer ({exc})")
            return
        for what, got, expected in (("value", reply.value, want.value), ("gradients", reply.grads, want.grads),
                                    ("parameters", reply.params, want.params)):
            if not same(got, expected):
                self.differ.append(f"{header.get('function')}: {what} differ")
                return


def same(got, want):
    """Whether two decoded values are equal: the same structure, dtypes and shapes, and
    arrays equal to ``ROUNDOFF`` of their dtype (NaN where NaN, inf where inf)."""
    if isinstance(want, Returned):
        if not isinstance(got, Returned) or got.dtype != want.dtype or got.shape != want.shape:
            return False
        a, b = np.asarray(got.array, dtype=np.float64), np.asarray(want.array, dtype=np.float64)
        roundoff = ROUNDOFF.get(want.dtype.removeprefix("torch."), 0.0)
        return bool(np.allclose(a, b, rtol=0.0, atol=roundoff * magnitude(b),
                                equal_nan=True))
    if isinstance(want, (tuple, list)):
        return type(got) is type(want) and len(got) == len(want) and all(map(same, got, want))
    if isinstance(want, dict):
        return isinstance(got, dict) and got.keys() == want.keys() and all(same(got[k], want[k]) for k in want)
    if isinstance(want, float) and isinstance(got, float):
        return got == want or abs(got - want) <= ROUNDOFF["float64"] * max(1.0, abs(want)) or (got != got and want != want)
    return got == want
