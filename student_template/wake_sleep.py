"""The wake-sleep algorithm of Hinton, Dayan, Frey & Neal (1995) and the AEVB step.

Wake: fit the generative model p(x|z) to latents inferred by q (encoder held fixed).
Sleep: fit q(z|x) to dreams (z, x) ~ p(z) p(x|z) (decoder held fixed).
"""
import torch



def wake_loss(x, encoder, decoder, *, n_samples=1, eps=None):
    """−mean_b (1/L) Σ_l log p(x_b | z_bl), z_bl ~ q(z|x_b); no gradient reaches the encoder.

    Args:
        x: data, [B, ...].
        eps: noise, [L, B, K]; drawn when omitted.

    Returns:
        scalar.
    """
    raise NotImplementedError("wake_loss: not implemented yet")


def sleep_loss(encoder, decoder, n_samples, latent_dim, *, z=None, u=None):
    """−(1/L) Σ_l log q(z_l | x_l) on dreams z_l ~ N(0, I), x_l ~ p(x | z_l).

    Dreams are binary samples ``x_l = (u_l < σ(decoder(z_l)))``; no gradient reaches the
    decoder.

    Args:
        n_samples: L, number of dreams.
        latent_dim: K.
        z: [L, K]; drawn when omitted on the decoder's device and dtype.
        u: uniform noise of the decoder's output shape; drawn when omitted.

    Returns:
        scalar.
    """
    raise NotImplementedError("sleep_loss: not implemented yet")


def wake_sleep_step(x, encoder, decoder, wake_opt, sleep_opt, *, latent_dim, n_samples=1,
                    eps=None, z=None, u=None):
    """One wake update of the decoder, then one sleep update of the encoder.

    ``wake_opt`` holds the decoder's parameters and ``sleep_opt`` the encoder's. The sleep
    phase dreams from the decoder as updated by the wake phase; when ``z`` is given its
    first dimension is the number of dreams.

    Returns:
        ``(wake_loss, sleep_loss)`` as floats, each the value before its own update.
    """
    raise NotImplementedError("wake_sleep_step: not implemented yet")


def aevb_step(x, encoder, decoder, opt, *, n_samples=1, eps=None):
    """One optimizer step on −mean ELBO (the AEVB objective, Eq. 9).

    Returns:
        the loss before the step, as a float.
    """
    raise NotImplementedError("aevb_step: not implemented yet")
