"""The two sides of the float64 tolerance, generated for every module of the reference.

- ``float32_constants``: harmless. Module constants become float32 0-dim tensors (as
  ``torch.tensor(np.pi)`` or ``torch.tensor(math.log(2 * math.pi))`` make them) and every
  ``math`` function returns its result rounded to float32, inside otherwise float64 code.
  Must get full marks.
- ``float32_computation``: the mistake. Every graded function given float64 inputs
  computes in float32 (tensors cast with ``.float()``, networks on a float32 copy) and
  casts its result back to float64, so dtypes look right. Must lose the float64 part of
  every test that has one, and nothing else.
"""
from tests.corpus.degenerate import STEPS, graded_names
from tests.submissions import MODULES, flat_source

CONSTANTS = '''

import math as _math
import numpy as _np
import torch as _torch


class _Float32Math:
    """``math`` with every result rounded to float32."""

    def __getattr__(self, name):
        value = getattr(_math, name)
        if callable(value):
            return lambda *args: float(_np.float32(value(*args)))
        return float(_np.float32(value)) if isinstance(value, float) else value


for _name, _value in list(globals().items()):
    if type(_value) is float and not _name.startswith("_"):
        globals()[_name] = _torch.tensor(_value)  # a float32 0-dim tensor
math = _Float32Math()
'''

COMPUTATION = '''

import copy as _copy
import functools as _functools
import torch as _torch


def _narrow(value):
    if isinstance(value, _torch.Tensor) and value.dtype == _torch.float64:
        return value.float()
    if isinstance(value, _torch.nn.Module):
        return _copy.deepcopy(value).float()
    return value


def _widen(value):
    if isinstance(value, (tuple, list)):
        return type(value)(_widen(v) for v in value)
    if isinstance(value, _torch.Tensor) and value.dtype == _torch.float32:
        return value.double()
    return value


def _in_float32(function):
    @_functools.wraps(function)
    def wrapped(*args, **kwargs):
        values = [*args, *kwargs.values()]
        if not any(isinstance(v, _torch.Tensor) and v.dtype == _torch.float64 for v in values):
            return function(*args, **kwargs)
        return _widen(function(*map(_narrow, args), **{{k: _narrow(v) for k, v in kwargs.items()}}))
    return wrapped


for _name in {names!r}:
    if not isinstance(globals()[_name], type):
        globals()[_name] = _in_float32(globals()[_name])
'''


def float32_constant_sources():
    return {module: flat_source(module) + CONSTANTS for module in MODULES}


def float32_computation_sources():
    return {module: flat_source(module) + COMPUTATION.format(
        names=[n for n in graded_names(module) if n not in STEPS]) for module in MODULES}
