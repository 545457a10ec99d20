"""Wake-sleep gradient routing, the AEVB step, and the GMVAE mixture prior."""
import math

import numpy as np
import pytest
import torch
from scipy.special import logsumexp
from scipy.stats import multivariate_normal
from torch import nn

from reference import gmvae, vae, wake_sleep


class Encoder(nn.Module):
    def __init__(self, d=6, k=2):
        super().__init__()
        self.net = nn.Linear(d, 2 * k)

    def forward(self, x):
        return self.net(x).chunk(2, -1)


@pytest.fixture
def nets():
    torch.manual_seed(0)
    return Encoder(), nn.Linear(2, 6)


def grads(module):
    return [p.grad for p in module.parameters()]


def test_wake_loss_reaches_decoder_only(nets, gen):
    encoder, decoder = nets
    x = torch.rand(5, 6, generator=gen).round()
    wake_sleep.wake_loss(x, encoder, decoder, n_samples=3).backward()
    assert all(g is None or not g.any() for g in grads(encoder))
    assert all(g is not None and g.any() for g in grads(decoder))


def test_sleep_loss_reaches_encoder_only(nets):
    encoder, decoder = nets
    wake_sleep.sleep_loss(encoder, decoder, 8, 2).backward()
    assert all(g is None or not g.any() for g in grads(decoder))
    assert all(g is not None and g.any() for g in grads(encoder))


def test_sleep_loss_uses_binary_dreams(nets, gen):
    encoder, decoder = nets
    z = torch.randn(4, 2, generator=gen)
    u = torch.rand(4, 6, generator=gen)
    dreams = (u < torch.sigmoid(decoder(z))).float()
    mu, logvar = encoder(dreams)
    want = -vae.log_normal_diag(z, mu, logvar).mean()
    torch.testing.assert_close(wake_sleep.sleep_loss(encoder, decoder, 4, 2, z=z, u=u), want)


def test_wake_loss_with_noise(nets, gen):
    encoder, decoder = nets
    x = torch.rand(5, 6, generator=gen).round()
    eps = torch.randn(3, 5, 2, generator=gen)
    rec = vae.elbo(x, encoder, decoder, n_samples=3, eps=eps)[1]
    torch.testing.assert_close(wake_sleep.wake_loss(x, encoder, decoder, n_samples=3, eps=eps), -rec.mean())


def test_steps_return_loss_before_update_and_update_the_right_nets(nets, gen):
    encoder, decoder = nets
    x = torch.rand(5, 6, generator=gen).round()
    eps, z, u = torch.randn(1, 5, 2, generator=gen), torch.randn(4, 2, generator=gen), torch.rand(4, 6, generator=gen)
    wake_before = wake_sleep.wake_loss(x, encoder, decoder, eps=eps).item()
    enc0 = [p.clone() for p in encoder.parameters()]
    wake_opt = torch.optim.SGD(decoder.parameters(), lr=0.1)
    sleep_opt = torch.optim.SGD(encoder.parameters(), lr=0.1)
    w, s = wake_sleep.wake_sleep_step(x, encoder, decoder, wake_opt, sleep_opt, latent_dim=2, eps=eps, z=z, u=u)
    assert w == pytest.approx(wake_before)
    # the sleep phase dreamed from the updated decoder, scored by the encoder before its update
    enc_before = Encoder()
    with torch.no_grad():
        for p, p0 in zip(enc_before.parameters(), enc0):
            p.copy_(p0)
    assert s == pytest.approx(wake_sleep.sleep_loss(enc_before, decoder, 4, 2, z=z, u=u).item())
    loss_before = -vae.elbo(x, encoder, decoder, eps=eps)[0].mean().item()
    opt = torch.optim.SGD([*encoder.parameters(), *decoder.parameters()], lr=0.1)
    assert wake_sleep.aevb_step(x, encoder, decoder, opt, eps=eps) == pytest.approx(loss_before)
    assert -vae.elbo(x, encoder, decoder, eps=eps)[0].mean().item() < loss_before


def test_log_normal_mixture_matches_scipy(gen):
    z = torch.randn(4, 3, generator=gen, dtype=torch.float64)
    means = torch.randn(5, 3, generator=gen, dtype=torch.float64)
    logvars = torch.randn(5, 3, generator=gen, dtype=torch.float64) * 0.5
    dens = np.stack([multivariate_normal(m, np.diag(np.exp(v))).logpdf(z.numpy())
                     for m, v in zip(means.numpy(), logvars.numpy())], axis=1)
    want = logsumexp(dens, axis=1) - math.log(5)
    np.testing.assert_allclose(gmvae.log_normal_mixture(z, means, logvars).numpy(), want, rtol=1e-10)


def test_one_component_mixture_is_the_gaussian_and_kl_estimate(gen):
    z, mu, lv = (torch.randn(4, 3, generator=gen, dtype=torch.float64) for _ in range(3))
    torch.testing.assert_close(gmvae.log_normal_mixture(z, mu[:1], lv[:1]), vae.log_normal_diag(z, mu[:1], lv[:1]))
    est = gmvae.gmvae_kl_estimate(z, mu, lv, mu[:1], lv[:1])
    torch.testing.assert_close(est, vae.log_normal_diag(z, mu, lv) - vae.log_normal_diag(z, mu[:1], lv[:1]))
    # M identical components: the −log M term cancels the M-fold sum
    torch.testing.assert_close(gmvae.log_normal_mixture(z, mu[:1].expand(7, 3), lv[:1].expand(7, 3)),
                               vae.log_normal_diag(z, mu[:1], lv[:1]))
