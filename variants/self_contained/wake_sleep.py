"""wake_sleep.py, self-contained: detach() instead of no_grad, explicit loops over samples."""
import math

import torch
import torch.nn.functional as F


def _log_bernoulli(x, logits):
    return -F.binary_cross_entropy_with_logits(logits, x, reduction="none").flatten(1).sum(1)


def _elbo(x, encoder, decoder, n_samples, eps):
    mu, logvar = encoder(x)
    if eps is None:
        eps = torch.randn(n_samples, *mu.shape, dtype=mu.dtype, device=mu.device)
    rec = sum(_log_bernoulli(x, decoder(mu + (0.5 * logvar).exp() * e)) for e in eps) / len(eps)
    return rec - 0.5 * (logvar.exp() + mu ** 2 - 1 - logvar).sum(-1)


def wake_loss(x, encoder, decoder, *, n_samples=1, eps=None):
    mu, logvar = encoder(x)
    mu, logvar = mu.detach(), logvar.detach()
    if eps is None:
        eps = torch.randn(n_samples, *mu.shape, dtype=mu.dtype, device=mu.device)
    rec = sum(_log_bernoulli(x, decoder(mu + (0.5 * logvar).exp() * e)) for e in eps) / len(eps)
    return -rec.mean()


def sleep_loss(encoder, decoder, n_samples, latent_dim, *, z=None, u=None):
    weight = next(decoder.parameters())
    if z is None:
        z = torch.randn(n_samples, latent_dim, dtype=weight.dtype, device=weight.device)
    probs = torch.sigmoid(decoder(z)).detach()
    if u is None:
        u = torch.rand_like(probs)
    dreams = torch.where(u < probs, torch.ones_like(probs), torch.zeros_like(probs))
    mu, logvar = encoder(dreams)
    log_q = -0.5 * (math.log(2 * math.pi) + logvar + (z - mu) ** 2 / logvar.exp()).sum(-1)
    return -log_q.mean()


def wake_sleep_step(x, encoder, decoder, wake_opt, sleep_opt, *, latent_dim, n_samples=1, eps=None, z=None, u=None):
    wake_opt.zero_grad()
    wake = wake_loss(x, encoder, decoder, n_samples=n_samples, eps=eps)
    wake.backward()
    wake_opt.step()
    sleep_opt.zero_grad()
    sleep = sleep_loss(encoder, decoder, n_samples if z is None else len(z), latent_dim, z=z, u=u)
    sleep.backward()
    sleep_opt.step()
    return float(wake), float(sleep)


def aevb_step(x, encoder, decoder, opt, *, n_samples=1, eps=None):
    opt.zero_grad()
    loss = -_elbo(x, encoder, decoder, n_samples, eps).mean()
    loss.backward()
    opt.step()
    return float(loss)
