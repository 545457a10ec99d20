"""Inputs and networks the bundled course's checks build (the engine's sub-checks are in
the course API, autograder.api)."""
import math

import numpy as np
import torch

from autograder.api import Mismatch, Net
from checks.plugin import NETWORKS


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


def local(net):
    """``net`` built here by the plugin, as the worker builds it: for the values a known
    mistake gives (hints), never for an expected value."""
    return NETWORKS[net.kind](net.layers, net.options)


def after_step(reply, net):
    """``net`` (a Net) with the parameters ``reply`` reports for it after a step."""
    params = [p.tensor() for p in reply.params[net.name]]
    return Net(net.name, list(zip(params[0::2], params[1::2])), net.kind, **net.options)


def returned(grader, function, *args, **kwargs):
    """What the submission returns on this call, asked again for a hint once its comparison
    failed; None where it raises."""
    try:
        return grader.run_student(function, *args, **kwargs).value
    except AssertionError:
        return None


def known_float_mistake(error, got, mistakes):
    """``error`` with a hint where ``got``, the Python float (or tuple of floats) a step
    returned, matches the value a known mistake gives: ``mistakes`` is [(position in the
    tuple, or None for a single float, description, value)], as compare.py's tolerance for
    mistakes (rtol 1e-4, atol 1e-5). The comparison with the reference, which failed, says
    which output is wrong; this names why."""
    for position, description, value in mistakes:
        found = got if position is None else got[position] if isinstance(got, tuple) and len(got) > position \
            else None
        if type(found) is float and math.isclose(found, float(value), rel_tol=1e-4, abs_tol=1e-5):
            return Mismatch(f"{error}\n  hint: your values match a known mistake: {description}")
    return error


def standardized_noise(error, draws, mu, sd, what):
    """``error`` (the law of the draws failed) with what the noise of the draws shows:
    (draws − mu) / sd, named ``what``, is ε ~ N(0, 1) in the law; its mean and spread, and
    whether every value lies in [0, 1] as uniform noise does (60000 standard normal draws
    never do)."""
    eps = (np.asarray(draws, dtype=np.float64) - np.asarray(mu, dtype=np.float64)) / np.asarray(sd, dtype=np.float64)
    note = (f"{what}, which is ε ~ N(0, 1) in the law, has mean {eps.mean():.3g} and standard deviation "
            f"{eps.std():.3g}")
    if eps.min() > -1e-3 and eps.max() < 1 + 1e-3:
        note += ("; every value lies in [0, 1], as uniform noise (torch.rand) does: ε must be standard normal "
                 "(torch.randn)")
    return Mismatch(f"{error}\n  hint: {note}")
