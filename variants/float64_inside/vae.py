"""vae.py computing in float64 internally and returning the input's dtype."""
import math

import torch
import torch.nn.functional as F


def _wide(*tensors):
    return [t.double() for t in tensors]


def sample_gaussian(mu, logvar, *, eps=None):
    if eps is None:
        eps = torch.randn_like(mu)
    m, lv, e = _wide(mu, logvar, eps)
    return (m + torch.exp(lv / 2) * e).to(mu.dtype)


def sample_gaussian_full(mu, scale, *, eps=None):
    if eps is None:
        eps = torch.randn_like(mu)
    m, s, e = _wide(mu, scale, eps)
    return (m + (s @ e[..., None])[..., 0]).to(mu.dtype)


def log_normal_diag(x, mu, logvar):
    x64, m, lv = _wide(x, mu, logvar)
    return (-0.5 * (math.log(2 * math.pi) + lv + (x64 - m) ** 2 / torch.exp(lv)).sum(-1)).to(x.dtype)


def log_normal_full(x, mu, scale):
    x64, m, s = _wide(x, mu, scale)
    z0 = torch.linalg.solve(s, (x64 - m)[..., None])[..., 0]
    k = x.shape[-1]
    out = -0.5 * k * math.log(2 * math.pi) - 0.5 * (z0 ** 2).sum(-1) - torch.linalg.slogdet(s)[1]
    return out.to(x.dtype)


def kl_standard_normal(mu, logvar):
    m, lv = _wide(mu, logvar)
    return (0.5 * (lv.exp() + m ** 2 - 1 - lv).sum(-1)).to(mu.dtype)


def kl_diag_gaussians(q_mu, q_logvar, p_mu, p_logvar):
    qm, qlv, pm, plv = _wide(q_mu, q_logvar, p_mu, p_logvar)
    return (0.5 * (plv - qlv + (qlv.exp() + (qm - pm) ** 2) / plv.exp() - 1).sum(-1)).to(q_mu.dtype)


def bernoulli_log_likelihood(x, logits):
    x64, l64 = _wide(x, logits)
    return (x64 * F.logsigmoid(l64) + (1 - x64) * F.logsigmoid(-l64)).flatten(1).sum(1).to(logits.dtype)


def elbo(x, encoder, decoder, *, n_samples=1, eps=None):
    mu, logvar = encoder(x)
    if eps is None:
        eps = torch.randn(n_samples, *mu.shape, dtype=mu.dtype, device=mu.device)
    z = sample_gaussian(mu, logvar, eps=eps)
    rec = torch.stack([bernoulli_log_likelihood(x, decoder(z_l)) for z_l in z]).mean(0)
    kl = kl_standard_normal(mu, logvar)
    return rec - kl, rec, kl
