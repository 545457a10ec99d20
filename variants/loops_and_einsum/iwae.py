"""iwae.py with a Python loop over samples and a hand-written log-mean-exp."""
import math

import torch
import torch.nn.functional as F


def log_mean_exp(x, dim):
    peak = x.max(dim=dim, keepdim=True).values
    peak = torch.where(torch.isfinite(peak), peak, torch.zeros_like(peak))
    return (peak.squeeze(dim) + torch.log(torch.exp(x - peak).mean(dim=dim)))


def _log_normal(z, mu, logvar):
    return (-0.5 * (math.log(2 * math.pi) + logvar + (z - mu) ** 2 / torch.exp(logvar))).sum(-1)


def log_importance_weights(x, encoder, decoder, k, *, eps=None):
    mu, logvar = encoder(x)
    rows = []
    for i in range(k):
        e = torch.randn_like(mu) if eps is None else eps[i]
        z = mu + torch.exp(0.5 * logvar) * e
        logits = decoder(z)
        log_lik = -F.binary_cross_entropy_with_logits(logits, x, reduction="none").reshape(x.shape[0], -1).sum(1)
        rows.append(log_lik + _log_normal(z, torch.zeros_like(z), torch.zeros_like(z)) - _log_normal(z, mu, logvar))
    return torch.stack(rows)


def iwae_bound(x, encoder, decoder, k, *, eps=None):
    return log_mean_exp(log_importance_weights(x, encoder, decoder, k, eps=eps), dim=0)
