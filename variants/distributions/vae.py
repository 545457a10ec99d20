"""vae.py written with torch.distributions."""
import torch
from torch import distributions as D


def sample_gaussian(mu, logvar, *, eps=None):
    q = D.Normal(mu, torch.exp(0.5 * logvar))
    return q.rsample() if eps is None else q.loc + q.scale * eps


def sample_gaussian_full(mu, scale, *, eps=None):
    if eps is None:  # same distribution, through the Cholesky factor of scale·scaleᵀ
        return D.MultivariateNormal(mu, covariance_matrix=scale @ scale.mT).rsample()
    return mu + torch.einsum("...ij,...j->...i", scale, eps)


def log_normal_diag(x, mu, logvar):
    return D.Independent(D.Normal(mu, torch.exp(0.5 * logvar)), 1).log_prob(x)


def log_normal_full(x, mu, scale):
    return D.MultivariateNormal(mu, covariance_matrix=scale @ scale.mT).log_prob(x)


def kl_standard_normal(mu, logvar):
    q = D.Normal(mu, torch.exp(0.5 * logvar))
    p = D.Normal(torch.zeros_like(mu), torch.ones_like(mu))
    return D.kl_divergence(q, p).sum(-1)


def kl_diag_gaussians(q_mu, q_logvar, p_mu, p_logvar):
    return D.kl_divergence(D.Normal(q_mu, torch.exp(0.5 * q_logvar)), D.Normal(p_mu, torch.exp(0.5 * p_logvar))).sum(-1)


def bernoulli_log_likelihood(x, logits):
    # ContinuousBernoulli would add a normalizer; the Bernoulli log-pmf formula holds for x in [0, 1]
    return D.Bernoulli(logits=logits, validate_args=False).log_prob(x).flatten(1).sum(1)


def elbo(x, encoder, decoder, *, n_samples=1, eps=None):
    mu, logvar = encoder(x)
    q = D.Normal(mu, torch.exp(0.5 * logvar))
    z = q.rsample((n_samples,)) if eps is None else mu + torch.exp(0.5 * logvar) * eps
    logits = decoder(z.flatten(0, 1)).unflatten(0, z.shape[:2])
    rec = D.Bernoulli(logits=logits, validate_args=False).log_prob(x.expand_as(logits)).flatten(2).sum(-1).mean(0)
    kl = D.kl_divergence(q, D.Normal(torch.zeros_like(mu), torch.ones_like(mu))).sum(-1)
    return rec - kl, rec, kl
