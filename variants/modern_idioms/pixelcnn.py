"""PixelCNN masks as a student using current PyTorch idioms writes them: the mask as a
weight parametrization (torch.nn.utils.parametrize), the receptive field from autograd."""
import torch
from torch import nn
from torch.nn.utils import parametrize


def causal_mask(kernel_size, mask_type):
    if type(kernel_size) is not int or kernel_size < 1 or kernel_size % 2 == 0:
        raise ValueError("kernel size must be a positive odd integer")
    if mask_type not in {"A", "B"}:
        raise ValueError("mask type must be A or B")
    centre = kernel_size // 2
    rows = torch.arange(kernel_size).unsqueeze(1)
    cols = torch.arange(kernel_size).unsqueeze(0)
    before = (rows < centre) | ((rows == centre) & (cols < centre))
    if mask_type == "B":
        before |= (rows == centre) & (cols == centre)
    return before.float()


class _Mask(nn.Module):
    def __init__(self, mask):
        super().__init__()
        self.register_buffer("mask", mask)

    def forward(self, weight):
        return weight * self.mask


class MaskedConv2d(nn.Conv2d):
    def __init__(self, in_channels, out_channels, kernel_size, mask_type, **conv_kwargs):
        conv_kwargs.setdefault("padding", kernel_size // 2)
        super().__init__(in_channels, out_channels, kernel_size, **conv_kwargs)
        parametrize.register_parametrization(self, "weight", _Mask(causal_mask(kernel_size, mask_type)))


def receptive_field(model, in_channels, height, width, row, col):
    weight = next(model.parameters())
    x = torch.randn(1, in_channels, height, width, dtype=weight.dtype, device=weight.device, requires_grad=True)
    hits = torch.zeros(height, width, dtype=torch.bool)
    for output in model(x)[0, :, row, col]:
        (grad,) = torch.autograd.grad(output, x, retain_graph=True)
        hits |= (grad[0] != 0).any(0).cpu()
    return hits
