"""The optimal discriminator D* = p_data / (p_data + p_model) (Goodfellow et al., 2014,
Prop. 1) and the density ratio it encodes."""
import torch


def optimal_discriminator(log_p_data, log_p_model):
    """D*(x) = p_data / (p_data + p_model) = σ(log p_data − log p_model).

    Stable for any finite log ratio because it never exponentiates the densities.
    """
    raise NotImplementedError("optimal_discriminator: not implemented yet")


def log_density_from_discriminator(log_f0, d):
    """log f1 = log f0 + log D − log(1 − D), inverting D = f1 / (f0 + f1).

    Args:
        log_f0: log density of the reference distribution.
        d: discriminator output in (0, 1), broadcastable to ``log_f0``.
    """
    raise NotImplementedError("log_density_from_discriminator: not implemented yet")
