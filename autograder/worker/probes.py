"""Calls of student functions, described in plain data (protocol.py) and answered in
plain data: a Session resolves the contract's names in the submission and runs one request
at a time.

The grader describes a call as a tree of tensors to build, networks to build from given
weights (by the course plugin's builders) and optimizers over them (builder.py). The same
code runs in the trusted process against the reference, so both sides are exercised
identically; only the implementation modules differ.

A course plugin is a module with ``NETWORKS`` ({kind: build(layers, node) -> nn.Module})
and ``OPS`` ({name: op(session, request, builder) -> a plain value: tensors, numbers,
strings, None, and lists, tuples and string-keyed dicts of them}); an op reaches the
engine's helpers as ``session.api`` (plugin_api.py), and the engine's own operation
``"train"`` is train.py's.
"""
import torch

from .builder import Builder, packed_parameters, parameter_names, reseed
from .imports import import_in_order
from .plugin_api import API
from .protocol import pack, pack_plain
from .served import served
from .train import train
from .tree import leaves


def tensor_leaves(value):
    """The tensors of a returned value, in the order ``pack`` writes them."""
    return [leaf for leaf in leaves(value, (tuple, list), exact=True) if type(leaf) is torch.Tensor]


def unchanged(before, after):
    if before.shape != after.shape or before.dtype != after.dtype:
        return False
    same = (before == after) | (before.isnan() & after.isnan()) if before.is_floating_point() \
        else before == after
    return bool(same.all())


def module_of(qualified, modules):
    """The module of a contract name: the longest prefix of ``qualified`` ("models.net.Model.loss")
    that is one of ``modules`` ("models.net")."""
    parts = qualified.split(".")
    for cut in range(len(parts) - 1, 0, -1):
        if ".".join(parts[:cut]) in modules:
            return ".".join(parts[:cut])
    raise AttributeError(f"no module of the course is named in `{qualified}`")


class Undefined(AttributeError):
    """The submission does not define a name the contract names (a function, a class or a
    method): the grader tells the student that it is not written yet, and where it belongs.
    ``module`` is the contract's module ("models.net"), ``name`` the missing name within it
    ("Model.loss"); the grader words them for what the student wrote (a file, a notebook)."""

    def __init__(self, module, name):
        super().__init__(f"{module.replace('.', '/')}.py defines no `{name}`")
        self.module, self.name = module, name


class Session:
    """Resolves contract names ("net.loss", "models.net.Model.loss") to the
    implementation and runs calls, with the course plugin's networks and operations."""

    def __init__(self, module_names, plugin=None, channel=None, stage=None, import_first=()):
        """``channel`` and ``stage`` (the folder of the submission's files), in the worker only:
        where the grader serves helpers (served.py); ``import_first``: modules imported before
        any other, as the course's own entry points do."""
        self.module_names = module_names  # contract module -> importable module name
        self.import_first = import_first
        self.loaded = {}
        self.networks = dict(getattr(plugin, "NETWORKS", {}))
        self.ops = dict(getattr(plugin, "OPS", {}))
        self.api = API  # the engine's helpers for the plugin's operations (plugin_api.py)
        self.channel, self.stage = channel, stage

    def contract_modules(self, name):
        """The contract modules ("models.net") an imported module's name stands for
        ("package.models.net"; "net" imported as a top-level module beside the others;
        every module, for a notebook's one)."""
        return [contract for contract, importable in self.module_names.items() if name in (contract, importable)]

    def load(self, module):
        if module not in self.loaded:
            self.loaded[module] = import_in_order(self.module_names[module], self.import_first, self.stage)
        return self.loaded[module]

    def resolve(self, qualified):
        """The object a contract name denotes: its module, then attributes."""
        module = module_of(qualified, self.module_names)
        value = self.load(module)
        names = qualified[len(module) + 1:].split(".")
        for depth, name in enumerate(names):
            if not hasattr(value, name):
                raise Undefined(module, ".".join(names[:depth + 1]))
            value = getattr(value, name)
        return value

    def call(self, request, arrays):
        """Run one request; returns ``(header, arrays)`` of the answer."""
        builder = Builder(arrays, request.get("device", "cpu"), request.get("dtype", "float32"), self.networks)
        if self.channel is None or not request.get("helpers"):
            return self._call(request, builder)
        for helper in request["helpers"]:  # imported before binding: binding reaches loaded modules only
            try:
                self.load(module_of(helper, self.module_names))
            except Exception:  # noqa: BLE001 - a helper's broken module: the call itself says what broke
                pass
        with served(self, request["helpers"], self.channel, builder.modules, self.stage):
            return self._call(request, builder)

    def _call(self, request, builder):
        # first, whatever runs it (an operation too): a name the submission lacks is Undefined
        function = self.resolve(request["function"])
        if request.get("op") == "train":
            return train(self, request, builder)
        if request.get("op") is not None:
            if request["op"] not in self.ops:
                raise ValueError(f"no operation {request['op']!r}")
            out = []
            return {"value": pack_plain(self.ops[request["op"]](self, request, builder), out), "modified": []}, out
        args, kwargs = builder.build_call(request.get("args", []), request.get("kwargs", {}))
        inputs = [a for a in [*args, *kwargs.values()] if type(a) is torch.Tensor]
        snapshot = [a.detach().clone() for a in inputs]
        reseed(request.get("seed", 0))
        value = function(*args, **kwargs)

        out = []
        answer = {"value": pack(value, out)}
        answer["modified"] = [i for i, (a, b) in enumerate(zip(snapshot, inputs))
                              if not unchanged(a, b.detach())]
        if "cotangents" in request:
            answer["grads"] = self.gradients(value, request, builder, inputs, out)
        if request.get("report_params"):
            answer["params"] = packed_parameters(builder.modules, out)
        if "cotangents" in request or request.get("report_params"):
            answer["param_names"] = parameter_names(builder.modules)
        return answer, out

    def gradients(self, value, request, builder, inputs, out):
        outputs = tensor_leaves(value)
        cotangents = [builder.tensor(node) for node in request["cotangents"]]
        wrt = [a for a in inputs if a.requires_grad]
        named = [(name, p) for name, net in builder.modules.items() for p in net.parameters()]
        total = sum((output * cot).sum() for output, cot in zip(outputs, cotangents) if output.requires_grad)
        if not torch.is_tensor(total):
            return {"error": "the output does not depend differentiably on any input"}
        grads = torch.autograd.grad(total, wrt + [p for _, p in named], allow_unused=True)
        packed = [None if g is None else pack(g, out) for g in grads]
        params = {}
        for (name, _), g in zip(named, packed[len(wrt):]):
            params.setdefault(name, []).append(g)
        return {"inputs": packed[:len(wrt)], "params": params}
