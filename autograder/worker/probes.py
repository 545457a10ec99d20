"""Calls of student functions, described in plain data (protocol.py) and answered in
plain data.

The grader describes a call as a tree of tensors to build, networks to build from given
weights (by the course plugin's builders) and optimizers over them. The same code runs in
the trusted process against the reference, so both sides are exercised identically; only
the implementation modules differ.

A course plugin is a module with ``NETWORKS`` ({kind: build(layers, node) -> nn.Module})
and ``OPS`` ({name: op(session, request, builder) -> a plain value: tensors, numbers,
strings, None, and lists, tuples and string-keyed dicts of them}); an op reaches the
helpers here as ``session.api``.
"""
import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import os
import re
import sys

import torch
from torch.nn.utils import parametrize

from .protocol import pack, pack_plain
from .served import served
from .tree import MODULE, OPTIMIZER, TENSOR, TUPLE, leaves, rebuild, torch_dtype


class PlainSGD:
    """The update of torch.optim.SGD (no momentum) with its interface (``zero_grad``,
    ``step``, ``param_groups``). torch.optim's first step imports the compiler stack,
    about two seconds in every fresh process; this does not."""

    def __init__(self, params, lr):
        self.param_groups = [{"params": list(params), "lr": lr}]

    def zero_grad(self, set_to_none=True):
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is not None and not set_to_none:
                    p.grad.zero_()
                elif p.grad is not None:
                    p.grad = None

    @torch.no_grad()
    def step(self, closure=None):
        loss = None if closure is None else closure()
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is not None:
                    p.add_(p.grad, alpha=-group["lr"])
        return loss


class PlainAdam(PlainSGD):
    """The update of torch.optim.Adam (no weight decay, no amsgrad), without its import cost."""

    def __init__(self, params, lr, betas=(0.9, 0.999), eps=1e-8):
        super().__init__(params, lr)
        self.betas, self.eps, self.state = betas, eps, {}

    @torch.no_grad()
    def step(self, closure=None):
        loss = None if closure is None else closure()
        beta1, beta2 = self.betas
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is None:
                    continue
                state = self.state.setdefault(p, {"t": 0, "m": torch.zeros_like(p), "v": torch.zeros_like(p)})
                state["t"] += 1
                state["m"].mul_(beta1).add_(p.grad, alpha=1 - beta1)
                state["v"].mul_(beta2).addcmul_(p.grad, p.grad, value=1 - beta2)
                m_hat = state["m"] / (1 - beta1 ** state["t"])
                v_hat = state["v"] / (1 - beta2 ** state["t"])
                p.addcdiv_(m_hat, v_hat.sqrt().add_(self.eps), value=-group["lr"])
        return loss


OPTIMIZERS = {"sgd": PlainSGD, "adam": PlainAdam}


class Builder:
    """Turns a request tree into Python values on one device and dtype."""

    def __init__(self, arrays, device, dtype, networks=None):
        self.arrays, self.device, self.dtype = arrays, torch.device(device), dtype
        self.networks, self.modules = networks or {}, {}

    def tensor(self, node):
        value = torch.from_numpy(self.arrays[node[TENSOR]].copy()).to(self.device)
        if value.is_floating_point():
            value = value.to(torch_dtype(node.get("dtype", self.dtype)))
        return value.requires_grad_(bool(node.get("requires_grad")))

    def module(self, node):
        if node[MODULE] not in self.networks:
            raise ValueError(f"the course plugin builds no network of kind {node[MODULE]!r}")
        layers = [(self.tensor(w), self.tensor(b)) for w, b in node["layers"]]
        net = self.networks[node[MODULE]](layers, node).to(device=self.device, dtype=torch_dtype(self.dtype))
        self.modules[node["name"]] = net
        return net

    def optimizer(self, node):
        params = [p for name in node["over"] for p in self.modules[name].parameters()]
        return OPTIMIZERS[node[OPTIMIZER]](params, lr=node["lr"])

    def build(self, node):
        return rebuild(node, {TENSOR: self.tensor, MODULE: self.module, OPTIMIZER: self.optimizer, TUPLE: tuple})

    def build_call(self, args, kwargs):
        """Modules first, so that optimizers can refer to them in any position."""
        def is_module(node):
            return isinstance(node, dict) and MODULE in node
        built = {}
        for key, node in [*enumerate(args), *kwargs.items()]:
            if is_module(node):
                built[key] = self.module(node)
        values = {key: built[key] if key in built else self.build(node)
                  for key, node in [*enumerate(args), *kwargs.items()]}
        return [values[i] for i in range(len(args))], {k: values[k] for k in kwargs}


def set_parameter(module, name, value):
    """Store ``value`` as ``module``'s parameter ``name``, the tensor its forward transforms
    (masks): directly for a plain parameter; for one registered with
    torch.nn.utils.parametrize, through the parametrization's right_inverse, or into its
    original when it defines none."""
    with torch.no_grad():
        if not parametrize.is_parametrized(module, name):
            getattr(module, name).copy_(value)
            return
        try:
            setattr(module, name, value)
        except (RuntimeError, NotImplementedError):  # no right_inverse
            module.parametrizations[name].original.copy_(value)


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


class Aliases(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Imports ``alias.x`` as the very module ``package.x`` (one module object under both
    names), for editions of a course that import the student package by another name."""

    def __init__(self, aliases):
        self.aliases = aliases  # alias -> package

    def find_spec(self, name, path=None, target=None):
        head, dot, rest = name.partition(".")
        if head not in self.aliases:
            return None
        return importlib.util.spec_from_loader(name, self, origin=self.aliases[head] + dot + rest)

    def create_module(self, spec):
        return importlib.import_module(spec.origin)

    def exec_module(self, module):
        """The real module ran when it was imported under its own name."""


class StandIn:
    """Any attribute of a stand-in module: importable, subscriptable and attribute-able, so
    that module-level code such as ``transforms.Compose([...])`` in a decorator or a default
    argument still imports; calling it raises, saying ``why`` the module is a stand-in."""

    def __init__(self, name, why=None):
        self._name = name
        self._why = why or (f"{name.partition('.')[0]} is not installed here, and the graded functions must not "
                            "load data, plot or use that package")

    def __getattr__(self, attribute):
        if attribute.startswith("__"):
            raise AttributeError(attribute)
        return StandIn(f"{self._name}.{attribute}", self._why)

    def __call__(self, *args, **kwargs):
        raise RuntimeError(f"{self._name} is not available while grading: {self._why}")


def make_inert(module, why=None):
    """Turn ``module`` into a stand-in: every attribute it does not hold is a StandIn."""
    module.__getattr__ = lambda attribute: getattr(StandIn(module.__name__, why), attribute)


class StandIns(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Imports ``names`` (and their submodules) as inert stand-ins, for modules students
    import only to load data or plot. With ``auto``, any other top-level module that nothing
    else can import becomes one too (an import kept from an old starter code), but
    never a name in ``real`` (the student's package, the engine's) or of the standard library.
    Placed last on sys.meta_path, so an installed module always wins. ``used`` lists the
    top-level names stood in for, in order."""

    def __init__(self, names=(), auto=False, real=(), stage=None):
        self.names, self.auto, self.real, self.stage = set(names), auto, set(real), stage
        self.used = []

    def find_spec(self, name, path=None, target=None):
        head = name.partition(".")[0]
        automatic = self.auto and name == head and head not in self.real \
            and head not in sys.stdlib_module_names and self._imported_by_the_submission()
        if head not in self.names and not automatic:
            return None
        self.names.add(head)
        if head not in self.used:
            self.used.append(head)
        return importlib.util.spec_from_loader(name, self, is_package=True)

    def _imported_by_the_submission(self):
        """Whether the import statement is in a file of the submission (under ``stage``): a
        library's optional import (``try: import gmpy2``) must keep failing as it expects."""
        frame = sys._getframe(2)
        while frame is not None and frame.f_code.co_filename.startswith("<frozen importlib"):
            frame = frame.f_back
        return frame is not None and self.stage is not None and frame.f_code.co_filename.startswith(self.stage)

    def create_module(self, spec):
        return None

    def exec_module(self, module):
        module.__path__ = []
        make_inert(module)


def circular(exc):
    """Whether ``exc`` is Python's circular-import failure (a name read from a module still
    being initialised): the order of the imports is at fault, not the code."""
    return isinstance(exc, (ImportError, AttributeError)) and "(most likely due to a circular import)" in str(exc)


def circle_of(exc):
    """The modules to import first after the circular-import failure ``exc``: the one whose
    code read the name (imported first, it lets the other finish before reading), then the
    one still being initialised, which the message names."""
    frame = exc.__traceback__
    while frame.tb_next is not None:
        frame = frame.tb_next
    named = re.search(r"partially initialized module '([\w.]+)'", str(exc))
    return [m for m in (frame.tb_frame.f_globals.get("__name__"), named and named.group(1)) if m]


def import_cleanly(name, folder=None):
    """importlib.import_module, except that a failed import leaves nothing behind: every
    module it added to sys.modules from a file under ``folder`` (the submission's; without
    one, every module) is removed, with its binding in its parent package, so that no later
    import reads a module that stopped half-way, nor one holding such a module. A library it
    imported whole stays: some cannot load twice in a process."""
    before = set(sys.modules)
    try:
        return importlib.import_module(name)
    except BaseException:
        for added in set(sys.modules) - before:
            if folder is None or str(getattr(sys.modules[added], "__file__", None) or "").startswith(folder):
                _forget(added)
        raise


def _forget(name):
    """Remove a module from sys.modules and from its parent package's attributes."""
    module = sys.modules.pop(name)
    parent, _, child = name.rpartition(".")
    bound = getattr(sys.modules.get(parent), "__dict__", {})
    if child in bound and bound[child] is module:
        del bound[child]


def import_in_order(name, first=(), folder=None):
    """Import ``name`` the way a homework's own entry points do: the modules ``first``, then
    ``name``; after a circular-import failure, again with the modules of the circle first (a
    model file asked for before the utils module that imports it at its top). A failure of a
    module imported first is that of ``name`` too, if it matters: ``name`` raises it. Each
    attempt is import_cleanly's (``folder``)."""
    for module in first:
        _quietly(module, folder)
    tried = set()
    while True:
        try:
            return import_cleanly(name, folder)
        except (ImportError, AttributeError) as exc:
            again = [m for m in circle_of(exc) if m not in tried] if circular(exc) else []
            if not again:
                raise
            tried.update(again)
            for module in again:
                _quietly(module, folder)


def _quietly(name, folder):
    try:
        import_cleanly(name, folder)
    except BaseException:  # noqa: B036 - student code may raise anything; the module asked for says what
        pass


class OwnModules(importlib.abc.MetaPathFinder):
    """The student's own modules (``names``: not graded, such as a debug helper or a bonus
    model) whose import raises become inert stand-ins, as an uninstalled package does: a helper
    that opens a file the upload lacks costs only a graded function that calls into it. A
    circular-import failure is the import order's, not the module's: it propagates, for
    import_in_order to import the circle otherwise. Placed first on sys.meta_path."""

    def __init__(self, names, stage):
        self.names, self.stage = set(names), stage
        self._failed = {}  # name -> (its module, the exception of its import)

    def find_spec(self, name, path=None, target=None):
        spec = importlib.machinery.PathFinder.find_spec(name, path) if name in self.names else None
        if spec is not None and spec.loader is not None:
            spec.loader = _Guarded(spec.loader, self)
        return spec

    def stand_in(self, module, exc):
        """Empty ``module`` (its dunders stay) and make it inert, its calls naming the failure."""
        for attribute in [a for a in vars(module) if not a.startswith("__")]:
            delattr(module, attribute)
        make_inert(module, f"{self.file(module)} raised {type(exc).__name__} when it was imported, so a stand-in "
                           "replaced it")
        self._failed[module.__name__] = (module, exc)

    def file(self, module):
        """The module's file, relative to the submission's folder."""
        return os.path.relpath(module.__file__, self.stage)

    def failed(self):
        """[(the file, the exception)] of the stand-ins still imported (an import that failed
        as a whole took its own away)."""
        return [(self.file(module), exc) for name, (module, exc) in sorted(self._failed.items())
                if sys.modules.get(name) is module]


class _Guarded(importlib.abc.Loader):
    """A student module's loader, whose failure (other than a circular import's) makes the
    module a stand-in instead of failing the import."""

    def __init__(self, loader, finder):
        self.loader, self.finder = loader, finder

    def __getattr__(self, attribute):  # get_source and the like, for tracebacks
        return getattr(self.loader, attribute)

    def create_module(self, spec):
        return self.loader.create_module(spec)

    def exec_module(self, module):
        try:
            self.loader.exec_module(module)
        except (Exception, SystemExit) as exc:
            if circular(exc):
                raise
            self.finder.stand_in(module, exc)


class Undefined(AttributeError):
    """The submission does not define a name the contract names (a function, a class or a
    method): the grader tells the student that it is not written yet, and where it belongs."""


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
        self.api = sys.modules[__name__]
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
                raise Undefined(f"{module.replace('.', '/')}.py defines no `{'.'.join(names[:depth + 1])}`")
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
        torch.manual_seed(request.get("seed", 0))
        value = function(*args, **kwargs)

        out = []
        answer = {"value": pack(value, out)}
        answer["modified"] = [i for i, (a, b) in enumerate(zip(snapshot, inputs))
                              if not unchanged(a, b.detach())]
        if "cotangents" in request:
            answer["grads"] = self.gradients(value, request, builder, inputs, out)
        if request.get("report_params"):
            answer["params"] = {name: [pack(p.detach(), out) for p in net.parameters()]
                                for name, net in builder.modules.items()}
        if "cotangents" in request or request.get("report_params"):
            answer["param_names"] = parameter_names(builder.modules)
        return answer, out

    def gradients(self, value, request, builder, inputs, out):
        leaves = tensor_leaves(value)
        cotangents = [builder.tensor(node) for node in request["cotangents"]]
        wrt = [a for a in inputs if a.requires_grad]
        named = [(name, p) for name, net in builder.modules.items() for p in net.parameters()]
        total = sum((leaf * cot).sum() for leaf, cot in zip(leaves, cotangents) if leaf.requires_grad)
        if not torch.is_tensor(total):
            return {"error": "the output does not depend differentiably on any input"}
        grads = torch.autograd.grad(total, wrt + [p for _, p in named], allow_unused=True)
        packed = [None if g is None else pack(g, out) for g in grads]
        params = {}
        for (name, _), g in zip(named, packed[len(wrt):]):
            params.setdefault(name, []).append(g)
        return {"inputs": packed[:len(wrt)], "params": params}


def parameter_names(modules):
    """{network: its parameters' module paths ("layers.0.weight")}, in the order of
    ``parameters()`` (that of ``named_parameters()``): plain strings, so that messages can
    name a parameter as the course's network does."""
    return {name: [path for path, _ in net.named_parameters()] for name, net in modules.items()}


def train(session, request, builder):
    """Call a step function once per row of ``batches`` (indices into ``data``), with
    per-step keyword arguments sliced from ``per_step``; answer the returned losses and
    the networks' parameters after the last step."""
    args, kwargs = builder.build_call(request.get("args", []), request.get("kwargs", {}))
    data, batches = builder.tensor(request["data"]), builder.tensor(request["batches"])
    per_step = {key: builder.tensor(node) for key, node in request.get("per_step", {}).items()}
    step = session.resolve(request["function"])
    torch.manual_seed(request.get("seed", 0))
    losses = []
    for t in range(batches.shape[0]):
        losses.append(step(data[batches[t]], *args, **kwargs, **{k: v[t] for k, v in per_step.items()}))
    out = []
    answer = {"value": pack(losses, out), "modified": []}
    answer["params"] = {name: [pack(p.detach(), out) for p in net.parameters()]
                        for name, net in builder.modules.items()}
    answer["param_names"] = parameter_names(builder.modules)
    return answer, out
