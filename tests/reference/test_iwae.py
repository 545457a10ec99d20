"""iwae.py on a model whose log p(x) is exact: a 1-D latent, a Bernoulli decoder, and the
marginal by Gauss–Hermite quadrature."""
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import torch
from scipy.special import logsumexp, roots_hermitenorm
from torch import distributions as D

from reference import iwae, vae

WEIGHTS_A = torch.tensor([[2.0, -1.5, 0.7]], dtype=torch.float64)  # decoder: logits = z·a + b
BIAS_B = torch.tensor([0.3, -0.2, 0.1], dtype=torch.float64)


def decoder(z):
    return z @ WEIGHTS_A + BIAS_B


def log_marginal(x):
    """log p(x) = log ∫ N(z; 0, 1) Π_d Bern(x_d; σ(a_d z + b_d)) dz, 200-point quadrature."""
    nodes, weights = roots_hermitenorm(200)
    logits = torch.from_numpy(nodes)[:, None] * WEIGHTS_A + BIAS_B  # [Q, D]
    log_lik = D.Bernoulli(logits=logits[:, None, :]).log_prob(x[None]).sum(-1)  # [Q, B]
    return torch.from_numpy(logsumexp(log_lik.numpy() + np.log(weights)[:, None], axis=0)
                            - 0.5 * math.log(2 * math.pi))


X = torch.tensor([[1.0, 0.0, 1.0], [0.0, 1.0, 0.0], [1.0, 1.0, 1.0]], dtype=torch.float64)


def encoder(x):
    return 0.4 * (x @ torch.tensor([[1.0], [-1.0], [0.5]], dtype=torch.float64)), \
        torch.full((x.shape[0], 1), -0.5, dtype=torch.float64)


def test_log_mean_exp_matches_scipy(gen, device, dtype):
    x = (torch.randn(5, 7, generator=gen, dtype=torch.float64) * 1e4).to(device, dtype)
    got = iwae.log_mean_exp(x, dim=1)
    want = logsumexp(x.double().cpu().numpy(), axis=1) - math.log(7)
    assert got.shape == (5,) and torch.isfinite(got).all()
    np.testing.assert_allclose(got.double().cpu().numpy(), want, rtol=1e-6)


def test_l1_is_the_single_sample_elbo_estimate(gen):
    eps = torch.randn(1, 3, 1, generator=gen, dtype=torch.float64)
    mu, logvar = encoder(X)
    z = mu + logvar.mul(0.5).exp() * eps[0]
    q, p = D.Normal(mu, logvar.mul(0.5).exp()), D.Normal(0.0, 1.0)
    want = (D.Bernoulli(logits=decoder(z)).log_prob(X).sum(-1)
            + p.log_prob(z).sum(-1) - q.log_prob(z).sum(-1))
    torch.testing.assert_close(iwae.iwae_bound(X, encoder, decoder, 1, eps=eps), want)


def test_l1_averages_to_the_analytic_elbo(gen):
    eps = torch.randn(200000, 3, 1, generator=gen, dtype=torch.float64)
    mean_l1 = iwae.log_importance_weights(X, encoder, decoder, 200000, eps=eps).mean(0)
    elbo = vae.elbo(X, encoder, decoder, n_samples=1, eps=eps[:1])[0]
    # elbo's rec term from one sample is noisy; compare with the analytic-KL ELBO on many
    rec = vae.elbo(X, encoder, decoder, n_samples=200000, eps=eps)[1]
    analytic = rec - vae.kl_standard_normal(*encoder(X))
    torch.testing.assert_close(mean_l1, analytic, atol=0.02, rtol=0)
    assert elbo.shape == (3,)


def test_bounds_are_ordered_and_grow_with_k(gen):
    log_px = log_marginal(X)
    means = []
    for k in (1, 10, 100, 1000):
        eps = torch.randn(200, k, 3, 1, generator=gen, dtype=torch.float64)
        bounds = torch.stack([iwae.iwae_bound(X, encoder, decoder, k, eps=e) for e in eps])
        means.append(bounds.mean(0))
    means = torch.stack(means)
    assert (means[1:] > means[:-1]).all()
    assert (means <= log_px + 1e-3).all()
    torch.testing.assert_close(means[-1], log_px, atol=5e-3, rtol=0)


def test_bound_is_exact_with_the_exact_posterior(gen):
    # A decoder that ignores z makes the posterior the prior N(0, 1), which q then equals.
    def flat_decoder(z):
        return torch.zeros(z.shape[0], 3, dtype=z.dtype) + BIAS_B

    def prior_encoder(x):
        return torch.zeros(x.shape[0], 1, dtype=x.dtype), torch.zeros(x.shape[0], 1, dtype=x.dtype)

    log_px = D.Bernoulli(logits=BIAS_B).log_prob(X).sum(-1)
    for k in (1, 7, 100):
        eps = torch.randn(k, 3, 1, generator=gen, dtype=torch.float64)
        torch.testing.assert_close(iwae.iwae_bound(X, prior_encoder, flat_decoder, k, eps=eps), log_px)


def test_chunked_decoder_calls_equal_one_shot(monkeypatch, gen):
    x = torch.rand(4, 5, generator=gen).round()
    lin_e, lin_d = torch.nn.Linear(5, 4), torch.nn.Linear(2, 5)
    enc = lambda v: lin_e(v).chunk(2, -1)  # noqa: E731
    eps = torch.randn(50, 4, 2, generator=gen)
    one_shot = iwae.log_importance_weights(x, enc, lin_d, 50, eps=eps)
    monkeypatch.setattr(iwae, "CHUNK_ELEMENTS", 3 * 4 * 5)  # three samples per chunk
    calls = []
    chunked = iwae.log_importance_weights(x, enc, lambda z: calls.append(z.shape) or lin_d(z), 50, eps=eps)
    assert len(calls) == 17
    torch.testing.assert_close(chunked, one_shot)


def test_stable_with_log_weights_near_minus_1e4():
    lw = torch.tensor([[-1e4], [-1e4 + 1.0], [-1e4 - 3.0]])
    value = iwae.log_mean_exp(lw, 0)
    assert torch.isfinite(value).all()
    assert value.item() == pytest.approx(-1e4 + math.log((1 + math.e + math.exp(-3)) / 3), abs=1e-2)


@pytest.mark.slow  # minutes of CPU: k = 5000 on 200 inputs, chunked
def test_large_k_stays_under_one_gigabyte():
    """k = 5000 on 200 MNIST-sized inputs: [k, B, 784] alone would take 3.1 GB."""
    script = ("import resource, torch, benchmarks.iwae_memory as b\n"
              "from reference import iwae\n"
              "enc, dec = b.model(); x = (torch.rand(200, 784) < 0.3).float()\n"
              "with torch.no_grad(): value = iwae.iwae_bound(x, enc, dec, 5000)\n"
              "assert torch.isfinite(value).all() and value.shape == (200,)\n"
              "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024)\n")
    done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True,
                          cwd=Path(__file__).resolve().parents[2])
    assert int(done.stdout.strip()) < 1024
