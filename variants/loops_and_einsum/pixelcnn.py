"""pixelcnn.py with a parametrization-free functional conv and a Jacobian receptive field."""
import torch
import torch.nn.functional as F
from torch import nn


def causal_mask(kernel_size, mask_type):
    if type(kernel_size) is not int or kernel_size < 1 or kernel_size % 2 != 1:
        raise ValueError("kernel size must be a positive odd integer")
    if mask_type not in {"A", "B"}:
        raise ValueError("mask type must be A or B")
    rows = torch.arange(kernel_size).unsqueeze(1)
    cols = torch.arange(kernel_size).unsqueeze(0)
    c = kernel_size // 2
    mask = (rows < c) | ((rows == c) & (cols < c))
    if mask_type == "B":
        mask = mask | ((rows == c) & (cols == c))
    return mask.float()


class MaskedConv2d(nn.Conv2d):
    def __init__(self, in_channels, out_channels, kernel_size, mask_type, **conv_kwargs):
        if "padding" not in conv_kwargs:
            conv_kwargs["padding"] = kernel_size // 2
        super().__init__(in_channels, out_channels, kernel_size, **conv_kwargs)
        self.mask_type = mask_type

    def forward(self, x):
        mask = causal_mask(self.kernel_size[0], self.mask_type).to(self.weight)
        return F.conv2d(x, self.weight * mask, self.bias, self.stride, self.padding, self.dilation, self.groups)


def receptive_field(model, in_channels, height, width, row, col):
    param = next(model.parameters())
    x = torch.rand(1, in_channels, height, width, dtype=param.dtype, device=param.device)
    jacobian = torch.autograd.functional.jacobian(lambda inp: model(inp)[0, :, row, col], x)
    return (jacobian.abs().sum(dim=(0, 1, 2)) > 0).cpu()
