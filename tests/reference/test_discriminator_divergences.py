"""Optimal discriminator, density ratios, NWJ/DV bounds, discrete divergences and W1."""
import math

import numpy as np
import pytest
import torch
from scipy.spatial.distance import jensenshannon
from scipy.stats import wasserstein_distance
from torch import distributions as D

from reference import discriminator, divergences

P, Q = D.Normal(1.0, 1.0), D.Normal(0.0, 1.0)  # KL(P ‖ Q) = 0.5


def test_optimal_discriminator_closed_form_and_density_recovery():
    x = torch.linspace(-5, 5, 101, dtype=torch.float64)
    n0, n1 = D.Normal(0.0, 1.0), D.Normal(1.0, 1.0)
    d = discriminator.optimal_discriminator(n0.log_prob(x), n1.log_prob(x))
    torch.testing.assert_close(d, torch.sigmoid(0.5 - x))
    torch.testing.assert_close(discriminator.log_density_from_discriminator(n1.log_prob(x), d), n0.log_prob(x))


def test_optimal_discriminator_is_stable():
    d = discriminator.optimal_discriminator(torch.tensor([1e4, -1e4, 0.0]), torch.tensor([-1e4, 1e4, 0.0]))
    assert torch.equal(d, torch.tensor([1.0, 0.0, 0.5]))
    near = torch.tensor([1e-30, 1 - 1e-7], dtype=torch.float64)
    assert torch.isfinite(discriminator.log_density_from_discriminator(torch.zeros(2, dtype=torch.float64), near)).all()


def test_optimal_critic_attains_kl_in_both_bounds(gen):
    xp = P.sample((400000,)).double()
    xq = Q.sample((400000,)).double()
    t = lambda x: x + 0.5  # noqa: E731  T = 1 + log p/q for NWJ; optimal up to a constant for DV
    # exact expectations: E_P[x + .5] = 1.5, E_Q[exp(x - .5)] = 1, so R1 = 0.5 and R2 = 0.5
    assert divergences.nwj_bound(t(xp), t(xq)).item() == pytest.approx(0.5, abs=0.01)
    assert divergences.dv_bound(t(xp), t(xq)).item() == pytest.approx(0.5, abs=0.01)


def test_dv_is_shift_invariant_nwj_is_not_and_dv_dominates(gen):
    for _ in range(20):
        tp, tq = torch.randn(50, generator=gen, dtype=torch.float64), torch.randn(60, generator=gen, dtype=torch.float64)
        r1, r2 = divergences.nwj_bound(tp, tq), divergences.dv_bound(tp, tq)
        assert r2 >= r1 - 1e-12
        torch.testing.assert_close(divergences.dv_bound(tp + 3.0, tq + 3.0), r2)
        assert abs(divergences.nwj_bound(tp + 3.0, tq + 3.0) - r1) > 1e-3
    assert torch.isfinite(divergences.dv_bound(torch.zeros(3), torch.full((3,), 1e4)))


def test_kl_conjugate_is_the_supremum():
    t = torch.linspace(-2, 2, 9, dtype=torch.float64)
    u = torch.linspace(1e-6, 20, 200001, dtype=torch.float64)
    sup = (t[:, None] * u - u * torch.log(u)).max(1).values
    torch.testing.assert_close(divergences.kl_conjugate(t), sup, atol=1e-6, rtol=1e-6)


def test_discrete_divergences(gen):
    p = torch.softmax(torch.randn(6, 5, generator=gen, dtype=torch.float64), -1)
    q = torch.softmax(torch.randn(6, 5, generator=gen, dtype=torch.float64), -1)
    torch.testing.assert_close(divergences.kl_discrete(p, q),
                               D.kl_divergence(D.Categorical(probs=p), D.Categorical(probs=q)))
    np.testing.assert_allclose(divergences.js_discrete(p, q).numpy(),
                               jensenshannon(p.numpy(), q.numpy(), axis=-1) ** 2, rtol=1e-10)
    disjoint_p, disjoint_q = torch.tensor([0.5, 0.5, 0.0, 0.0]), torch.tensor([0.0, 0.0, 0.3, 0.7])
    assert divergences.js_discrete(disjoint_p, disjoint_q).item() == pytest.approx(math.log(2))
    assert divergences.kl_discrete(disjoint_p, disjoint_q).item() == math.inf
    assert divergences.kl_discrete(torch.tensor([0.0, 1.0]), torch.tensor([0.5, 0.5])).item() == pytest.approx(math.log(2))


def test_gan_value_at_optimal_discriminator_is_jsd(gen):
    p = torch.softmax(torch.randn(8, generator=gen, dtype=torch.float64), -1)
    q = torch.softmax(torch.randn(8, generator=gen, dtype=torch.float64), -1)
    d = discriminator.optimal_discriminator(p.log(), q.log())
    value = (p * d.log()).sum() + (q * (1 - d).log()).sum()
    torch.testing.assert_close(value, -math.log(4) + 2 * divergences.js_discrete(p, q))


@pytest.mark.parametrize("theta", [0.7, -1.3, 2.0])
def test_w1_parallel_lines_and_scipy(theta, gen):
    y = torch.rand(1000, generator=gen, dtype=torch.float64)
    # P on x = 0, Q on x = theta, same uniform y: W1 = |theta| (coupling along y)
    p = torch.stack([torch.zeros_like(y), y], 1)
    q = torch.stack([torch.full_like(y, theta), y], 1)
    assert divergences.wasserstein_1d(p[:, 0], q[:, 0]).item() == pytest.approx(abs(theta))
    a, b = torch.randn(300, generator=gen, dtype=torch.float64), torch.randn(300, generator=gen, dtype=torch.float64) * 2
    assert divergences.wasserstein_1d(a, b).item() == pytest.approx(wasserstein_distance(a.numpy(), b.numpy()))
