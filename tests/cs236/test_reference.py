"""The CS236 reference, verified against mathematics (scipy and torch.distributions as
oracles, closed forms) and against the numbers the homework's own grader publishes (its
seeded unit checks, contract §6); and the grader's helpers that the plugin binds into
submissions, held equal to the reference's."""
import math
import sys

import numpy as np
import pytest
import torch
from scipy import special, stats
from torch.distributions import Normal

from tests.cs236.submissions import COURSE

sys.path.insert(0, str(COURSE / "reference"))  # the package `codebase`, a name no other course uses
from codebase import utils as ut  # noqa: E402
from codebase.models.gmvae import GMVAE  # noqa: E402
from codebase.models.ssvae import SSVAE  # noqa: E402
from codebase.models.vae import VAE  # noqa: E402


def test_the_homeworks_published_numbers():
    torch.manual_seed(0)
    m, v = torch.randn(3, 5), torch.exp(torch.randn(3, 5))
    z = ut.sample_gaussian(m, v)
    assert torch.allclose(ut.log_normal(z, m, v), torch.tensor([-6.98196, -7.60928, -4.86915]), atol=1e-4)
    torch.manual_seed(0)
    m, v = torch.randn(3, 4, 5), torch.exp(torch.randn(3, 4, 5))
    z = ut.sample_gaussian(m[:, 0], v[:, 0])
    assert torch.allclose(ut.log_normal_mixture(z, m, v), torch.tensor([-4.88795, -7.79891, -8.33321]), atol=1e-4)
    torch.manual_seed(0)
    x = torch.randint(0, 2, (97, 784)).float()
    model = VAE(z_dim=10)
    torch.manual_seed(0)
    with torch.no_grad():
        assert abs(model.negative_iwae_bound(x, 10)[0].item() - 544.3607) < 0.15


def test_log_normal_and_the_mixture_against_scipy():
    g = torch.Generator().manual_seed(1)
    x, m = torch.randn(6, 4, 3, generator=g, dtype=torch.float64), torch.randn(4, 3, generator=g, dtype=torch.float64)
    v = torch.rand(4, 3, generator=g, dtype=torch.float64) + 0.1
    want = stats.norm.logpdf(x.numpy(), m.numpy(), np.sqrt(v.numpy())).sum(-1)
    assert np.allclose(ut.log_normal(x, m, v).numpy(), want, rtol=1e-12)
    z = torch.randn(5, 3, generator=g, dtype=torch.float64) * 40  # far from every component
    mm, vv = torch.randn(5, 7, 3, generator=g, dtype=torch.float64), torch.rand(5, 7, 3, generator=g,
                                                                              dtype=torch.float64) + 0.05
    per = np.stack([[stats.multivariate_normal.logpdf(z[b], mm[b, k], np.diag(vv[b, k])) for k in range(7)]
                    for b in range(5)])
    got = ut.log_normal_mixture(z, mm, vv).numpy()
    assert np.isfinite(got).all() and np.allclose(got, special.logsumexp(per, 1) - math.log(7), rtol=1e-10)
    prior = ut.log_normal_mixture(z, mm[:1], vv[:1])  # the GMVAE prior's (1, K, d) broadcasts
    assert prior.shape == (5,)


def test_sample_gaussian_is_reparameterized_with_the_right_law():
    torch.manual_seed(3)
    m, v = torch.full((200_000,), 2.0, requires_grad=True), torch.full((200_000,), 9.0, requires_grad=True)
    z = ut.sample_gaussian(m, v)
    assert stats.kstest(((z - 2) / 3).detach().numpy(), "norm").pvalue > 1e-6
    z.sum().backward()
    assert torch.equal(m.grad, torch.ones_like(m)) and torch.allclose(v.grad, (z - m).detach() / (2 * v.detach()))


def test_vae_bounds_closed_forms():
    """With q(z|x) = p(z) every log weight is log p(x|z) at independent z; with a decoder that
    ignores z, NELBO = NIWAE_k = −log p(x) exactly, and the KL is 0."""
    torch.manual_seed(4)
    model = VAE(z_dim=3).double()
    with torch.no_grad():
        model.enc.net[4].weight.zero_()
        model.enc.net[4].bias.copy_(torch.tensor([0.0] * 3 + [math.log(math.expm1(1 - 1e-8))] * 3))
        model.dec.net[0].weight.zero_()
    x = torch.bernoulli(torch.full((13, 784), 0.3, dtype=torch.float64))
    log_px = -torch.nn.functional.binary_cross_entropy_with_logits(model.dec(torch.zeros(13, 3, dtype=torch.float64)),
                                                                    x, reduction="none").sum(1)
    nelbo, kl, rec = model.negative_elbo_bound(x)
    assert abs(kl.item()) < 1e-9 and torch.isclose(nelbo, -log_px.mean())
    for iw in (1, 5):
        assert torch.isclose(model.negative_iwae_bound(x, iw)[0], -log_px.mean())


def test_iwae_tightens_with_more_samples():
    torch.manual_seed(5)
    model = GMVAE(z_dim=2, k=10).double()
    x = torch.bernoulli(torch.full((20, 784), 0.2, dtype=torch.float64))
    with torch.no_grad():
        bounds = [torch.stack([model.negative_iwae_bound(x, iw)[0] for _ in range(4)]).mean().item()
                  for iw in (1, 10, 100)]
        elbo = torch.stack([model.negative_elbo_bound(x)[0] for _ in range(100)]).mean().item()
    assert bounds[0] > bounds[1] > bounds[2] and abs(bounds[0] - elbo) < 0.5


def test_ssvae_bound_is_the_sum_over_labels():
    torch.manual_seed(6)
    model = SSVAE().double()
    x = torch.bernoulli(torch.full((7, 784), 0.4, dtype=torch.float64))
    with torch.no_grad():
        model.enc.net[4].weight[64:].zero_()  # q(z|x, y) with unit variance: a closed-form KL per label
        torch.manual_seed(7)
        nelbo, kl_z, kl_y, rec = model.negative_elbo_bound(x)
        q = torch.softmax(model.cls(x), 1)
        torch.manual_seed(7)
        eps = torch.randn(70, 64, dtype=torch.float64)
        total_kl_z, total_rec = 0.0, 0.0
        for label in range(10):
            y = torch.nn.functional.one_hot(torch.full((7,), label), 10).double()
            m, v = model.enc(x, y)
            z = m + v.sqrt() * eps[label * 7:(label + 1) * 7]
            total_kl_z = total_kl_z + q[:, label] * torch.distributions.kl_divergence(
                torch.distributions.Normal(m, v.sqrt()), torch.distributions.Normal(0.0, 1.0)).sum(1)
            total_rec = total_rec + q[:, label] * torch.nn.functional.binary_cross_entropy_with_logits(
                model.dec(z, y), x, reduction="none").sum(1)
    assert torch.isclose(kl_y, (q * (q * 10).log()).sum(1).mean())
    assert torch.isclose(kl_z, total_kl_z.mean()) and torch.isclose(rec, total_rec.mean())
    assert torch.isclose(nelbo, kl_y + kl_z + rec)


@pytest.mark.parametrize("prior", [(1,), (1, 3), (1, 4, 3), (5, 4, 3)])
def test_the_served_helpers_accept_every_prior_a_model_passes(prior):
    """The grader serves the reference's utils to the students' models (autograder/worker/served.py),
    so they must take every form a correct utils accepts: the VAE's (1,) prior, (1, d), the
    GMVAE's (1, K, d) and an expanded (B, K, d); a prior without K is one component."""
    g = torch.Generator().manual_seed(4)
    z = torch.randn(5, 3, generator=g, dtype=torch.float64)
    m = torch.randn(prior, generator=g, dtype=torch.float64)
    v = torch.rand(prior, generator=g, dtype=torch.float64) + 0.2
    components = m.expand(5, -1, 3) if len(prior) == 3 else m.expand(5, 3).unsqueeze(1)
    variances = v.expand(5, -1, 3) if len(prior) == 3 else v.expand(5, 3).unsqueeze(1)
    want = torch.logsumexp(Normal(components, variances.sqrt()).log_prob(z.unsqueeze(1)).sum(-1), 1) \
        - math.log(components.shape[1])
    assert torch.allclose(ut.log_normal_mixture(z, m, v), want, rtol=1e-12, atol=1e-12)
    if len(prior) < 3:
        assert torch.allclose(ut.log_normal(z, m, v), Normal(m, v.sqrt()).log_prob(z).sum(-1), rtol=1e-12, atol=1e-12)
