"""The call protocol: how a call of a contract function and its answer are written as
plain data. One definition for the grader (requests out, answers in), the worker
(requests in, answers out) and the students' self-check (stored requests and answers).

A value is a tree of JSON values in which tensors are references into a list of arrays
(the tags, and the walks over such trees, are tree.py's):

- ``{"$t": i, "dtype", "requires_grad"[, "device"]}``: the i-th array, as a tensor;
- ``{"$tuple": [...]}``, ``{"$list": [...]}``: a tuple or list (in answers; requests
  write lists as JSON lists);
- ``{"$float": "inf"}``: a non-finite float;
- ``{"$other": "module.Type"}``: anything else a function returned, by type name only;
- ``{"$module": kind, "name", "layers": [[w, b], ...], ...}``: a network the worker
  builds with the course's plugin (requests only);
- ``{"$optimizer": kind, "lr", "over": [network names]}`` (requests only).

A request's header holds ``function``, ``args``, ``kwargs``, ``device``, ``dtype``,
``seed``, ``report_params``, ``helpers`` and optionally ``op`` and ``cotangents``; an operation's own
keys (``extra``) may not replace any of those.
"""
import math

import torch

from .tree import ARRAYS, FLOAT, LIST, OTHER, TENSOR, TUPLE, dtype_name, rebuild, write, write_arguments

RESERVED = frozenset({"function", "args", "kwargs", "device", "dtype", "seed", "report_params", "op", "cotangents",
                      "helpers", ARRAYS})


class Encoder:
    """Writes request values; arrays collect in ``self.arrays``. Objects with an
    ``encode(encoder)`` method (the grader's networks and optimizers) write themselves."""

    def __init__(self):
        self.arrays = []

    def array(self, tensor, **extra):
        self.arrays.append(tensor.detach().cpu().numpy().copy())
        node = {TENSOR: len(self.arrays) - 1, **extra}
        if tensor.is_floating_point():
            node["dtype"] = dtype_name(tensor.dtype)
        return node

    def encode(self, value):
        return write_arguments(value, self._leaf)

    def _leaf(self, value):
        if isinstance(value, torch.Tensor):
            return self.array(value, requires_grad=value.requires_grad)
        if hasattr(value, "encode") and not isinstance(value, (str, bytes)):
            return value.encode(self)
        return value


def request(function, args=(), kwargs=None, *, device="cpu", dtype="float32", seed=0, report_params=False,
            op=None, extra=None, cotangents=None, helpers=()):
    """(header, arrays) of one call. ``helpers``: the contract functions the grader serves
    while it runs (worker/served.py)."""
    encoder = Encoder()
    header = {"function": function, "args": encoder.encode(list(args)), "kwargs": encoder.encode(dict(kwargs or {})),
              "device": device, "dtype": dtype, "seed": int(seed), "report_params": bool(report_params),
              "helpers": list(helpers)}
    if op is not None:
        header["op"] = op
    if extra:
        clash = RESERVED & set(extra)
        if clash:
            raise ValueError(f"an operation's keys may not replace the protocol's: {sorted(clash)}")
        header.update(encoder.encode(extra))
    if cotangents is not None:
        header["cotangents"] = [encoder.array(c) for c in cotangents]
    return header, encoder.arrays


def pack(value, arrays):
    """A returned value as an answer tree; anything that is not exactly a tensor, a number,
    None, a string or a tuple/list of them is described by its type name only."""
    return write(value, lambda leaf: _packed(leaf, arrays))


def _packed(value, arrays):
    kind = type(value)
    if kind is torch.Tensor:
        arrays.append(value.detach().cpu().resolve_conj().resolve_neg().numpy())
        return {TENSOR: len(arrays) - 1, "dtype": dtype_name(value.dtype),
                "device": str(value.device), "requires_grad": value.requires_grad}
    if kind is float:
        return value if math.isfinite(value) else {FLOAT: repr(value)}
    if kind in (int, bool, str) or value is None:
        return value
    return {OTHER: f"{kind.__module__}.{kind.__qualname__}"}


def pack_plain(value, arrays):
    """A course plugin operation's result as an answer tree: what ``pack`` takes, and dicts
    with string keys (instructor code's dicts are data; a student's returned dict is not)."""
    return write(value, lambda leaf: _packed(leaf, arrays), dicts=True)


def unpack(node, arrays, tensor, other):
    """Invert ``pack``: ``tensor(array, node)`` and ``other(type name)`` make the leaves."""
    return rebuild(node, {TENSOR: lambda leaf: tensor(arrays[int(leaf[TENSOR])], leaf), TUPLE: tuple, LIST: list,
                          FLOAT: lambda leaf: float(leaf[FLOAT]), OTHER: lambda leaf: other(str(leaf[OTHER]))})
