"""A request's values built for a call: its tree (protocol.py) as tensors on one device and
dtype, networks built by the course plugin's ``NETWORKS`` from the grader's weights, and
optimizers over them; and what an answer reports of those networks."""
import torch

from .optimizers import OPTIMIZERS
from .protocol import pack
from .tree import MODULE, OPTIMIZER, TENSOR, TUPLE, rebuild, torch_dtype


def reseed(seed):
    """torch.manual_seed(seed) for the devices a grading runs on: the CPU's generator, and
    CUDA's where torch has it. torch.manual_seed itself also queues a seed for CUDA where
    CUDA is not there, capturing a stack trace each time (0.5 ms a call, several per graded
    call)."""
    torch.default_generator.manual_seed(seed)
    if torch.cuda.is_available():
        torch.cuda.manual_seed_all(seed)


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


def parameter_names(modules):
    """{network: its parameters' module paths ("layers.0.weight")}, in the order of
    ``parameters()`` (that of ``named_parameters()``): plain strings, so that messages can
    name a parameter as the course's network does."""
    return {name: [path for path, _ in net.named_parameters()] for name, net in modules.items()}


def packed_parameters(modules, out):
    """{network: its parameters now, packed into ``out``} (an answer's ``params``)."""
    return {name: [pack(p.detach(), out) for p in net.parameters()] for name, net in modules.items()}
