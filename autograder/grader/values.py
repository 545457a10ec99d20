"""Values that came back from a call, decoded from plain data into inert Python objects.

A tensor comes back as a ``Returned``: the array plus what the worker said about it
(dtype, device, whether it requires grad). Whatever was not plain data comes back as a
``Foreign`` holding only its type's name.
"""
import dataclasses

import numpy as np
import torch

from ..worker import protocol


@dataclasses.dataclass(frozen=True)
class Returned:
    array: np.ndarray
    dtype: str
    device: str
    requires_grad: bool

    @property
    def shape(self):
        return tuple(self.array.shape)

    def tensor(self):
        return torch.from_numpy(np.array(self.array))


@dataclasses.dataclass(frozen=True)
class Foreign:
    type_name: str


def unpack(node, arrays):
    """An answer tree (worker/protocol.py) as inert Python values."""
    return protocol.unpack(
        node, arrays, lambda array, leaf: Returned(array, str(leaf.get("dtype")), str(leaf.get("device")),
                                                   bool(leaf.get("requires_grad"))), Foreign)


def describe(value):
    """A short, student-facing description of what came back."""
    if isinstance(value, Returned):
        return f"a {value.dtype} tensor of shape {list(value.shape)} on {value.device}"
    if isinstance(value, Foreign):
        return f"an object of type {value.type_name}"
    if isinstance(value, tuple):
        return f"a tuple of {len(value)}"
    if isinstance(value, list):
        return f"a list of {len(value)}"
    return f"{type(value).__name__} {value!r}"[:80]
