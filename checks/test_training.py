"""Training: the submission's step functions, run for a fixed budget with the grader's
networks, on binarized MNIST (AEVB, wake-sleep) and on a ring of Gaussians (GAN, BiGAN).

The one-step checks of wake_sleep and gan/bigan compare a single update exactly; these
show that the procedure trains. Pass marks: ``training_calibration.yaml``."""
import math

from autograder.api import Mismatch
from checks import training


def _train(grader, draw, function, args, kwargs, extra):
    return grader.run_student(function, *args, op="train", extra=extra, seed=draw.seed(), **kwargs)


def _losses(value, what, width):
    """The returned losses as rows of ``width`` floats, or a Mismatch saying what came back."""
    rows = []
    for item in value if isinstance(value, list) else [None]:
        row = list(item) if isinstance(item, tuple) else [item]
        if len(row) != width or not all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in row):
            expected = "a float" if width == 1 else f"a tuple of {width} floats"
            raise Mismatch(f"{what} must return {expected} on every step; got {type(item).__name__}")
        rows.append([float(v) for v in row])
    return rows


def _vae(grader, draw, metric, kind, what):
    function, args, kwargs, extra = training.vae_run(draw, kind)
    reply = _train(grader, draw, function, args, kwargs, extra)
    losses = _losses(reply.value, what, 1 if kind == "aevb" else 2)
    try:
        with grader.timed("reference"):  # the reference's own compute: it scores the trained model
            bound = training.heldout_bound(grader.run_reference, reply.params)
    except (RuntimeError, ValueError, KeyError, TypeError) as exc:
        raise Mismatch(f"{what}: the networks' parameters could not be evaluated after training ({exc})") from None
    metric(f"{kind}_heldout_l100", bound)
    band = training.calibration()[f"test_{kind}_training"]["heldout_l100"]
    if not (math.isfinite(bound) and band.contains(bound)):
        first, last = (sum(r[0] for r in rows) / len(rows) for rows in (losses[:10], losses[-10:]))
        raise Mismatch(
            f"{what}: after {training.VAE['steps']} steps (batches of {training.VAE['batch']} binarized MNIST digits, "
            f"Adam, lr {training.VAE['lr']:g}) the model's held-out L_100 is {bound:.2f} nats per digit; the "
            f"reference's own step reaches {band.mean:.2f} (sd {band.sd:.2f} over {band.runs} seeds) and the pass "
            f"mark is {band.low:.2f}. The first loss your step returned averaged {first:.2f} over the first 10 "
            f"steps and {last:.2f} over the last 10.")


def test_aevb_training(grader, draw, metric):
    _vae(grader, draw, metric, "aevb", "aevb_step")


def test_wake_sleep_training(grader, draw, metric):
    _vae(grader, draw, metric, "wake_sleep", "wake_sleep_step")


def _gan(grader, draw, kind, what):
    function, args, kwargs, extra = training.gan_run(draw, kind)
    losses = _losses(_train(grader, draw, function, args, kwargs, extra).value, what, 2)
    summary = training.loss_summary(losses)
    bands = training.calibration()[f"test_{kind}_training"]
    off = [f"{name} averaged {summary[name]:.3f} over the last {training.GAN['last']} steps, expected between "
           f"{band.low:.3f} and {band.high:.3f} (reference: {band.mean:.3f}, sd {band.sd:.3f})"
           for name, band in bands.items() if not (math.isfinite(summary[name]) and band.contains(summary[name]))]
    if off:
        raise Mismatch(f"{what}: over {training.GAN['steps']} steps on a ring of {training.GAN['modes']} Gaussians "
                       f"(batches of {training.GAN['batch']}, Adam, given z): " + "; ".join(off))


def test_gan_training(grader, draw):
    _gan(grader, draw, "gan", "gan_step")


def test_bigan_training(grader, draw):
    _gan(grader, draw, "bigan", "bigan_step")
