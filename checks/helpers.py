"""Inputs and networks the bundled course's checks build (the engine's sub-checks are in
the course API, autograder.api)."""
import torch

from autograder.api import Net



def well_conditioned(draw, *batch, k):
    """Random [*batch, k, k] matrices U·diag(s)·Vᵀ with singular values s in [0.5, 2], so
    that every reasonable way of inverting them is accurate in float32."""
    u = torch.linalg.qr(draw.normal(*batch, k, k, dtype=torch.float64))[0]
    v = torch.linalg.qr(draw.normal(*batch, k, k, dtype=torch.float64))[0]
    s = draw.uniform(*batch, k, low=0.5, high=2.0, dtype=torch.float64)
    return (u * s.unsqueeze(-2) @ v.mT).float()


def linear(draw, n_in, n_out, scale=0.5):
    return (draw.normal(n_out, n_in, scale=scale / n_in ** 0.5), draw.normal(n_out, scale=0.1))


def mlp(draw, name, sizes, **kwargs):
    """A tanh MLP with weights drawn for this test."""
    return Net(name, [linear(draw, a, b) for a, b in zip(sizes[:-1], sizes[1:])], "mlp", **kwargs)


def vae_nets(draw, data_dim=6, latent_dim=2, hidden=8, image_shape=None):
    encoder = mlp(draw, "encoder", [data_dim, hidden, 2 * latent_dim], head="gaussian")
    decoder = mlp(draw, "decoder", [latent_dim, hidden, data_dim], out_shape=image_shape)
    return encoder, decoder
