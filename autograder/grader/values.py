"""Values that came back from a call, decoded from plain data into inert Python objects.

A tensor comes back as a ``Returned``: the array plus what the worker said about it
(dtype, device, whether it requires grad). Whatever was not plain data comes back as a
``Foreign`` holding only its type's name.
"""
import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any, TypeAlias, Union, cast

import numpy as np
import numpy.typing as npt
import torch

from ..worker import protocol


@dataclasses.dataclass(frozen=True)
class Returned:
    array: npt.NDArray[Any]
    dtype: str
    device: str
    requires_grad: bool

    @property
    def shape(self) -> tuple[int, ...]:
        return tuple(self.array.shape)

    def tensor(self) -> torch.Tensor:
        return torch.from_numpy(np.array(self.array))


@dataclasses.dataclass(frozen=True)
class Foreign:
    type_name: str


# what a call returned, decoded: a tensor, a foreign object, plain data, and containers of them
Decoded: TypeAlias = Union[Returned, Foreign, None, bool, int, float, str,
                           list["Decoded"], tuple["Decoded", ...], dict[str, "Decoded"]]


def _returned(array: npt.NDArray[Any], leaf: Mapping[str, object]) -> Returned:
    return Returned(array, str(leaf.get("dtype")), str(leaf.get("device")), bool(leaf.get("requires_grad")))


def unpack(node: object, arrays: Sequence[npt.NDArray[Any]]) -> Decoded:
    """An answer tree (worker/protocol.py) as inert Python values."""
    return cast(Decoded, protocol.unpack(node, arrays, _returned, Foreign))


def describe(value: object) -> str:
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
