"""bigan.py: the three-player game of Eq. 14."""
import torch

from autograder.api import Mismatch, Opt
from checks.helpers import known_float_mistake, local, mlp, returned
from checks.test_gan import loss_parts


def test_bigan_discriminator_loss(grader, draw):
    loss_parts(grader, draw, "bigan.bigan_discriminator_loss", 2)


def test_bigan_generator_encoder_loss(grader, draw):
    loss_parts(grader, draw, "bigan.bigan_generator_encoder_loss", 2, lambda real, fake: {
        "the discriminator's loss (labels must be swapped for G and E)":
            -torch.nn.functional.logsigmoid(real).mean() - torch.nn.functional.logsigmoid(-fake).mean(),
        "the discriminator's loss negated (G and E swap its labels, not its sign)":
            torch.nn.functional.logsigmoid(real).mean() + torch.nn.functional.logsigmoid(-fake).mean()})


def test_bigan_step(grader, draw):
    generator = mlp(draw, "generator", [2, 8, 3])
    encoder = mlp(draw, "encoder", [3, 8, 2])
    discriminator = mlp(draw, "discriminator", [5, 8, 1], head="squeeze", pair=True)
    d_opt, ge_opt = Opt("sgd", 0.3, ["discriminator"]), Opt("sgd", 0.3, ["generator", "encoder"])
    x, z = draw.normal(6, 3), draw.normal(6, 2)
    with grader.part("returned (d_loss, ge_loss) and parameters of all three players after the step"):
        with torch.no_grad():
            d = local(discriminator)
            real, fake = d(x, local(encoder)(x)), d(local(generator)(z), z)
        swapped = grader.run_reference("bigan.bigan_discriminator_loss", fake, real).value.tensor()
        players = (x, generator, encoder, discriminator, d_opt, ge_opt)
        try:
            outcome = grader.check("bigan.bigan_step", *players, z=z, report_params=True)
        except Mismatch as error:
            raise known_float_mistake(error, returned(grader, "bigan.bigan_step", *players, z=z), [
                (0, "d_loss with the roles swapped: (x, E(x)) is the real pair and (G(z), z) the fake one", swapped)
            ]) from None
        grader.compare_params(outcome, torch.float32, "bigan_step", ["discriminator", "generator", "encoder"])
