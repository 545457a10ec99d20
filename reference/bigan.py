"""BiGAN (Donahue, Krähenbühl & Darrell, 2017): the three-player game of Eq. 14, in which
D tells (x, E(x)) from (G(z), z)."""
import torch.nn.functional as F

from .gan import discriminator_loss


def bigan_discriminator_loss(real_logits, fake_logits):
    """−mean log D(x, E(x)) − mean log(1 − D(G(z), z))."""
    # SOLUTION
    return discriminator_loss(real_logits, fake_logits)


def bigan_generator_encoder_loss(real_logits, fake_logits):
    """Labels swapped (non-saturating): −mean log(1 − D(x, E(x))) − mean log D(G(z), z)."""
    # SOLUTION
    return -F.logsigmoid(-real_logits).mean() - F.logsigmoid(fake_logits).mean()


def bigan_step(x, generator, encoder, discriminator, d_opt, ge_opt, *, z):
    """One D update, then one joint G/E update against the updated D with the same z.

    Returns:
        ``(d_loss, ge_loss)`` as floats, each the value before its own update.
    """
    # SOLUTION
    ex, gz = encoder(x), generator(z)
    d_opt.zero_grad()
    d_loss = bigan_discriminator_loss(discriminator(x, ex.detach()), discriminator(gz.detach(), z))
    d_loss.backward()
    d_opt.step()

    ge_opt.zero_grad()
    ge_loss = bigan_generator_encoder_loss(discriminator(x, ex), discriminator(gz, z))
    ge_loss.backward()
    ge_opt.step()
    return d_loss.item(), ge_loss.item()
