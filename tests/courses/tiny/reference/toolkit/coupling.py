"""The affine coupling layer of Real NVP (Dinh, Sohl-Dickstein & Bengio, "Density estimation
using Real NVP", 2017), in its masked form."""
import torch


def affine_coupling(x, mask, log_scale, shift):
    """y = b ⊙ x + (1 − b) ⊙ (x ⊙ exp(s) + t) (Eq. 9), and log |det ∂y/∂x| = Σ_d (1 − b_d) s_d.

    Args:
        x: [B, D].
        mask: b, 0/1 values of x's shape: the coordinates passed through unchanged.
        log_scale: s, [B, D].
        shift: t, [B, D].

    Returns:
        (y [B, D], log_det [B]), differentiable in ``x``, ``log_scale`` and ``shift``.
    """
    # SOLUTION
    y = mask * x + (1 - mask) * (x * torch.exp(log_scale) + shift)
    return y, ((1 - mask) * log_scale).sum(-1)
