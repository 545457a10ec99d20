"""bigan.py: the three-player game of Eq. 14."""
import torch

from autograder.api import Opt
from checks.helpers import mlp
from checks.test_gan import loss_parts


def test_bigan_discriminator_loss(grader, draw):
    loss_parts(grader, draw, "bigan.bigan_discriminator_loss", 2)


def test_bigan_generator_encoder_loss(grader, draw):
    loss_parts(grader, draw, "bigan.bigan_generator_encoder_loss", 2, lambda real, fake: {
        "the discriminator's loss (labels must be swapped for G and E)":
            -torch.nn.functional.logsigmoid(real).mean() - torch.nn.functional.logsigmoid(-fake).mean()})


def test_bigan_step(grader, draw):
    generator = mlp(draw, "generator", [2, 8, 3])
    encoder = mlp(draw, "encoder", [3, 8, 2])
    discriminator = mlp(draw, "discriminator", [5, 8, 1], head="squeeze", pair=True)
    d_opt, ge_opt = Opt("sgd", 0.3, ["discriminator"]), Opt("sgd", 0.3, ["generator", "encoder"])
    x, z = draw.normal(6, 3), draw.normal(6, 2)
    with grader.part("returned (d_loss, ge_loss) and parameters of all three players after the step"):
        outcome = grader.check("bigan.bigan_step", x, generator, encoder, discriminator, d_opt, ge_opt, z=z,
                               report_params=True)
        grader.compare_params(outcome, torch.float32, "bigan_step", ["discriminator", "generator", "encoder"])
