"""iwae.py written with torch.distributions."""
import math

import torch
from torch import distributions as D


def log_mean_exp(x, dim):
    return torch.logsumexp(x, dim=dim) - math.log(x.size(dim))


def log_importance_weights(x, encoder, decoder, k, *, eps=None):
    mu, logvar = encoder(x)
    q = D.Independent(D.Normal(mu, torch.exp(0.5 * logvar)), 1)
    prior = D.Independent(D.Normal(torch.zeros_like(mu), torch.ones_like(mu)), 1)
    z = q.rsample((k,)) if eps is None else mu + torch.exp(0.5 * logvar) * eps
    logits = decoder(z.flatten(0, 1)).unflatten(0, z.shape[:2])
    log_lik = D.Bernoulli(logits=logits, validate_args=False).log_prob(x.expand_as(logits)).flatten(2).sum(-1)
    return log_lik + prior.log_prob(z) - q.log_prob(z)


def iwae_bound(x, encoder, decoder, k, *, eps=None):
    return log_mean_exp(log_importance_weights(x, encoder, decoder, k, eps=eps), 0)
