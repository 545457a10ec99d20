"""Calls of student functions, described in plain data and answered in plain data.

The grader describes a call as a tree of JSON values and array references: tensors to
build, networks to build from given weights (``$module``), optimizers over them
(``$optimizer``). The same code runs in the trusted process against the reference, so
both sides are exercised identically; only the implementation module differs.
"""
import importlib
import math

import torch
from torch import nn
from torch.nn.utils import parametrize


class MLP(nn.Module):
    """Linear layers with tanh between them; the head shapes the output as a contract
    callable returns it."""

    def __init__(self, layers, head, out_shape, pair):
        super().__init__()
        self.layers = nn.ModuleList()
        for weight, bias in layers:
            linear = nn.Linear(weight.shape[1], weight.shape[0])
            with torch.no_grad():
                linear.weight.copy_(weight)
                linear.bias.copy_(bias)
            self.layers.append(linear)
        self.head, self.out_shape, self.pair = head, out_shape, pair

    def forward(self, x, z=None):
        h = torch.cat([x.flatten(1), z], -1) if self.pair else x.flatten(1)
        for i, layer in enumerate(self.layers):
            h = layer(h)
            if i < len(self.layers) - 1:
                h = torch.tanh(h)
        if self.head == "gaussian":
            return tuple(h.chunk(2, -1))
        if self.head == "squeeze":
            return h.squeeze(-1)
        return h.reshape(h.shape[0], *self.out_shape) if self.out_shape else h


class _ConvStack(nn.Sequential):
    """Plain Conv2d layers, weights already masked by the grader, and nothing between them:
    in a linear stack which inputs an output depends on cannot vary with the input (a ReLU
    could hide a dependence at some inputs)."""

    def __init__(self, layers, padding):
        modules = []
        for weight, bias in layers:
            conv = nn.Conv2d(weight.shape[1], weight.shape[0], weight.shape[-1], padding=padding)
            with torch.no_grad():
                conv.weight.copy_(weight)
                conv.bias.copy_(bias)
            modules.append(conv)
        super().__init__(*modules)


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

    def __init__(self, arrays, device, dtype):
        self.arrays, self.device, self.dtype = arrays, torch.device(device), dtype
        self.modules = {}

    def tensor(self, node):
        value = torch.from_numpy(self.arrays[node["$t"]].copy()).to(self.device)
        if value.is_floating_point():
            value = value.to(getattr(torch, node.get("dtype", self.dtype)))
        return value.requires_grad_(bool(node.get("requires_grad")))

    def module(self, node):
        layers = [(self.tensor(w), self.tensor(b)) for w, b in node["layers"]]
        if node["$module"] == "conv":
            net = _ConvStack(layers, node["padding"])
        else:
            net = MLP(layers, node.get("head"), node.get("out_shape"), node.get("pair", False))
        net = net.to(device=self.device, dtype=getattr(torch, self.dtype))
        self.modules[node["name"]] = net
        return net

    def optimizer(self, node):
        params = [p for name in node["over"] for p in self.modules[name].parameters()]
        return OPTIMIZERS[node["$optimizer"]](params, lr=node["lr"])

    def build(self, node):
        if isinstance(node, list):
            return [self.build(item) for item in node]
        if not isinstance(node, dict):
            return node
        if "$t" in node:
            return self.tensor(node)
        if "$module" in node:
            return self.module(node)
        if "$optimizer" in node:
            return self.optimizer(node)
        if "$tuple" in node:
            return tuple(self.build(item) for item in node["$tuple"])
        return {key: self.build(value) for key, value in node.items()}

    def build_call(self, args, kwargs):
        """Modules first, so that optimizers can refer to them in any position."""
        def is_module(node):
            return isinstance(node, dict) and "$module" in node
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


def pack(value, arrays):
    """A returned value as a tree of JSON and array references; anything that is not
    exactly a tensor, a number, None, a string or a tuple/list of them is described by
    its type name only."""
    kind = type(value)
    if kind is torch.Tensor:
        arrays.append(value.detach().cpu().resolve_conj().resolve_neg().numpy())
        return {"$t": len(arrays) - 1, "dtype": str(value.dtype).removeprefix("torch."),
                "device": str(value.device), "requires_grad": value.requires_grad}
    if kind in (tuple, list):
        return {"$" + kind.__name__: [pack(item, arrays) for item in value]}
    if kind is float:
        return value if math.isfinite(value) else {"$float": repr(value)}
    if kind in (int, bool, str) or value is None:
        return value
    return {"$other": f"{kind.__module__}.{kind.__qualname__}"}


def tensor_leaves(value):
    if type(value) is torch.Tensor:
        return [value]
    if type(value) in (tuple, list):
        return [leaf for item in value for leaf in tensor_leaves(item)]
    return []


def unchanged(before, after):
    if before.shape != after.shape or before.dtype != after.dtype:
        return False
    same = (before == after) | (before.isnan() & after.isnan()) if before.is_floating_point() \
        else before == after
    return bool(same.all())


class Session:
    """Resolves contract names (``"vae.elbo"``) to the implementation and runs calls."""

    def __init__(self, module_names):
        self.module_names = module_names  # contract module -> importable module name
        self.loaded = {}

    def load(self, module):
        if module not in self.loaded:
            self.loaded[module] = importlib.import_module(self.module_names[module])
        return self.loaded[module]

    def resolve(self, qualified):
        module, _, name = qualified.partition(".")
        implementation = self.load(module)
        if not hasattr(implementation, name):
            raise AttributeError(f"{module}.py defines no `{name}`")
        return getattr(implementation, name)

    def call(self, request, arrays):
        """Run one request; returns ``(header, arrays)`` of the answer."""
        builder = Builder(arrays, request.get("device", "cpu"), request.get("dtype", "float32"))
        if request.get("op") == "masked_conv":
            return self.masked_conv(request, builder)
        if request.get("op") == "train":
            return self.train(request, builder)
        args, kwargs = builder.build_call(request.get("args", []), request.get("kwargs", {}))
        inputs = [a for a in [*args, *kwargs.values()] if type(a) is torch.Tensor]
        snapshot = [a.detach().clone() for a in inputs]
        function = self.resolve(request["function"])
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

    def masked_conv(self, request, builder):
        """Construct MaskedConv2d, load weights, and record outputs and input gradients
        before and after SGD steps on sum(output · cotangent)."""
        cls = self.resolve(request["function"])
        conv = cls(*request["ctor"], **request.get("ctor_kwargs", {}))
        conv = conv.to(device=builder.device, dtype=getattr(torch, builder.dtype))
        set_parameter(conv, "weight", builder.tensor(request["weight"]))
        set_parameter(conv, "bias", builder.tensor(request["bias"]))
        x0, cot = builder.tensor(request["x"]), builder.tensor(request["cotangent"])
        opt = PlainSGD(conv.parameters(), lr=request["lr"])
        out, trace = [], []
        for _ in range(request["steps"] + 1):
            x = x0.clone().requires_grad_(True)
            y = conv(x)
            opt.zero_grad()
            (y * cot).sum().backward()
            trace.append({"output": pack(y.detach(), out), "grad_x": pack(x.grad, out)})
            opt.step()
        return {"value": {"is_conv2d": isinstance(conv, nn.Conv2d), "trace": trace}, "modified": []}, out

    def train(self, request, builder):
        """Call a step function once per row of ``batches`` (indices into ``data``), with
        per-step keyword arguments sliced from ``per_step``; answer the returned losses and
        the networks' parameters after the last step."""
        args, kwargs = builder.build_call(request.get("args", []), request.get("kwargs", {}))
        data, batches = builder.tensor(request["data"]), builder.tensor(request["batches"])
        per_step = {key: builder.tensor(node) for key, node in request.get("per_step", {}).items()}
        step = self.resolve(request["function"])
        torch.manual_seed(request.get("seed", 0))
        losses = []
        for t in range(batches.shape[0]):
            losses.append(step(data[batches[t]], *args, **kwargs, **{k: v[t] for k, v in per_step.items()}))
        out = []
        answer = {"value": pack(losses, out), "modified": []}
        answer["params"] = {name: [pack(p.detach(), out) for p in net.parameters()]
                            for name, net in builder.modules.items()}
        return answer, out
