"""The GMVAE prior p(z) = (1/M) Σ_m N(z; mean_m, diag exp(logvar_m))."""


def log_normal_mixture(z, means, logvars):
    """log (1/M) Σ_m N(z; means[m], diag exp(logvars[m])), by log-mean-exp over m.

    Args:
        z: [B, K].
        means, logvars: [M, K].

    Returns:
        [B].
    """
    raise NotImplementedError("log_normal_mixture: not implemented yet")


def gmvae_kl_estimate(z, q_mu, q_logvar, prior_means, prior_logvars):
    """Single-sample estimate of KL(q(z|x) ‖ p(z)): log q(z|x) − log p(z).

    Args:
        z: a sample from q, [B, K].
        q_mu, q_logvar: [B, K].
        prior_means, prior_logvars: [M, K].

    Returns:
        [B].
    """
    raise NotImplementedError("gmvae_kl_estimate: not implemented yet")
