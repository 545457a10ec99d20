"""gan.py: the losses of the value function (Eq. 12) and the alternating step."""
import torch

from autograder.api import Mismatch, Opt
from checks.helpers import known_float_mistake, local, mlp, returned


def loss_parts(grader, draw, function, arity, mistakes=lambda *logits: {}):
    """The shared shape of a loss check: values, float64, and saturated logits."""
    logits = [draw.normal(16, scale=2.0) for _ in range(arity)]
    loss = grader.run_reference(function, *logits).value.tensor()
    grader.values_and_float64(function, *logits, mistakes={**mistakes(*logits), "the sign is flipped": -loss})
    with grader.part("stable when D saturates (logits ±100)", needs="values"):
        grader.check(function, *(100.0 * torch.sign(lg) for lg in logits))


def test_discriminator_loss(grader, draw):
    loss_parts(grader, draw, "gan.discriminator_loss", 2, lambda real, fake: {
        "real and fake swapped": -torch.nn.functional.logsigmoid(fake).mean()
        - torch.nn.functional.logsigmoid(-real).mean()})


def test_generator_loss_minimax(grader, draw):
    loss_parts(grader, draw, "gan.generator_loss_minimax", 1)


def test_generator_loss_nonsaturating(grader, draw):
    loss_parts(grader, draw, "gan.generator_loss_nonsaturating", 1)


def test_generator_loss_ml(grader, draw):
    logits = draw.normal(16)
    grader.values_and_float64("gan.generator_loss_ml", logits, mistakes={
        "σ(a) used where the logit a = σ⁻¹(D) belongs": -0.5 * torch.sigmoid(logits).exp().mean()})


def gan_players(draw, data_dim=3, latent_dim=2):
    generator = mlp(draw, "generator", [latent_dim, 8, data_dim])
    discriminator = mlp(draw, "discriminator", [data_dim, 8, 1], head="squeeze")
    return generator, discriminator, Opt("sgd", 0.3, ["discriminator"]), Opt("sgd", 0.3, ["generator"])


def test_gan_step(grader, draw):
    players = gan_players(draw)
    x, z = draw.normal(6, 3), draw.normal(6, 2)
    generator, discriminator = players[:2]
    with torch.no_grad():
        stale_logits = local(discriminator)(local(generator)(z))  # D before its update, on G(z)
    for loss in ("nonsaturating", "minimax", "ml"):
        with grader.part(f'loss="{loss}": returned (d_loss, g_loss) and parameters after the step'):
            stale = grader.run_reference(f"gan.generator_loss_{loss}", stale_logits).value.tensor()
            try:
                outcome = grader.check("gan.gan_step", x, *players, z=z, loss=loss, report_params=True)
            except Mismatch as error:
                raise known_float_mistake(error, returned(grader, "gan.gan_step", x, *players, z=z, loss=loss), [
                    (1, "g_loss against the discriminator before its update: update D first, then compute the "
                        "generator's loss with the updated D", stale)]) from None
            grader.compare_params(outcome, torch.float32, f'gan_step(loss="{loss}")', ["discriminator", "generator"])
