"""GAN and BiGAN losses and steps."""
import math

import pytest
import torch
from torch import nn

from reference import bigan, discriminator, divergences, gan


def test_losses_at_known_logits():
    real, fake = torch.tensor([0.0, 2.0]), torch.tensor([-1.0, 0.0])
    s = torch.sigmoid
    want_d = -(s(real).log().mean() + (1 - s(fake)).log().mean())
    torch.testing.assert_close(gan.discriminator_loss(real, fake), want_d)
    torch.testing.assert_close(gan.generator_loss_minimax(fake), (1 - s(fake)).log().mean())
    torch.testing.assert_close(gan.generator_loss_nonsaturating(fake), -s(fake).log().mean())
    a = torch.logit(s(fake))
    torch.testing.assert_close(gan.generator_loss_ml(fake), -0.5 * a.exp().mean())
    torch.testing.assert_close(bigan.bigan_generator_encoder_loss(real, fake),
                               -(1 - s(real)).log().mean() - s(fake).log().mean())
    torch.testing.assert_close(bigan.bigan_discriminator_loss(real, fake), want_d)


def test_losses_finite_when_d_saturates():
    big = torch.tensor([100.0, -100.0])
    for value in (gan.discriminator_loss(big, big), gan.generator_loss_minimax(big),
                  gan.generator_loss_nonsaturating(big), bigan.bigan_generator_encoder_loss(big, big)):
        assert torch.isfinite(value)


def test_bigan_optimal_discriminator_on_a_discrete_joint(gen):
    # joint over (x, z) in 3 × 2 cells: p_EX(x, z) = p(x) 1[z = E(x)], p_GZ(x, z) = p(z) 1[x = G(z)]
    px, pz = torch.tensor([0.2, 0.5, 0.3], dtype=torch.float64), torch.tensor([0.6, 0.4], dtype=torch.float64)
    enc, gen_map = [0, 1, 1], [2, 0]
    p_ex = torch.zeros(3, 2, dtype=torch.float64)
    p_gz = torch.zeros(3, 2, dtype=torch.float64)
    for x, z in enumerate(enc):
        p_ex[x, z] = px[x]
    for z, x in enumerate(gen_map):
        p_gz[x, z] = pz[z]
    support = (p_ex + p_gz) > 0
    d = discriminator.optimal_discriminator(p_ex[support].log(), p_gz[support].log())
    torch.testing.assert_close(d, p_ex[support] / (p_ex[support] + p_gz[support]))
    value = (p_ex[support] * d.clamp_min(1e-300).log()).sum() + (p_gz[support] * (1 - d).clamp_min(1e-300).log()).sum()
    jsd = divergences.js_discrete(p_ex.flatten(), p_gz.flatten())
    torch.testing.assert_close(value, -math.log(4) + 2 * jsd)


class Critic(nn.Module):
    def __init__(self):
        super().__init__()
        self.net = nn.Linear(3, 1)

    def forward(self, x, z=None):
        inp = x if z is None else torch.cat([x, z], -1)
        return self.net(inp).squeeze(-1)


@pytest.mark.parametrize("loss", ["minimax", "nonsaturating", "ml"])
def test_gan_step_updates_d_then_g_against_the_updated_d(loss, gen):
    torch.manual_seed(0)
    g, d = nn.Linear(2, 3), Critic()
    x, z = torch.randn(5, 3, generator=gen), torch.randn(5, 2, generator=gen)
    d_want = gan.discriminator_loss(d(x), d(g(z))).item()
    d_opt, g_opt = torch.optim.SGD(d.parameters(), lr=0.1), torch.optim.SGD(g.parameters(), lr=0.1)
    # the generator's loss must be measured against the discriminator after its update
    d_updated = Critic()
    d_updated.load_state_dict(d.state_dict())
    d_step = torch.optim.SGD(d_updated.parameters(), lr=0.1)
    gan.discriminator_loss(d_updated(x), d_updated(g(z).detach())).backward()
    d_step.step()
    g_want = gan.GENERATOR_LOSSES[loss](d_updated(g(z))).item()
    d_loss, g_loss = gan.gan_step(x, g, d, d_opt, g_opt, z=z, loss=loss)
    assert d_loss == pytest.approx(d_want) and type(g_loss) is float
    assert g_loss == pytest.approx(g_want)
    with pytest.raises(ValueError):
        gan.gan_step(x, g, d, d_opt, g_opt, z=z, loss="wasserstein")


def test_bigan_step_returns_floats_and_moves_all_players(gen):
    torch.manual_seed(0)
    g, e = nn.Linear(2, 3), nn.Linear(3, 2)
    critic = nn.Linear(5, 1)
    disc = lambda x, z: critic(torch.cat([x, z], -1)).squeeze(-1)  # noqa: E731
    x, z = torch.randn(4, 3, generator=gen), torch.randn(4, 2, generator=gen)
    before = [p.clone() for p in (*g.parameters(), *e.parameters(), *critic.parameters())]
    d_opt = torch.optim.SGD(critic.parameters(), lr=0.1)
    ge_opt = torch.optim.SGD([*g.parameters(), *e.parameters()], lr=0.1)
    want_d = bigan.bigan_discriminator_loss(disc(x, e(x)), disc(g(z), z)).item()
    d_loss, ge_loss = bigan.bigan_step(x, g, e, disc, d_opt, ge_opt, z=z)
    assert d_loss == pytest.approx(want_d) and isinstance(ge_loss, float)
    after = [*g.parameters(), *e.parameters(), *critic.parameters()]
    assert all(not torch.equal(a, b) for a, b in zip(after, before))
