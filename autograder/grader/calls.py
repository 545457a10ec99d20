"""What a call of a contract function carries besides tensors and numbers (networks and
optimizers built on both sides), and what comes back: a Reply per side, an Outcome of both."""
import dataclasses
from collections.abc import Mapping, Sequence
from typing import Any, cast

import numpy.typing as npt
import torch

from ..enums import TextEnum
from ..worker import protocol
from ..worker.tree import MODULE, OPTIMIZER
from .values import Decoded, unpack


class ErrorKind(TextEnum):
    """What went wrong in a call of the submission (``StudentError.kind``); a member equals its
    value ("undefined"), the word course code and the student kit compare it with."""
    ERROR = "error"  # it raised
    DEVICE = "device"  # it raised because tensors on two devices met (one made on the CPU, run on the GPU)
    MISSING = "missing"  # its file was not found or does not import
    UNDEFINED = "undefined"  # its file does not define the function, class or method called
    NOT_IMPLEMENTED = "not_implemented"  # it raised NotImplementedError: not written yet
    TIMEOUT = "timeout"  # it did not finish within its time
    CRASH = "crash"  # it crashed the worker process


class StudentError(AssertionError):
    """The submission raised, is missing, or did not finish; the message says which."""

    def __init__(self, message: str, kind: ErrorKind | str = ErrorKind.ERROR, error_type: str | None = None) -> None:
        super().__init__(message)
        self.kind = ErrorKind(kind)
        self.error_type = error_type


class EngineError(RuntimeError):
    """The engine's own machinery failed inside a call of the submission (a served helper's
    backward pass): the grader's error, never the student's. A check it ends is reported as
    an error of the autograder, to be fixed and regraded."""


class Net:
    """A network the grader builds on both sides from the same weights: ``kind`` names a
    builder of the course plugin's ``NETWORKS``, which also reads ``options``."""

    def __init__(self, name: str, layers: Sequence[tuple[torch.Tensor, torch.Tensor]], kind: str,
                 **options: object) -> None:
        self.name, self.layers, self.kind, self.options = name, list(layers), kind, options  # layers: [(w, b)]

    def encode(self, encoder: protocol.Encoder) -> dict[str, object]:
        return {MODULE: self.kind, "name": self.name, **self.options,
                "layers": [[encoder.array(w), encoder.array(b)] for w, b in self.layers]}


@dataclasses.dataclass
class Opt:
    kind: str
    lr: float
    over: list[str]  # the networks whose parameters it steps

    def encode(self, encoder: protocol.Encoder) -> dict[str, object]:
        return {OPTIMIZER: self.kind, "lr": self.lr, "over": self.over}


@dataclasses.dataclass
class Reply:
    value: Decoded
    modified: list[int]  # the positions of the tensor arguments it changed in place
    grads: dict[str, Decoded] | None = None  # {"inputs": [...], "params": {network: [...]}} or {"error": why}
    params: dict[str, Decoded] | None = None  # {network: its parameters after the call}
    param_names: dict[str, Decoded] | None = None  # {network: module paths of its parameters}, with grads or params


@dataclasses.dataclass
class Outcome:
    got: Reply
    want: Reply


def decode_reply(answer: Mapping[str, Any], arrays: Sequence[npt.NDArray[Any]]) -> Reply:
    """A side's Reply from its answer (worker/protocol.py) and the answer's arrays."""
    def maybe(node: object) -> dict[str, Decoded] | None:  # the worker writes these as mappings
        return None if node is None else cast("dict[str, Decoded]", unpack(node, arrays))
    return Reply(unpack(answer.get("value"), arrays), list(answer.get("modified", [])),
                 maybe(answer.get("grads")), maybe(answer.get("params")), maybe(answer.get("param_names")))
