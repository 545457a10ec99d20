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
    raise NotImplementedError("causal_mask: not implemented yet")


class MaskedConv2d(nn.Conv2d):
    """A Conv2d whose every forward uses ``weight * causal_mask``.

    Masking in forward (not once at construction) keeps the mask in force after optimizer
    steps. ``padding`` defaults to ``kernel_size // 2`` so that spatial size is preserved.
    """

    def __init__(self, in_channels, out_channels, kernel_size, mask_type, **conv_kwargs):
        raise NotImplementedError("__init__: not implemented yet")

    def forward(self, x):
        raise NotImplementedError("forward: not implemented yet")


def receptive_field(model, in_channels, height, width, row, col):
    """The input pixels on which ``output[0, :, row, col]`` depends, found with autograd.

    Each output channel is differentiated separately so that gradients cannot cancel, on
    a random input so that no activation is dead by construction.

    Returns:
        bool [height, width] on the CPU.
    """
    raise NotImplementedError("receptive_field: not implemented yet")
