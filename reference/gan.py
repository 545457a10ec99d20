"""GAN objectives for the value function V(D, G) of Eq. 12 (no factor ½):
V = E_data[log D(x)] + E_z[log(1 − D(G(z)))], D = σ(logits)."""
import torch
import torch.nn.functional as F


def discriminator_loss(real_logits, fake_logits):
    """−V: −mean log D(x) − mean log(1 − D(G(z))), by log-sigmoid."""
    # SOLUTION
    return -F.logsigmoid(real_logits).mean() - F.logsigmoid(-fake_logits).mean()


def generator_loss_minimax(fake_logits):
    """mean log(1 − D(G(z))): the saturating generator loss of the minimax game."""
    # SOLUTION
    return F.logsigmoid(-fake_logits).mean()


def generator_loss_nonsaturating(fake_logits):
    """−mean log D(G(z)): the non-saturating heuristic."""
    # SOLUTION
    return -F.logsigmoid(fake_logits).mean()


def generator_loss_ml(fake_logits):
    """−½ mean exp(a), a = σ⁻¹(D(G(z))) = the logit: the maximum-likelihood objective
    with f(x) = −exp(a(x))."""
    # SOLUTION
    return -0.5 * torch.exp(fake_logits).mean()


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
    # SOLUTION
    if loss not in GENERATOR_LOSSES:
        raise ValueError(f"loss must be one of {sorted(GENERATOR_LOSSES)}, got {loss!r}")
    fake = generator(z)
    d_opt.zero_grad()
    d_loss = discriminator_loss(discriminator(x), discriminator(fake.detach()))
    d_loss.backward()
    d_opt.step()

    g_opt.zero_grad()
    g_loss = GENERATOR_LOSSES[loss](discriminator(fake))
    g_loss.backward()
    g_opt.step()
    return d_loss.item(), g_loss.item()
