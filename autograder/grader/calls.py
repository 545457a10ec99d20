"""What a call of a contract function carries besides tensors and numbers (networks and
optimizers built on both sides), and what comes back: a Reply per side, an Outcome of both."""
import dataclasses

from ..worker import protocol
from .values import unpack


class StudentError(AssertionError):
    """The submission raised, is missing, or did not finish; the message says which."""

    def __init__(self, message, kind="error", error_type=None):
        super().__init__(message)
        self.kind = kind  # "error", "device", "missing", "undefined", "not_implemented", "timeout", "crash"
        self.error_type = error_type


class EngineError(RuntimeError):
    """The engine's own machinery failed inside a call of the submission (a served helper's
    backward pass): the grader's error, never the student's. A check it ends is reported as
    an error of the autograder, to be fixed and regraded."""


class Net:
    """A network the grader builds on both sides from the same weights: ``kind`` names a
    builder of the course plugin's ``NETWORKS``, which also reads ``options``."""

    def __init__(self, name, layers, kind, **options):
        self.name, self.layers, self.kind, self.options = name, list(layers), kind, options  # layers: [(w, b)]

    def encode(self, encoder):
        return {protocol.MODULE: self.kind, "name": self.name, **self.options,
                "layers": [[encoder.array(w), encoder.array(b)] for w, b in self.layers]}


@dataclasses.dataclass
class Opt:
    kind: str
    lr: float
    over: list

    def encode(self, encoder):
        return {protocol.OPTIMIZER: self.kind, "lr": self.lr, "over": self.over}


@dataclasses.dataclass
class Reply:
    value: object
    modified: list
    grads: dict | None = None
    params: dict | None = None
    param_names: dict | None = None  # {network: module paths of its parameters}, with grads or params


@dataclasses.dataclass
class Outcome:
    got: Reply
    want: Reply


def decode_reply(answer, arrays):
    def maybe(node):
        return None if node is None else unpack(node, arrays)
    return Reply(unpack(answer.get("value"), arrays), list(answer.get("modified", [])),
                 maybe(answer.get("grads")), maybe(answer.get("params")), maybe(answer.get("param_names")))
