"""Weights the checks load into the submission's models, chosen so that what a bound
returns has a law known in closed form, and the grader-side values of that law (float64,
computed with the reference networks, never with the submission).

State-dict names are the scaffold's (``enc.net.{0,2,4}``, ``dec.net.{0,2,4}``,
``cls.net.{0,2,4}``, ``z_pre``). ``v`` is a variance, ``softplus(pre) + 1e-8``.
- ``encoder(kind)``: "prior": q(z|x) = N(0, I) for every x; "shifted": N(m(x), I), m a
  network of x; "sharp": N(m(x), 1e-6·I), z = m(x) up to 1e-3; "random": nn.Linear's init.
- ``decoder(kind)``: "constant": logits ignore z, so log p(x|z) = c(x) (with a label y, c(x, y)
  varies by tens of nats between labels); "linear": logits
  L·t + A z in ELU's linear region, so for x close to the template t, log p(x|z) = c(x) +
  g(x)·z up to e^-L; "random".
"""
import math

import numpy as np
import torch
from torch.nn import functional as F

PIXELS, HIDDEN, Y_DIM = 784, 300, 10
UNIT = math.log(math.expm1(1.0))  # softplus(UNIT) + 1e-8 is exactly 1 in float32
SHARP = math.log(math.expm1(1e-6))
LINEAR_LOGIT = 20.0  # L: the far side of a pixel's sigmoid, where log σ is linear to e^-20
ELU_SHIFT = 50.0  # hidden units z + 50 > 0: ELU's identity region


def _layers(prefix, layers):
    state = {}
    for index, (weight, bias) in zip((0, 2, 4), layers):
        state[f"{prefix}.net.{index}.weight"], state[f"{prefix}.net.{index}.bias"] = weight, bias
    return state


def encoder(draw, kind, z_dim, y_dim=0, spread=1.0):
    first, second = draw.linear(PIXELS + y_dim, HIDDEN), draw.linear(HIDDEN, HIDDEN)
    weight, bias = draw.linear(HIDDEN, 2 * z_dim)
    if kind == "random":
        return _layers("enc", [first, second, (weight, bias)])
    weight = weight.clone()
    weight[z_dim:] = 0.0  # the variance ignores x
    weight[:z_dim] *= spread * math.sqrt(HIDDEN)  # means of order ``spread``
    pre = {"prior": UNIT, "shifted": UNIT, "sharp": SHARP}[kind]
    bias = torch.cat([draw.normal(z_dim) * spread, torch.full((z_dim,), pre)])
    if kind == "prior":
        weight, bias = torch.zeros_like(weight), torch.cat([torch.zeros(z_dim), torch.full((z_dim,), UNIT)])
    return _layers("enc", [first, second, (weight, bias)])


def decoder(draw, kind, z_dim, y_dim=0, template=None, slope=0.3):
    first, second, third = draw.linear(z_dim + y_dim, HIDDEN), draw.linear(HIDDEN, HIDDEN), draw.linear(HIDDEN, PIXELS)
    if kind == "constant":
        first = (first[0].clone(), first[1])
        first[0][:, :z_dim] = 0.0
        if y_dim:  # logits of magnitude ~5 that vary with y: log p(x|y) differs by tens of nats between labels
            first[0][:, z_dim:] *= 30.0
            third = (third[0] * 10.0, third[1])
    elif kind == "linear":
        eye = torch.zeros(HIDDEN, z_dim + y_dim)
        eye[:z_dim, :z_dim] = torch.eye(z_dim)
        shift = torch.zeros(HIDDEN)
        shift[:z_dim] = ELU_SHIFT
        second_w = torch.zeros(HIDDEN, HIDDEN)
        second_w[:z_dim, :z_dim] = torch.eye(z_dim)
        slopes = torch.zeros(PIXELS, HIDDEN)
        slopes[:, :z_dim] = draw.normal(PIXELS, z_dim, scale=slope)
        signs = 2 * template - 1
        bias = LINEAR_LOGIT * signs - ELU_SHIFT * slopes[:, :z_dim].sum(1)
        first, second, third = (eye, shift), (second_w, torch.zeros(HIDDEN)), (slopes, bias)
    return _layers("dec", [first, second, third])


def classifier(draw):
    layers = [draw.linear(PIXELS, HIDDEN), draw.linear(HIDDEN, HIDDEN), draw.linear(HIDDEN, Y_DIM)]
    layers[-1] = (layers[-1][0] * 50.0, layers[-1][1])  # confident and varied q(y|x)
    return _layers("cls", layers)


def mixture_prior(draw, k, z_dim, kind):
    """z_pre (1, 2k, z_dim): "identical": every component N(0, I), so the mixture is N(0, I);
    "spread": means N(4·e₁, I), variances in [0.1, 1], far from N(0, I) where q puts z (a
    mixture mistaken for N(0, I) is off by ~10 nats per example)."""
    if kind == "identical":
        return {"z_pre": torch.cat([torch.zeros(1, k, z_dim), torch.full((1, k, z_dim), UNIT)], 1)}
    variances = draw.uniform(1, k, z_dim, low=0.1, high=1.0, dtype=torch.float64)
    means = draw.normal(1, k, z_dim)
    means[..., 0] += 4.0
    return {"z_pre": torch.cat([means, torch.log(torch.expm1(variances)).float()], 1)}


def near(draw, template, batch, most_flips=6):
    """``batch`` binary images equal to ``template`` but for 0…most_flips flipped pixels each."""
    x = template.expand(batch, -1).clone()
    for row in range(batch):
        flips = torch.randperm(PIXELS, generator=draw.generator)[:draw.integers(0, most_flips + 1)]
        x[row, flips] = 1 - x[row, flips]
    return x


def reference_model(cls, state, **ctor):
    """The reference's model in float64 with ``state`` loaded (for the laws' parameters)."""
    model = cls(**ctor).double()
    model.load_state_dict({k: v.double() for k, v in state.items()}, strict=False)
    return model


def encoder_outputs(model, x, y=None):
    with torch.no_grad():
        h = model.enc.net(x.double() if y is None else torch.cat([x.double(), y.double()], 1))
    m, pre = h.chunk(2, dim=1)
    return m, F.softplus(pre) + 1e-8


def log_likelihood_and_slope(model, x, z_dim, y=None):
    """c(x) = log p(x | z = 0) and g(x) = ∇_z log p(x | z) at 0 (B,), (B, z_dim), float64."""
    z = torch.zeros(x.shape[0], z_dim, dtype=torch.float64, requires_grad=True)
    logits = model.dec.net(z if y is None else torch.cat([z, y.double()], 1))
    c = -F.binary_cross_entropy_with_logits(logits, x.double(), reduction="none").sum(1)
    (g,) = torch.autograd.grad(c.sum(), z)
    return c.detach(), g


def one_hot_pairs(batch):
    """The SSVAE's (10·B, 10) labels: row r is the one-hot of r // B."""
    return torch.eye(Y_DIM, dtype=torch.float64).repeat_interleave(batch, 0)


def as_numpy(value):
    return np.asarray(value, dtype=np.float64)
