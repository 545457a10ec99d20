"""wake_sleep.py: the wake and sleep losses, their gradient routing, and the steps."""
import math

import torch

from autograder.api import Mismatch, Net, Opt, chi2_pvalue, expect_fresh_draws, expect_statistics, samples_of
from checks.helpers import after_step, known_float_mistake, local, returned, vae_nets
from checks.test_iwae import constant_decoder

LOG_2PI = math.log(2 * math.pi)


def test_wake_loss(grader, draw):
    encoder, decoder = vae_nets(draw)
    x = draw.binary(5, 6)
    with grader.part("values with given eps", 2):
        grader.check("wake_sleep.wake_loss", x, encoder, decoder, eps=draw.normal(1, 5, 2))
    with grader.part("n_samples = 3"):
        grader.check("wake_sleep.wake_loss", x, encoder, decoder, n_samples=3, eps=draw.normal(3, 5, 2))
    with grader.part("float64"):
        grader.check_float64("wake_sleep.wake_loss", x.double(), encoder, decoder,
                             eps=draw.normal(1, 5, 2).double())
    with grader.part("gradients reach the decoder and never the encoder", 2):
        grader.check_gradients("wake_sleep.wake_loss", [x, encoder, decoder], [], [torch.tensor(1.0)],
                               params=True, eps=draw.normal(1, 5, 2))
    with grader.part("without eps (a decoder that ignores z makes the value exact)", needs="values with given eps"):
        grader.check("wake_sleep.wake_loss", x, encoder, constant_decoder(draw), n_samples=2, seed=draw.seed())


def test_sleep_loss(grader, draw):
    encoder, decoder = vae_nets(draw)
    z, u = draw.normal(7, 2), draw.uniform(7, 6)
    exact = False  # the loss is right for given dreams: then its value without them tells where the dreams lie
    with grader.part("values with given z and u", 2):
        with torch.no_grad():  # the dreams a sleep phase makes of the decoder's probabilities themselves
            mu, logvar = local(encoder)(torch.sigmoid(local(decoder)(z)))
        soft = -grader.run_reference("vae.log_normal_diag", z, mu, logvar).value.tensor().mean()
        grader.check("wake_sleep.sleep_loss", encoder, decoder, 7, 2, z=z, u=u, mistakes={
            "the dreams x are the decoder's probabilities sigmoid(logits) instead of a binary sample "
            "x = (u < probs)": soft})
        exact = True
    with grader.part("float64"):
        grader.check_float64("wake_sleep.sleep_loss", encoder, decoder, 7, 2, z=z.double(), u=u.double())
    with grader.part("gradients reach the encoder and never the decoder", 2):
        grader.check_gradients("wake_sleep.sleep_loss", [encoder, decoder, 7, 2], [], [torch.tensor(1.0)],
                               params=True, z=z, u=u)
    with grader.part("without z and u: z ~ N(0, I), fresh in every call (exact chi-square test, false-fail rate 1e-6)",
               needs="values with given z and u"):
        # an encoder with q(z|x) = N(0, I) makes 2L(loss − ½K log 2π) = Σ|z_l|² ~ χ²(L·K)
        standard = Net("encoder", [(torch.zeros(8, 6), torch.zeros(8)), (torch.zeros(4, 8), torch.zeros(4))],
                       "mlp", head="gaussian")
        n = 4000
        first, second = (float(samples_of(grader.run_student("wake_sleep.sleep_loss", standard, decoder, n, 2,
                                                             seed=draw.seed()).value, "sleep_loss", ()))
                         for _ in range(2))
        statistic = 2 * n * (first - LOG_2PI)
        spread = 2 * math.sqrt(1 / n)  # of the mean |z|² over n dreams of z ~ N(0, I) in 2 dimensions
        side = f": the dreamed z lie {'farther from' if statistic > 2 * n else 'closer to'} 0 than z ~ N(0, I)"
        expect_statistics(chi2_pvalue(statistic, 2 * n), "sleep_loss", "z ~ N(0, I) of shape [L, K]",
                          evidence=f"its loss is that of dreams with a mean |z|² of {statistic / n:.4g}, where z ~ "
                                   f"N(0, I) gives 2 ± {spread:.2g}" + (side if exact else ""))
        # two independent continuous draws are equal with probability 0: this part costs no false fails
        expect_fresh_draws(0.0 if first == second else 1.0, "sleep_loss")


def _step_nets(draw):
    # steps large enough that an update made in the wrong order always moves the losses
    # returned after it beyond the tolerance (at 0.2, 3 seeds in 200 let sleep-before-wake's
    # wake loss through)
    encoder, decoder = vae_nets(draw)
    return encoder, decoder, Opt("sgd", 1.0, ["decoder"]), Opt("sgd", 1.0, ["encoder"])


def test_wake_sleep_step(grader, draw):
    encoder, decoder, wake_opt, sleep_opt = _step_nets(draw)
    x, eps, z, u = draw.binary(5, 6), draw.normal(2, 5, 2), draw.normal(3, 2), draw.uniform(3, 6)
    outcome = None
    with grader.part("returns (wake_loss, sleep_loss) as floats, each before its update", 2):
        # sleep before wake: the wake loss of the encoder a sleep step (on the decoder as given) updated
        slept = grader.run_reference("wake_sleep.wake_sleep_step", x, encoder, decoder, Opt("sgd", 0.0, ["decoder"]),
                                     sleep_opt, latent_dim=2, n_samples=2, eps=eps, z=z, u=u, report_params=True)
        woken = grader.run_reference("wake_sleep.wake_loss", x, after_step(slept, encoder), decoder, n_samples=2,
                                     eps=eps).value.tensor()
        arguments = dict(latent_dim=2, n_samples=2, eps=eps, z=z, u=u, report_params=True)
        try:
            outcome = grader.check("wake_sleep.wake_sleep_step", x, encoder, decoder, wake_opt, sleep_opt, **arguments)
        except Mismatch as error:
            raise known_float_mistake(error, returned(grader, "wake_sleep.wake_sleep_step", x, encoder, decoder,
                                                      wake_opt, sleep_opt, **arguments), [
                (0, "the wake loss of an encoder the sleep phase already updated: run the wake phase first", woken)
            ]) from None
    with grader.part("parameters after the step: wake updates the decoder, then sleep dreams from it", 2):
        outcome = outcome or grader.run("wake_sleep.wake_sleep_step", x, encoder, decoder, wake_opt, sleep_opt,
                                        latent_dim=2, n_samples=2, eps=eps, z=z, u=u, report_params=True)
        grader.compare_params(outcome, torch.float32, "wake_sleep_step", ["decoder", "encoder"])
    with grader.part("runs without noise arguments",
               needs=["returns (wake_loss, sleep_loss) as floats, each before its update",
                      "parameters after the step: wake updates the decoder, then sleep dreams from it"]):
        reply = grader.run_student("wake_sleep.wake_sleep_step", x, encoder, decoder, wake_opt, sleep_opt,
                                   latent_dim=2, n_samples=2, seed=draw.seed())
        values = reply.value
        assert isinstance(values, tuple) and len(values) == 2 and all(
            type(v) is float and math.isfinite(v) for v in values), \
            f"wake_sleep_step: expected a tuple of two finite floats, got {values!r}"[:300]


def test_aevb_step(grader, draw):
    encoder, decoder = vae_nets(draw)
    opt = Opt("sgd", 1.0, ["encoder", "decoder"])  # as in _step_nets: a loss after the step is always another
    x, eps = draw.binary(5, 6), draw.normal(3, 5, 2)
    outcome = None
    with grader.part("returns the loss before the step, as a float", 2):
        stepped = grader.run_reference("wake_sleep.aevb_step", x, encoder, decoder, opt, n_samples=3, eps=eps,
                                       report_params=True)
        later = -grader.run_reference("vae.elbo", x, after_step(stepped, encoder), after_step(stepped, decoder),
                                      n_samples=3, eps=eps).value[0].tensor().mean()
        try:
            outcome = grader.check("wake_sleep.aevb_step", x, encoder, decoder, opt, n_samples=3, eps=eps,
                                   report_params=True)
        except Mismatch as error:
            raise known_float_mistake(error, returned(grader, "wake_sleep.aevb_step", x, encoder, decoder, opt,
                                                      n_samples=3, eps=eps), [
                (None, "the loss after the step: return the loss computed before opt.step()", later)]) from None
    with grader.part("parameters after one step on −mean ELBO", 2):
        outcome = outcome or grader.run("wake_sleep.aevb_step", x, encoder, decoder, opt, n_samples=3, eps=eps,
                                        report_params=True)
        grader.compare_params(outcome, torch.float32, "aevb_step", ["encoder", "decoder"])
    with grader.part("without eps (a decoder that ignores z makes the loss exact)"):
        grader.check("wake_sleep.aevb_step", x, encoder, constant_decoder(draw), opt, seed=draw.seed())
