"""BiGAN (Donahue, Krähenbühl & Darrell, 2017): the three-player game of Eq. 14, in which
D tells (x, E(x)) from (G(z), z)."""
import torch.nn.functional as F



def bigan_discriminator_loss(real_logits, fake_logits):
    """−mean log D(x, E(x)) − mean log(1 − D(G(z), z))."""
    raise NotImplementedError("bigan_discriminator_loss: not implemented yet")


def bigan_generator_encoder_loss(real_logits, fake_logits):
    """Labels swapped (non-saturating): −mean log(1 − D(x, E(x))) − mean log D(G(z), z)."""
    raise NotImplementedError("bigan_generator_encoder_loss: not implemented yet")


def bigan_step(x, generator, encoder, discriminator, d_opt, ge_opt, *, z):
    """One D update, then one joint G/E update against the updated D with the same z.

    Returns:
        ``(d_loss, ge_loss)`` as floats, each the value before its own update.
    """
    raise NotImplementedError("bigan_step: not implemented yet")
