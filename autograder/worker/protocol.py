"""The call protocol: how a call of a contract function and its answer are written as
plain data. One definition for the grader (requests out, answers in), the worker
(requests in, answers out) and the students' self-check (stored requests and answers).

A value is a tree of JSON values in which tensors are references into a list of arrays:

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

from . import wire

TENSOR, TUPLE, LIST, FLOAT, OTHER = "$t", "$tuple", "$list", "$float", "$other"
MODULE, OPTIMIZER = "$module", "$optimizer"
RESERVED = frozenset({"function", "args", "kwargs", "device", "dtype", "seed", "report_params", "op", "cotangents",
                      "helpers", wire.ARRAYS})


class Encoder:
    """Writes request values; arrays collect in ``self.arrays``. Objects with an
    ``encode(encoder)`` method (the grader's networks and optimizers) write themselves."""

    def __init__(self):
        self.arrays = []

    def array(self, tensor, **extra):
        self.arrays.append(tensor.detach().cpu().numpy().copy())
        node = {TENSOR: len(self.arrays) - 1, **extra}
        if tensor.is_floating_point():
            node["dtype"] = str(tensor.dtype).removeprefix("torch.")
        return node

    def encode(self, value):
        if isinstance(value, torch.Tensor):
            return self.array(value, requires_grad=value.requires_grad)
        if hasattr(value, "encode") and not isinstance(value, (str, bytes)):
            return value.encode(self)
        if isinstance(value, tuple):
            return {TUPLE: [self.encode(v) for v in value]}
        if isinstance(value, list):
            return [self.encode(v) for v in value]
        if isinstance(value, dict):
            return {k: self.encode(v) for k, v in value.items()}
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
    kind = type(value)
    if kind is torch.Tensor:
        arrays.append(value.detach().cpu().resolve_conj().resolve_neg().numpy())
        return {TENSOR: len(arrays) - 1, "dtype": str(value.dtype).removeprefix("torch."),
                "device": str(value.device), "requires_grad": value.requires_grad}
    if kind in (tuple, list):
        return {"$" + kind.__name__: [pack(item, arrays) for item in value]}
    if kind is float:
        return value if math.isfinite(value) else {FLOAT: repr(value)}
    if kind in (int, bool, str) or value is None:
        return value
    return {OTHER: f"{kind.__module__}.{kind.__qualname__}"}


def pack_plain(value, arrays):
    """A course plugin operation's result as an answer tree: what ``pack`` takes, and dicts
    with string keys (instructor code's dicts are data; a student's returned dict is not)."""
    kind = type(value)
    if kind is dict:
        bad = [key for key in value if not isinstance(key, str) or key.startswith("$")]
        if bad:
            raise TypeError(f"an operation's dict keys must be strings not starting with '$', got {bad[0]!r}")
        return {key: pack_plain(item, arrays) for key, item in value.items()}
    if kind in (tuple, list):
        return {"$" + kind.__name__: [pack_plain(item, arrays) for item in value]}
    return pack(value, arrays)


def unpack(node, arrays, tensor, other):
    """Invert ``pack``: ``tensor(array, node)`` and ``other(type name)`` make the leaves."""
    if isinstance(node, list):
        return [unpack(item, arrays, tensor, other) for item in node]
    if not isinstance(node, dict):
        return node
    if TENSOR in node:
        return tensor(arrays[int(node[TENSOR])], node)
    if TUPLE in node:
        return tuple(unpack(item, arrays, tensor, other) for item in node[TUPLE])
    if LIST in node:
        return [unpack(item, arrays, tensor, other) for item in node[LIST]]
    if FLOAT in node:
        return float(node[FLOAT])
    if OTHER in node:
        return other(str(node[OTHER]))
    return {str(key): unpack(value, arrays, tensor, other) for key, value in node.items()}
