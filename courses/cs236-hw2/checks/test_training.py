"""Training: the submission's VAE and GMVAE bounds as the loss of a fixed budget of Adam
steps with the grader's networks, scored by the held-out NIWAE-100. The unit checks show
the bounds' values; these show that their gradients train."""
import math

from autograder.api import Mismatch
from checks import training


def _train(grader, draw, metric, kind, what):
    function, extra = training.run(draw, kind)
    reply = grader.run_student(function, op="model_training", extra=extra, seed=draw.seed())
    trained = dict(reply.value)
    losses = trained.pop("losses").array
    try:
        with grader.timed("reference"):  # the reference's own compute: it scores the trained model
            niwae = training.heldout_niwae(kind, trained)
    except (RuntimeError, ValueError, KeyError, TypeError, AttributeError) as exc:
        raise Mismatch(f"{what}: the trained parameters could not be evaluated ({exc})") from None
    metric(f"{kind}_heldout_niwae100", niwae)
    band = training.calibration()[f"test_{kind}_training"]["heldout_niwae100"]
    if not (math.isfinite(niwae) and niwae <= band.high):
        budget = training.BUDGET
        stopped = f" (stopped at step {len(losses)}: the loss was not finite)" if len(losses) < budget["steps"] else ""
        raise Mismatch(
            f"{what}: after {budget['steps']} Adam steps (lr {budget['lr']:g}, batches of {budget['batch']} "
            f"binarized MNIST digits) with your bound as the loss{stopped}, the model's held-out NIWAE-100 is "
            f"{niwae:.2f} nats per digit; the reference's bound reaches {band.mean:.2f} (sd {band.sd:.2f} over "
            f"{band.runs} seeds) and the pass mark is {band.high:.2f}. Your loss averaged "
            f"{losses[:10].mean():.2f} over the first 10 steps and {losses[-10:].mean():.2f} over the last 10.")


def test_vae_training(grader, draw, metric):
    _train(grader, draw, metric, "vae", "VAE.negative_elbo_bound")


def test_gmvae_training(grader, draw, metric):
    _train(grader, draw, metric, "gmvae", "GMVAE.negative_elbo_bound")
