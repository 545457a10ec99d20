"""The bundled course's worker plugin: the networks its checks hand to the submission and
the masked-convolution probe. Instructor code, loaded beside the submission in the worker
and beside the reference in the grader (worker/probes.py says how a plugin is used).
Imports nothing of the engine: the engine's helpers come as ``session.api``."""
import torch
from torch import nn


class MLP(nn.Module):
    """Linear layers with tanh between them; the head shapes the output as a contract
    callable returns it: "gaussian" -> (mu, logvar), "squeeze" -> [B], else ``out_shape``.
    With ``pair`` it takes (x, z) and reads their concatenation (a BiGAN discriminator)."""

    def __init__(self, layers, head=None, out_shape=None, pair=False):
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


class ConvStack(nn.Sequential):
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


def masked_conv(session, request, builder):
    """Construct the submission's MaskedConv2d, load weights, and record outputs and input
    gradients before and after SGD steps on sum(output · cotangent)."""
    api = session.api
    cls = session.resolve(request["function"])
    conv = cls(*request["ctor"], **request.get("ctor_kwargs", {}))
    conv = conv.to(device=builder.device, dtype=getattr(torch, builder.dtype))
    api.set_parameter(conv, "weight", builder.tensor(request["weight"]))
    api.set_parameter(conv, "bias", builder.tensor(request["bias"]))
    x0, cot = builder.tensor(request["x"]), builder.tensor(request["cotangent"])
    opt = api.PlainSGD(conv.parameters(), lr=request["lr"])
    trace = []
    for _ in range(request["steps"] + 1):
        x = x0.clone().requires_grad_(True)
        y = conv(x)
        opt.zero_grad()
        (y * cot).sum().backward()
        trace.append({"output": y.detach(), "grad_x": x.grad})
        opt.step()
    return {"is_conv2d": isinstance(conv, nn.Conv2d), "trace": trace}


NETWORKS = {
    "mlp": lambda layers, node: MLP(layers, node.get("head"), node.get("out_shape"), node.get("pair", False)),
    "conv": lambda layers, node: ConvStack(layers, node.get("padding", 0)),
}
OPS = {"masked_conv": masked_conv}
