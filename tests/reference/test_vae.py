"""vae.py against torch.distributions, scipy.stats and closed forms."""

import numpy as np
import pytest
import torch
from scipy import stats
from torch import distributions as D

from autograder.grader.stats import ALPHA, gaussian_pvalue
from reference import vae


def randn(gen, *shape, dtype=torch.float64, device="cpu"):
    return torch.randn(*shape, generator=gen, dtype=torch.float64).to(device=device, dtype=dtype)


def test_kl_closed_form():
    kl = vae.kl_standard_normal(torch.tensor([1.0, -0.5]), torch.log(torch.tensor([0.5, 2.0])))
    assert kl.item() == pytest.approx(0.875, abs=1e-6)


def test_sample_gaussian_is_the_reparameterization(gen, device, dtype):
    mu, logvar, eps = (randn(gen, 4, 3, dtype=dtype, device=device) for _ in range(3))
    z = vae.sample_gaussian(mu, logvar, eps=eps)
    assert z.dtype == dtype and z.device.type == device.type
    torch.testing.assert_close(z, mu + logvar.mul(0.5).exp() * eps)


def test_sample_gaussian_gradients_reach_parameters(gen):
    mu, logvar = (randn(gen, 5, 2).requires_grad_() for _ in range(2))
    eps = randn(gen, 5, 2)
    vae.sample_gaussian(mu, logvar, eps=eps).sum().backward()
    torch.testing.assert_close(mu.grad, torch.ones_like(mu))
    torch.testing.assert_close(logvar.grad, 0.5 * logvar.detach().mul(0.5).exp() * eps)


def test_sample_gaussian_distribution():
    # False-fail rate ALPHA = 1e-6 (exact chi-square tests, Bonferroni-corrected).
    torch.manual_seed(0)
    mu, logvar = torch.tensor([1.0, -2.0, 0.5]), torch.tensor([0.0, 1.0, -1.5])
    z = vae.sample_gaussian(mu.expand(20000, 3), logvar.expand(20000, 3))
    assert gaussian_pvalue(z.double().numpy(), mu.numpy(), np.diag(logvar.exp().numpy())) > ALPHA


def test_sample_gaussian_full_distribution_and_gradients(gen):
    torch.manual_seed(1)
    mu = torch.tensor([0.5, -1.0], dtype=torch.float64)
    scale = torch.tensor([[1.0, 0.0], [0.8, 0.6]], dtype=torch.float64, requires_grad=True)
    z = vae.sample_gaussian_full(mu.expand(20000, 2), scale.expand(20000, 2, 2))
    cov = (scale @ scale.T).detach().numpy()
    assert gaussian_pvalue(z.detach().numpy(), mu.numpy(), cov) > ALPHA
    eps = randn(gen, 2)
    vae.sample_gaussian_full(mu, scale, eps=eps).sum().backward()
    torch.testing.assert_close(scale.grad, torch.ones(2, 1, dtype=torch.float64) * eps)


def test_log_normal_diag_matches_torch_distributions(gen, device, dtype):
    x, mu, logvar = (randn(gen, 6, 4, dtype=dtype, device=device) for _ in range(3))
    want = D.Normal(mu, logvar.mul(0.5).exp()).log_prob(x).sum(-1)
    torch.testing.assert_close(vae.log_normal_diag(x, mu, logvar), want)


def test_log_normal_diag_matches_scipy(gen):
    x, mu, logvar = (randn(gen, 5, 3) for _ in range(3))
    want = stats.norm.logpdf(x.numpy(), mu.numpy(), np.exp(logvar.numpy() / 2)).sum(-1)
    np.testing.assert_allclose(vae.log_normal_diag(x, mu, logvar).numpy(), want, rtol=1e-12)


def test_log_normal_full_matches_multivariate_normal(gen, device, dtype):
    k = 4
    scale = randn(gen, 3, k, k) + 3 * torch.eye(k, dtype=torch.float64)  # nonsingular, not triangular
    x, mu = randn(gen, 3, k), randn(gen, 3, k)
    want = D.MultivariateNormal(mu, covariance_matrix=scale @ scale.mT).log_prob(x)
    got = vae.log_normal_full(*(t.to(device, dtype) for t in (x, mu, scale)))
    assert got.dtype == dtype
    torch.testing.assert_close(got.cpu(), want.to(dtype))
    one = stats.multivariate_normal(mu[0].numpy(), (scale[0] @ scale[0].T).numpy()).logpdf(x[0].numpy())
    assert float(vae.log_normal_full(x[0], mu[0], scale[0])) == pytest.approx(one, rel=1e-10)


def test_kl_matches_torch_distributions(gen, device, dtype):
    q_mu, q_lv, p_mu, p_lv = (randn(gen, 7, 5, dtype=dtype, device=device) for _ in range(4))
    q, p = D.Normal(q_mu, q_lv.mul(0.5).exp()), D.Normal(p_mu, p_lv.mul(0.5).exp())
    torch.testing.assert_close(vae.kl_diag_gaussians(q_mu, q_lv, p_mu, p_lv),
                               D.kl_divergence(q, p).sum(-1))
    standard = D.Normal(torch.zeros_like(q_mu), torch.ones_like(q_mu))
    torch.testing.assert_close(vae.kl_standard_normal(q_mu, q_lv), D.kl_divergence(q, standard).sum(-1))


def test_bernoulli_log_likelihood_matches_torch_distributions(gen, device, dtype):
    logits = randn(gen, 4, 2, 3, dtype=dtype, device=device) * 3
    x = torch.rand(4, 2, 3, generator=gen, dtype=torch.float64).to(device, dtype)  # soft targets
    x[0] = x[0].round()
    # log-sigmoid form valid for x in [0, 1]; for binary x it is the Bernoulli log-pmf
    want = (x * torch.nn.functional.logsigmoid(logits)
            + (1 - x) * torch.nn.functional.logsigmoid(-logits)).flatten(1).sum(1)
    got = vae.bernoulli_log_likelihood(x, logits)
    assert got.shape == (4,)
    torch.testing.assert_close(got, want)
    torch.testing.assert_close(got[0], D.Bernoulli(logits=logits[0]).log_prob(x[0]).sum())


@pytest.mark.parametrize("logit", [100.0, -100.0])
def test_stability_extreme_logits_and_logvars(logit):
    x = torch.tensor([[1.0, 0.0]])
    ll = vae.bernoulli_log_likelihood(x, torch.full((1, 2), logit))
    assert torch.isfinite(ll).all() and ll.item() == pytest.approx(-100.0, rel=1e-6)
    for lv in (30.0, -30.0):
        logvar = torch.full((1, 3), lv)
        mu = torch.ones(1, 3)
        for value in (vae.kl_standard_normal(mu, logvar), vae.log_normal_diag(mu * 0.5, mu, logvar),
                      vae.kl_diag_gaussians(mu, logvar, -mu, -logvar)):
            assert torch.isfinite(value).all()


def test_elbo_components(gen):
    torch.manual_seed(0)
    enc = torch.nn.Linear(6, 4).double()
    dec = torch.nn.Linear(2, 6).double()
    encoder = lambda x: enc(x).chunk(2, -1)  # noqa: E731
    x = torch.rand(3, 6, generator=gen, dtype=torch.float64).round()
    eps = randn(gen, 5, 3, 2)
    value, rec, kl = vae.elbo(x, encoder, dec, n_samples=5, eps=eps)
    mu, logvar = encoder(x)
    z = mu + logvar.mul(0.5).exp() * eps
    want_rec = D.Bernoulli(logits=dec(z)).log_prob(x).sum(-1).mean(0)
    want_kl = D.kl_divergence(D.Normal(mu, logvar.mul(0.5).exp()), D.Normal(0.0, 1.0)).sum(-1)
    torch.testing.assert_close(rec, want_rec)
    torch.testing.assert_close(kl, want_kl)
    torch.testing.assert_close(value, want_rec - want_kl)


def test_inputs_not_modified(gen):
    mu, logvar = randn(gen, 3, 2), randn(gen, 3, 2)
    before = (mu.clone(), logvar.clone())
    vae.sample_gaussian(mu, logvar)
    vae.kl_standard_normal(mu, logvar)
    torch.testing.assert_close((mu, logvar), before, rtol=0, atol=0)
