"""vae.py with equivalent but rearranged formulas."""
import math

import torch
import torch.nn.functional as F


def sample_gaussian(mu, logvar, *, eps=None):
    std = torch.exp(logvar).sqrt()
    return torch.addcmul(mu, std, torch.randn_like(mu) if eps is None else eps)


def sample_gaussian_full(mu, scale, *, eps=None):
    eps = torch.randn_like(mu) if eps is None else eps
    return mu + (eps.unsqueeze(-2) * scale).sum(-1)


def log_normal_diag(x, mu, logvar):
    k = x.shape[-1]
    precision = torch.exp(-logvar)
    return -0.5 * k * math.log(2 * math.pi) - 0.5 * logvar.expand_as(x - mu).sum(-1) \
        - 0.5 * ((x - mu).pow(2) * precision).sum(-1)


def log_normal_full(x, mu, scale):
    cov = scale @ scale.transpose(-1, -2)
    chol = torch.linalg.cholesky(cov)
    diff = (x - mu).unsqueeze(-1)
    white = torch.linalg.solve_triangular(chol, diff.expand(*chol.shape[:-1], 1) if diff.dim() < chol.dim() else diff,
                                          upper=False)
    half_logdet = torch.log(torch.diagonal(chol, dim1=-2, dim2=-1)).sum(-1)
    return -0.5 * (white.squeeze(-1) ** 2).sum(-1) - half_logdet - 0.5 * x.shape[-1] * math.log(2 * math.pi)


def kl_standard_normal(mu, logvar):
    return -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp(), dim=-1)


def kl_diag_gaussians(q_mu, q_logvar, p_mu, p_logvar):
    return 0.5 * torch.sum(p_logvar - q_logvar - 1, -1) + 0.5 * torch.sum(
        (q_logvar.exp() + (q_mu - p_mu).pow(2)) * torch.exp(-p_logvar), -1)


def bernoulli_log_likelihood(x, logits):
    return (x * logits - F.softplus(logits)).reshape(len(x), -1).sum(-1)


def elbo(x, encoder, decoder, *, n_samples=1, eps=None):
    mu, logvar = encoder(x)
    if eps is None:
        eps = torch.randn((n_samples,) + tuple(mu.shape), dtype=mu.dtype, device=mu.device)
    total = 0
    for e in eps:
        total = total + bernoulli_log_likelihood(x, decoder(sample_gaussian(mu, logvar, eps=e)))
    rec = total / eps.shape[0]
    kl = kl_standard_normal(mu, logvar)
    return rec - kl, rec, kl
