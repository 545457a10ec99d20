"""Exponential draws by inversion of the CDF."""
import torch

from toolkit.constants import TINY


def sample_exponential(rate, *, u=None):
    """Draws of Exp(rate) by inversion: x = −log(u) / rate, u ~ U(0, 1).

    Args:
        rate: positive rates, any shape.
        u: uniform noise of rate's shape; drawn from torch's global generator when omitted.

    Returns:
        tensor of rate's shape, differentiable in ``rate``.
    """
    # SOLUTION
    if u is None:
        u = torch.rand(rate.shape, dtype=rate.dtype, device=rate.device)
    return -torch.log(u.clamp_min(TINY)) / rate
