"""Helpers served by the grader: while one graded function runs, the other graded functions
the reference's version of it reaches (its "helpers") answer with the grader's reference,
so that a correct function over the student's own wrong helper keeps its points and the
helper's mistake costs only the helper's test.

No solution code comes into the worker. Each call of a helper travels to the grader as a
plain-data frame on the worker's answer channel (``{"event": "helper"}``: the arguments,
the networks' current weights, a seed drawn from the student's generator); the value
travels back, and in the backward pass so do the gradients (``{"event": "helper_grad"}``).
A call the grader cannot serve (an argument that is not plain data, or one the reference
rejects) runs the student's own helper: a correct function never loses points for it.
"""
import contextlib
import sys
import weakref

import torch

from . import protocol
from .tree import META, NET, TENSOR, dtype_name, leaves, torch_dtype, write_arguments


class ServedError(RuntimeError):
    """The grader (or the student kit) could not serve a helper's backward pass: an error of
    the engine's machinery, which the grader reports as its own, never as the student's."""


class Channel:
    """The worker's side of the answer channel, for frames sent in the middle of a request.
    Each frame also tells the grader which served graphs the worker has let go (``free``),
    so that the grader lets go of its side: a training loop serves thousands of calls."""

    def __init__(self, reader, writer, wire):
        self.reader, self.writer, self.wire = reader, writer, wire
        self.freed = []  # ids of this request's served calls whose graph is gone here
        self.request = 0  # which request is being served: the grader numbers each one's calls from 0

    def begin(self):
        """A new request: an earlier one's calls mean nothing to its server (their numbers
        name this request's calls there), so their pending or later frees are dropped."""
        self.request += 1
        self.freed.clear()

    def let_go(self, request, call):
        """Call ``call`` of ``request`` has no graph left here."""
        if request == self.request:
            self.freed.append(call)

    def ask(self, header, arrays):
        freed, self.freed[:] = list(self.freed), []
        self.writer.write(self.wire.encode({**header, "free": freed}, arrays))
        return self.wire.decode(self.reader.read)


class _Call:
    """One served call: encodes its arguments, asks the grader, rebuilds the value on the
    arguments' device, and serves its backward pass."""

    def __init__(self, channel, function, networks, original):
        self.channel, self.function, self.networks, self.original = channel, function, networks, original
        self.args, self.kwargs = (), {}
        self.encoder, self.inputs, self.device, self.id = protocol.Encoder(), [], None, None

    def encode(self, value):
        return write_arguments(value, self._leaf, keys=str)

    def _leaf(self, value):
        if isinstance(value, torch.Tensor):
            if type(value) not in (torch.Tensor, torch.nn.Parameter) or value.is_complex():
                raise TypeError("not plain data")
            self.device = self.device or value.device
            if value.device.type == "meta":
                return {META: list(value.shape), "dtype": dtype_name(value.dtype)}
            node = self.encoder.array(value, device=str(value.device))
            if value.requires_grad and value.is_floating_point():
                node["grad"] = len(self.inputs)
                self.inputs.append(value)
            return node
        if isinstance(value, torch.nn.Module):
            name = next((n for n, net in self.networks.items() if net is value), None)
            if name is None:
                raise TypeError("a network the grader did not build")
            return {NET: name, "params": [self.encode(p) for p in value.parameters()]}
        if value is None or type(value) in (bool, int, float, str):
            return value
        raise TypeError("not plain data")

    def run(self, args, kwargs):
        """The grader's value, or raise LookupError when it cannot serve this call."""
        self.args, self.kwargs = args, kwargs
        try:
            header = {"event": "helper", "function": self.function, "args": self.encode(list(args)),
                      "kwargs": self.encode(dict(kwargs)), "seed": int(torch.randint(0, 2 ** 62, ()))}
        except TypeError:
            raise LookupError from None
        if not torch.is_grad_enabled():
            self.inputs = []
        header["grad"] = bool(self.inputs)
        answer, arrays = self.channel.ask(header, self.encoder.arrays)
        self.encoder = None  # the arguments' copies: a graph holds this call until its backward
        if not answer.get("ok"):
            raise LookupError(answer.get("error"))
        self.id, self.request = answer.get("call"), self.channel.request
        value = protocol.unpack(answer["value"], arrays, self._tensor, lambda name: None)
        if not self.inputs:
            return value
        outputs = [leaf for leaf in leaves(value) if isinstance(leaf, torch.Tensor) and leaf.is_floating_point()]
        weakref.finalize(self, self.channel.let_go, self.request, self.id)  # when the graph holding this call goes
        attached = iter(_Served.apply(self, len(outputs), *outputs, *self.inputs))
        swap = {id(o): next(attached) for o in outputs}
        return _rebuild(value, swap)

    def _tensor(self, array, node):
        if META in node:
            return torch.empty(node[META], dtype=torch_dtype(node["dtype"]), device="meta")
        return torch.from_numpy(array.copy()).to(self.device or "cpu")

    def backward(self, cotangents):
        if self.request != self.channel.request:
            raise ServedError(f"a value {self.function} returned was kept past the graded call that made it, and the "
                              "grader let go of its graph with that call")
        encoder = protocol.Encoder()
        nodes = [None if c is None else encoder.array(c) for c in cotangents]
        answer, arrays = self.channel.ask({"event": "helper_grad", "call": self.id, "cotangents": nodes},
                                          encoder.arrays)
        if not answer.get("ok") and answer.get("own"):
            return self._own_grads(cotangents)
        if not answer.get("ok"):
            raise ServedError(f"the grader could not differentiate {self.function}: {answer.get('error')}")
        return [None if node is None else torch.from_numpy(arrays[node[TENSOR]].copy()).to(x.device)
                for node, x in zip(answer["grads"], self.inputs)]

    def _own_grads(self, cotangents):
        """The gradients of the student's own helper at this call's arguments (the student
        kit, whose recorded answers do not hold these cotangents)."""
        # on copies of the arguments: a second graph over the tensors of the one being
        # differentiated would free what that one still needs (a network's weights stay)
        fresh = {id(x): x.detach().requires_grad_(True) for x in self.inputs if not isinstance(x, torch.nn.Parameter)}
        inputs = [fresh.get(id(x), x) for x in self.inputs]
        with torch.enable_grad():
            own = [leaf for leaf in leaves(self.original(*_rebuild(list(self.args), fresh),
                                                          **{k: _rebuild(v, fresh) for k, v in self.kwargs.items()}))
                   if isinstance(leaf, torch.Tensor) and leaf.is_floating_point()]
            pairs = [(o, c) for o, c in zip(own, cotangents) if c is not None and o.requires_grad]
            if not pairs:
                return [None] * len(inputs)
            return list(vjp(pairs, inputs))


def vjp(pairs, inputs):
    """Σ_i c_iᵀ ∂o_i/∂inputs for ``pairs`` [(output o_i, its cotangent c_i)], one gradient
    (or None) per input: the gradient of Σ_i ⟨o_i, c_i⟩, whose backward hands each o_i exactly
    c_i. Not torch.autograd.grad's grad_outputs, which imports torch's symbolic shapes and
    sympy on first use (about 70 MB and a second of CPU in each process). A cotangent of
    another shape than its output is refused, never broadcast."""
    for output, cotangent in pairs:
        if cotangent.shape != output.shape:
            raise RuntimeError(f"Mismatch in shape: a cotangent of shape {tuple(cotangent.shape)} for an output of "
                               f"shape {tuple(output.shape)}")
    with torch.enable_grad():  # the product is a new node of the graph, whatever the caller's mode
        total = sum((output * cotangent.to(output.dtype)).sum() for output, cotangent in pairs)
    return torch.autograd.grad(total, inputs, allow_unused=True)


def _rebuild(value, swap):
    if isinstance(value, tuple):
        return tuple(_rebuild(v, swap) for v in value)
    if isinstance(value, list):
        return [_rebuild(v, swap) for v in value]
    if type(value) is dict:
        return {k: _rebuild(v, swap) for k, v in value.items()}
    return swap.get(id(value), value)


class _Served(torch.autograd.Function):
    """Attaches a served value to the graph of its inputs; its backward asks the grader."""

    @staticmethod
    def forward(ctx, call, n_outputs, *tensors):
        ctx.call, ctx.n_outputs = call, n_outputs
        return tuple(t.clone() for t in tensors[:n_outputs])

    @staticmethod
    def backward(ctx, *grads):
        return (None, None, *([None] * ctx.n_outputs), *ctx.call.backward(grads))


def _serving(channel, function, original, networks):
    def helper(*args, **kwargs):
        try:
            return _Call(channel, function, networks, original).run(args, kwargs)
        except LookupError:
            return original(*args, **kwargs)
    helper.__wrapped__ = original
    helper.__name__ = helper.__qualname__ = original.__name__
    return helper


@contextlib.contextmanager
def served(session, functions, channel, networks, stage):
    """Within the block, every global of the submission's modules (files under ``stage``),
    or value of a dict held in one, that holds one of ``functions`` ("module.name") answers
    with the grader's reference. A module imported twice (``net`` and ``submission.net``) is
    rebound in both copies."""
    wanted = {}
    for function in functions:
        module, _, name = function.rpartition(".")
        wanted[(module, name)] = function
    def function_of(value):
        if not callable(value) or isinstance(value, type):
            return None
        name = getattr(value, "__qualname__", None)
        homes = session.contract_modules(getattr(value, "__module__", None) or "")
        return next((wanted[(home, name)] for home in homes if (home, name) in wanted), None)

    channel.begin()
    replaced = []
    for module in list(sys.modules.values()):
        if not str(getattr(module, "__file__", "") or "").startswith(stage):
            continue
        # a module's globals, and the dicts among them (LOSSES = {"a": loss_a, ...})
        namespaces = [vars(module), *(v for v in vars(module).values() if type(v) is dict)]
        for namespace in namespaces:
            for key, value in list(namespace.items()):
                function = function_of(value)
                if function is not None:
                    replaced.append((namespace, key, value))
                    namespace[key] = _serving(channel, function, value, networks)
    try:
        yield
    finally:
        for namespace, key, value in reversed(replaced):
            namespace[key] = value
