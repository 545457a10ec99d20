"""gan.py: the losses of the value function (Eq. 12) and the alternating step."""
import torch
from gradescope_utils.autograder_utils.decorators import partial_credit

from autograder.grader.checking import check, compare_params, values_and_float64
from autograder.grader.parts import Parts
from autograder.grader.remote import Opt
from checks.helpers import mlp


def loss_parts(remote, spec, draw, set_score, function, arity, mistakes=lambda *logits: {}):
    """The shared shape of a loss check: values, float64, and saturated logits."""
    parts = Parts(set_score)
    logits = [draw.normal(16, scale=2.0) for _ in range(arity)]
    values_and_float64(parts, remote, spec, function, *logits, mistakes=mistakes(*logits))
    with parts("stable when D saturates (logits ±100)", needs="values"):
        check(remote, spec, function, *(100.0 * torch.sign(lg) for lg in logits))
    parts.finish()


@partial_credit(1.0)
def test_discriminator_loss(remote, spec, draw, set_score=None):
    loss_parts(remote, spec, draw, set_score, "gan.discriminator_loss", 2, lambda real, fake: {
        "real and fake swapped": -torch.nn.functional.logsigmoid(fake).mean()
        - torch.nn.functional.logsigmoid(-real).mean()})


@partial_credit(1.0)
def test_generator_loss_minimax(remote, spec, draw, set_score=None):
    loss_parts(remote, spec, draw, set_score, "gan.generator_loss_minimax", 1)


@partial_credit(1.0)
def test_generator_loss_nonsaturating(remote, spec, draw, set_score=None):
    loss_parts(remote, spec, draw, set_score, "gan.generator_loss_nonsaturating", 1)


@partial_credit(1.0)
def test_generator_loss_ml(remote, spec, draw, set_score=None):
    parts = Parts(set_score)
    logits = draw.normal(16)
    values_and_float64(parts, remote, spec, "gan.generator_loss_ml", logits, mistakes={
        "σ(a) used where the logit a = σ⁻¹(D) belongs": -0.5 * torch.sigmoid(logits).exp().mean()})
    parts.finish()


def gan_players(draw, data_dim=3, latent_dim=2):
    generator = mlp(draw, "generator", [latent_dim, 8, data_dim])
    discriminator = mlp(draw, "discriminator", [data_dim, 8, 1], head="squeeze")
    return generator, discriminator, Opt("sgd", 0.3, ["discriminator"]), Opt("sgd", 0.3, ["generator"])


@partial_credit(1.0)
def test_gan_step(remote, spec, draw, set_score=None):
    parts = Parts(set_score)
    players = gan_players(draw)
    x, z = draw.normal(6, 3), draw.normal(6, 2)
    for loss in ("nonsaturating", "minimax", "ml"):
        with parts(f'loss="{loss}": returned (d_loss, g_loss) and parameters after the step'):
            outcome = check(remote, spec, "gan.gan_step", x, *players, z=z, loss=loss, report_params=True)
            compare_params(outcome, spec, torch.float32, f'gan_step(loss="{loss}")', ["discriminator", "generator"])
    parts.finish()
