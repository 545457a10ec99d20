"""discriminator.py with rearranged formulas."""
import torch


def optimal_discriminator(log_p_data, log_p_model):
    return 1.0 / (1.0 + torch.exp(log_p_model - log_p_data))


def log_density_from_discriminator(log_f0, d):
    return log_f0 + torch.logit(d)
