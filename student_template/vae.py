"""Reparameterization, Gaussian densities, analytic KL, Bernoulli likelihood and the ELBO.

Equation numbers refer to Kingma & Welling, "Auto-Encoding Variational Bayes" (2014).
"""
import math

import torch
import torch.nn.functional as F

LOG_2PI = math.log(2 * math.pi)


def sample_gaussian(mu, logvar, *, eps=None):
    """Reparameterized draw from N(mu, diag(exp(logvar))) (Eq. 10).

    Args:
        mu: mean, [..., K].
        logvar: log-variance, broadcastable to ``mu``.
        eps: standard-normal noise of ``mu``'s shape; drawn when omitted.

    Returns:
        ``mu + exp(logvar / 2) * eps``, [..., K], differentiable in ``mu`` and ``logvar``.
    """
    raise NotImplementedError("sample_gaussian: not implemented yet")


def sample_gaussian_full(mu, scale, *, eps=None):
    """Reparameterized draw from N(mu, scale scaleᵀ): ``mu + scale @ eps``.

    Args:
        mu: mean, [..., K].
        scale: nonsingular matrix square root of the covariance, [..., K, K].
        eps: standard-normal noise, [..., K]; drawn when omitted.

    Returns:
        [..., K], differentiable in ``mu`` and ``scale``.
    """
    raise NotImplementedError("sample_gaussian_full: not implemented yet")


def log_normal_diag(x, mu, logvar):
    """log N(x; mu, diag(exp(logvar))), summed over the last dimension.

    Args:
        x, mu, logvar: broadcastable, [..., K].

    Returns:
        [...]: ``-½ Σ_k (log 2π + logvar_k + (x_k − mu_k)² / exp(logvar_k))``.
    """
    raise NotImplementedError("log_normal_diag: not implemented yet")


def log_normal_full(x, mu, scale):
    """Log density of x = mu + scale·z0, z0 ~ N(0, I), by change of variables.

    ``log p(x) = log N(scale⁻¹(x − mu); 0, I) − log |det scale|``, i.e. the density of
    N(mu, scale scaleᵀ).

    Args:
        x, mu: [..., K].
        scale: nonsingular, [..., K, K].

    Returns:
        [...].
    """
    raise NotImplementedError("log_normal_full: not implemented yet")


def kl_standard_normal(mu, logvar):
    """KL(N(mu, diag exp(logvar)) ‖ N(0, I)), analytic (Appendix B).

    Args:
        mu, logvar: [..., K].

    Returns:
        [...]: ``½ Σ_k (exp(logvar_k) + mu_k² − 1 − logvar_k)``.
    """
    raise NotImplementedError("kl_standard_normal: not implemented yet")


def kl_diag_gaussians(q_mu, q_logvar, p_mu, p_logvar):
    """KL(q ‖ p) between diagonal Gaussians, analytic, summed over the last dimension.

    Args:
        q_mu, q_logvar, p_mu, p_logvar: broadcastable, [..., K].

    Returns:
        [...]: ``½ Σ_k (p_logvar − q_logvar + (exp(q_logvar) + (q_mu − p_mu)²) / exp(p_logvar) − 1)``.
    """
    raise NotImplementedError("kl_diag_gaussians: not implemented yet")


def bernoulli_log_likelihood(x, logits):
    """Σ over all but the batch dimension of x·log σ(l) + (1 − x)·log(1 − σ(l)).

    Args:
        x: targets in [0, 1], [B, ...].
        logits: Bernoulli logits, same shape as ``x``.

    Returns:
        [B]. Uses log-sigmoid, so it is finite for any finite logits.
    """
    raise NotImplementedError("bernoulli_log_likelihood: not implemented yet")


def elbo(x, encoder, decoder, *, n_samples=1, eps=None):
    """The ELBO of Eq. 7 with an analytic KL: E_q[log p(x|z)] − KL(q(z|x) ‖ N(0, I)).

    Args:
        x: data, [B, ...].
        encoder: ``x -> (mu, logvar)``, each [B, K].
        decoder: ``z [N, K] -> logits [N, *x.shape[1:]]``.
        n_samples: L, latents per example.
        eps: noise, [L, B, K]; drawn when omitted.

    Returns:
        ``(elbo, rec, kl)``, each [B]; ``rec`` is the mean over the L samples of log p(x|z).
    """
    raise NotImplementedError("elbo: not implemented yet")
