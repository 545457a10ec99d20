"""The wake-sleep algorithm of Hinton, Dayan, Frey & Neal (1995) and the AEVB step.

Wake: fit the generative model p(x|z) to latents inferred by q (encoder held fixed).
Sleep: fit q(z|x) to dreams (z, x) ~ p(z) p(x|z) (decoder held fixed).
"""
import torch

from .vae import bernoulli_log_likelihood, elbo, log_normal_diag


def wake_loss(x, encoder, decoder, *, n_samples=1, eps=None):
    """−mean_b (1/L) Σ_l log p(x_b | z_bl), z_bl ~ q(z|x_b); no gradient reaches the encoder.

    Args:
        x: data, [B, ...].
        eps: noise, [L, B, K]; drawn when omitted.

    Returns:
        scalar.
    """
    # SOLUTION
    with torch.no_grad():
        mu, logvar = encoder(x)
        if eps is None:
            eps = torch.randn((n_samples, *mu.shape), dtype=mu.dtype, device=mu.device)
        z = mu + torch.exp(0.5 * logvar) * eps  # [L, B, K]
    n, b = z.shape[0], x.shape[0]
    logits = decoder(z.reshape(n * b, -1))
    targets = x.unsqueeze(0).expand(n, *x.shape).reshape(n * b, *x.shape[1:])
    return -bernoulli_log_likelihood(targets, logits).mean()


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
    # SOLUTION
    param = next(decoder.parameters())
    if z is None:
        z = torch.randn((n_samples, latent_dim), dtype=param.dtype, device=param.device)
    with torch.no_grad():
        probs = torch.sigmoid(decoder(z))
        if u is None:
            u = torch.rand_like(probs)
        x = (u < probs).to(probs.dtype)
    mu, logvar = encoder(x)
    return -log_normal_diag(z, mu, logvar).mean()


def wake_sleep_step(x, encoder, decoder, wake_opt, sleep_opt, *, latent_dim, n_samples=1,
                    eps=None, z=None, u=None):
    """One wake update of the decoder, then one sleep update of the encoder.

    ``wake_opt`` holds the decoder's parameters and ``sleep_opt`` the encoder's. The sleep
    phase dreams from the decoder as updated by the wake phase; when ``z`` is given its
    first dimension is the number of dreams.

    Returns:
        ``(wake_loss, sleep_loss)`` as floats, each the value before its own update.
    """
    # SOLUTION
    wake_opt.zero_grad()
    wake = wake_loss(x, encoder, decoder, n_samples=n_samples, eps=eps)
    wake.backward()
    wake_opt.step()

    sleep_opt.zero_grad()
    n_dreams = n_samples if z is None else z.shape[0]
    sleep = sleep_loss(encoder, decoder, n_dreams, latent_dim, z=z, u=u)
    sleep.backward()
    sleep_opt.step()
    return wake.item(), sleep.item()


def aevb_step(x, encoder, decoder, opt, *, n_samples=1, eps=None):
    """One optimizer step on −mean ELBO (the AEVB objective, Eq. 9).

    Returns:
        the loss before the step, as a float.
    """
    # SOLUTION
    opt.zero_grad()
    loss = -elbo(x, encoder, decoder, n_samples=n_samples, eps=eps)[0].mean()
    loss.backward()
    opt.step()
    return loss.item()
