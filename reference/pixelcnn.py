"""Masked convolutions of PixelCNN (van den Oord et al., 2016) and receptive fields."""
import torch
from torch import nn


def causal_mask(kernel_size, mask_type):
    """The [k, k] causal mask: pixels above, and left of, the centre c = k // 2.

    Type "A" (first layer) excludes the centre; type "B" (later layers) includes it.

    Returns:
        float32 [k, k] of 0/1.

    Raises:
        ValueError: ``kernel_size`` is not a positive odd integer, or ``mask_type`` is
            neither "A" nor "B".
    """
    # SOLUTION
    if isinstance(kernel_size, bool) or not isinstance(kernel_size, int) \
            or kernel_size <= 0 or kernel_size % 2 == 0:
        raise ValueError(f"kernel_size must be a positive odd integer, got {kernel_size!r}")
    if mask_type not in ("A", "B"):
        raise ValueError(f'mask_type must be "A" or "B", got {mask_type!r}')
    c = kernel_size // 2
    mask = torch.zeros(kernel_size, kernel_size)
    mask[:c, :] = 1.0
    mask[c, :c] = 1.0
    if mask_type == "B":
        mask[c, c] = 1.0
    return mask


class MaskedConv2d(nn.Conv2d):
    """A Conv2d whose every forward uses ``weight * causal_mask``.

    Masking in forward (not once at construction) keeps the mask in force after optimizer
    steps. ``padding`` defaults to ``kernel_size // 2`` so that spatial size is preserved.
    """

    def __init__(self, in_channels, out_channels, kernel_size, mask_type, **conv_kwargs):
        # SOLUTION
        conv_kwargs.setdefault("padding", kernel_size // 2)
        super().__init__(in_channels, out_channels, kernel_size, **conv_kwargs)
        self.register_buffer("mask", causal_mask(kernel_size, mask_type))

    def forward(self, x):
        # SOLUTION
        return self._conv_forward(x, self.weight * self.mask, self.bias)


def receptive_field(model, in_channels, height, width, row, col):
    """The input pixels on which ``output[0, :, row, col]`` depends, found with autograd.

    Each output channel is differentiated separately so that gradients cannot cancel, on
    a random input so that no activation is dead by construction.

    Returns:
        bool [height, width] on the CPU.
    """
    # SOLUTION
    param = next(model.parameters(), None)
    dtype = param.dtype if param is not None else torch.float32
    device = param.device if param is not None else torch.device("cpu")
    generator = torch.Generator().manual_seed(0)
    x = torch.randn(1, in_channels, height, width, generator=generator, dtype=dtype)
    x = x.to(device).requires_grad_(True)
    out = model(x)[0, :, row, col]
    depends = torch.zeros(height, width, dtype=torch.bool, device=device)
    for channel in out:
        (grad,) = torch.autograd.grad(channel, x, retain_graph=True)
        depends |= grad[0].abs().sum(0) != 0
    return depends.cpu()
