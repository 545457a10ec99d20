"""Degenerate implementations, generated from the contract: every graded function of the
reference wrapped so that what it returns is replaced by zeros, ones, a constant, its
first input, noise of the right shape, or (``detached``) the right value cut from the
graph. Step functions, whose result is the update, do nothing and return the fake loss.
Each of the first five must earn nothing on any test of a function it replaces.
"""
import ast

from tests.submissions import MODULES, REFERENCE, flat_source

KINDS = ("zeros", "ones", "constant", "echo", "noise", "detached")
STEPS = {"wake_sleep_step", "aevb_step", "gan_step", "bigan_step"}

WRAPPER = '''

import functools as _functools
import random as _random
import torch as _torch

_KIND = {kind!r}


def _fake(value, args):
    if _KIND == "echo":
        return args[0] if args else None
    if isinstance(value, (tuple, list)):
        return type(value)(_fake(v, args) for v in value)
    if isinstance(value, float) or value is None:
        return {{"zeros": 0.0, "ones": 1.0, "constant": 0.3, "noise": _random.gauss(0.0, 1.0),
                 "detached": value}}[_KIND]
    if not isinstance(value, _torch.Tensor):
        return value
    if _KIND == "detached":
        return value.detach()
    if _KIND == "noise":
        if value.is_floating_point():
            return _torch.randn_like(value)
        return _torch.rand(value.shape, device=value.device) > 0.5 if value.dtype == _torch.bool \\
            else _torch.randint_like(value, 0, 3)
    fill = {{"zeros": 0, "ones": 1, "constant": 0.3 if value.is_floating_point() else 1}}[_KIND]
    return _torch.full_like(value, fill)


def _degenerate(function, step):
    @_functools.wraps(function)
    def wrapped(*args, **kwargs):
        if step and _KIND != "detached":  # no update at all
            return _fake(0.0, args)
        return _fake(function(*args, **kwargs), args)
    return wrapped


def _degenerate_class(cls):
    class Degenerate(cls):
        def forward(self, *args, **kwargs):
            return _fake(super().forward(*args, **kwargs), args)
    Degenerate.__name__ = Degenerate.__qualname__ = cls.__name__
    return Degenerate


for _name in {names!r}:
    _value = globals()[_name]
    globals()[_name] = _degenerate_class(_value) if isinstance(_value, type) else \\
        _degenerate(_value, _name in {steps!r})
'''


def graded_names(module):
    """The module's public functions and classes, as the contract lists them."""
    tree = ast.parse((REFERENCE / f"{module}.py").read_text())
    return [node.name for node in tree.body
            if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and not node.name.startswith("_")]


def degenerate_sources(kind):
    """{module: source} of the reference with every graded name of every module replaced."""
    return {module: flat_source(module) + WRAPPER.format(kind=kind, names=graded_names(module), steps=sorted(STEPS))
            for module in MODULES}
