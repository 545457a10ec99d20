"""GAN objectives for the value function V(D, G) of Eq. 12 (no factor ½):
V = E_data[log D(x)] + E_z[log(1 − D(G(z)))], D = σ(logits)."""
import torch
import torch.nn.functional as F


def discriminator_loss(real_logits, fake_logits):
    """−V: −mean log D(x) − mean log(1 − D(G(z))), by log-sigmoid."""
    raise NotImplementedError("discriminator_loss: not implemented yet")


def generator_loss_minimax(fake_logits):
    """mean log(1 − D(G(z))): the saturating generator loss of the minimax game."""
    raise NotImplementedError("generator_loss_minimax: not implemented yet")


def generator_loss_nonsaturating(fake_logits):
    """−mean log D(G(z)): the non-saturating heuristic."""
    raise NotImplementedError("generator_loss_nonsaturating: not implemented yet")


def generator_loss_ml(fake_logits):
    """−½ mean exp(a), a = σ⁻¹(D(G(z))) = the logit: the maximum-likelihood objective
    with f(x) = −exp(a(x))."""
    raise NotImplementedError("generator_loss_ml: not implemented yet")


GENERATOR_LOSSES = {
    "minimax": generator_loss_minimax,
    "nonsaturating": generator_loss_nonsaturating,
    "ml": generator_loss_ml,
}


def gan_step(x, generator, discriminator, d_opt, g_opt, *, z, loss="nonsaturating"):
    """One discriminator update on G(z) detached, then one generator update against the
    updated discriminator with the same z.

    Args:
        loss: "minimax", "nonsaturating" or "ml".

    Returns:
        ``(d_loss, g_loss)`` as floats, each the value before its own update.
    """
    raise NotImplementedError("gan_step: not implemented yet")
