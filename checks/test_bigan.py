"""bigan.py: the three-player game of Eq. 14."""
import torch
from gradescope_utils.autograder_utils.decorators import partial_credit

from autograder.grader.checking import check, compare_params
from autograder.grader.parts import Parts
from autograder.grader.remote import Opt
from checks.helpers import mlp
from checks.test_gan import loss_parts


@partial_credit(1.0)
def test_bigan_discriminator_loss(remote, spec, draw, set_score=None):
    loss_parts(remote, spec, draw, set_score, "bigan.bigan_discriminator_loss", 2)


@partial_credit(1.0)
def test_bigan_generator_encoder_loss(remote, spec, draw, set_score=None):
    loss_parts(remote, spec, draw, set_score, "bigan.bigan_generator_encoder_loss", 2, lambda real, fake: {
        "the discriminator's loss (labels must be swapped for G and E)":
            -torch.nn.functional.logsigmoid(real).mean() - torch.nn.functional.logsigmoid(-fake).mean()})


@partial_credit(1.0)
def test_bigan_step(remote, spec, draw, set_score=None):
    parts = Parts(set_score)
    generator = mlp(draw, "generator", [2, 8, 3])
    encoder = mlp(draw, "encoder", [3, 8, 2])
    discriminator = mlp(draw, "discriminator", [5, 8, 1], head="squeeze", pair=True)
    d_opt, ge_opt = Opt("sgd", 0.3, ["discriminator"]), Opt("sgd", 0.3, ["generator", "encoder"])
    x, z = draw.normal(6, 3), draw.normal(6, 2)
    with parts("returned (d_loss, ge_loss) and parameters of all three players after the step"):
        outcome = check(remote, spec, "bigan.bigan_step", x, generator, encoder, discriminator, d_opt, ge_opt, z=z,
                        report_params=True)
        compare_params(outcome, spec, torch.float32, "bigan_step", ["discriminator", "generator", "encoder"])
    parts.finish()
