"""Training runs the grader hands to a submission: networks, budgets, data, and scores.

The grader builds the networks and their initialisation, the minibatch order and the
optimizer (Adam, same update as torch.optim.Adam); the submission's step function runs
``STEPS`` times in the worker, drawing its own noise for the VAEs (and given z for the
GANs, whose steps require it). The trained VAE is scored here, with the reference
``iwae_bound`` (k = 100) on held-out digits; a GAN run by its losses. Pass marks come from
reference runs with other seeds (``training_calibration.yaml``, written by
``benchmarks/calibrate_training.py``).
"""
import math
from pathlib import Path

import numpy as np
import torch

from autograder.api import Net, Opt, load_mnist_subset, read_bands

CALIBRATION = Path(__file__).with_name("training_calibration.yaml")
SUBSET = Path(__file__).parent / "data" / "mnist_subset.npz"
PIXELS, HIDDEN, LATENT = 784, 200, 2
VAE = {"steps": 150, "batch": 100, "lr": 3e-3, "k": 100, "heldout": 500}
HELDOUT_CHUNK = 50
GAN = {"steps": 300, "batch": 128, "lr": 2e-3, "hidden": 64, "modes": 8, "radius": 2.0, "spread": 0.1, "last": 100}


def mlp(draw, name, sizes, head=None, out_shape=None, pair=False):
    return Net(name, [draw.linear(a, b) for a, b in zip(sizes[:-1], sizes[1:])], "mlp", head=head,
               out_shape=out_shape, pair=pair)


def vae_networks(draw, data_mean):
    encoder = mlp(draw, "encoder", [PIXELS, HIDDEN, 2 * LATENT], head="gaussian")
    decoder = mlp(draw, "decoder", [LATENT, HIDDEN, PIXELS])
    weight, _ = decoder.layers[-1]  # start from the pixel means, as is customary
    decoder.layers[-1] = (weight, torch.logit(data_mean.clamp(1e-3, 1 - 1e-3)))
    return encoder, decoder


def vae_run(draw, kind):
    """(function, args, kwargs, extra) of a training run of ``kind`` "aevb" or "wake_sleep"."""
    x_train, _, _, _ = load_mnist_subset(SUBSET)
    data = torch.from_numpy(x_train)
    encoder, decoder = vae_networks(draw, data.mean(0))
    batches = torch.stack([torch.randperm(len(data), generator=draw.generator)[:VAE["batch"]]
                           for _ in range(VAE["steps"])])
    extra = {"data": data, "batches": batches}
    if kind == "aevb":
        return "wake_sleep.aevb_step", [encoder, decoder, Opt("adam", VAE["lr"], ["encoder", "decoder"])], {}, extra
    opts = [Opt("adam", VAE["lr"], ["decoder"]), Opt("adam", VAE["lr"], ["encoder"])]
    return "wake_sleep.wake_sleep_step", [encoder, decoder, *opts], {"latent_dim": LATENT, "n_samples": 1}, extra


def trained_networks(params):
    """The trained encoder and decoder as Nets, from the parameters the worker sent."""
    def net(name, head):
        tensors = [p.tensor().float() for p in params[name]]
        return Net(name, list(zip(tensors[0::2], tensors[1::2])), "mlp", head=head, out_shape=None, pair=False)
    return net("encoder", "gaussian"), net("decoder", None)


def heldout_bound(run_reference, params, seed=0):
    """Mean L_100 (nats per digit) of the trained model on the held-out digits, by the
    reference's ``iwae_bound``, asked like every reference answer (``run_reference``:
    ``grader.run_reference``, or a ``Reference``'s ``run``), with evaluation noise fixed by ``seed``."""
    _, _, x_heldout, _ = load_mnist_subset(SUBSET)
    x = torch.from_numpy(x_heldout[:VAE["heldout"]])
    eps = torch.randn(VAE["k"], len(x), LATENT, generator=torch.Generator().manual_seed(seed))
    networks = trained_networks(params)
    # HELDOUT_CHUNK digits a call: the trained weights require grad, so one call on all 500
    # kept the graph of each of its sample chunks until it returned (570 MB in the grader,
    # over Gradescope's 768 MB with the worker); each digit keeps its own noise
    bounds = [run_reference("iwae.iwae_bound", x[i:i + HELDOUT_CHUNK], *networks, VAE["k"],
                            eps=eps[:, i:i + HELDOUT_CHUNK]).value.tensor() for i in range(0, len(x), HELDOUT_CHUNK)]
    return float(torch.cat(bounds).mean())


def ring(draw, n):
    """n points of a ring of 8 Gaussians (radius 2, sd 0.1)."""
    angle = 2 * math.pi * torch.randint(0, GAN["modes"], (n,), generator=draw.generator) / GAN["modes"]
    centres = GAN["radius"] * torch.stack([angle.cos(), angle.sin()], -1)
    return centres + GAN["spread"] * draw.normal(n, 2)


def gan_run(draw, kind):
    """(function, args, kwargs, extra) of a short GAN ("gan") or BiGAN ("bigan") run on the ring."""
    h, steps, batch = GAN["hidden"], GAN["steps"], GAN["batch"]
    data = ring(draw, steps * batch)
    extra = {"data": data, "batches": torch.arange(steps * batch).reshape(steps, batch),
             "per_step": {"z": draw.normal(steps, batch, 2)}}
    generator = mlp(draw, "generator", [2, h, h, 2])
    if kind == "gan":
        discriminator = mlp(draw, "discriminator", [2, h, 1], head="squeeze")
        opts = [Opt("adam", GAN["lr"], ["discriminator"]), Opt("adam", GAN["lr"], ["generator"])]
        return "gan.gan_step", [generator, discriminator, *opts], {"loss": "nonsaturating"}, extra
    encoder = mlp(draw, "encoder", [2, h, 2])
    discriminator = mlp(draw, "discriminator", [4, h, 1], head="squeeze", pair=True)
    opts = [Opt("adam", GAN["lr"], ["discriminator"]), Opt("adam", GAN["lr"], ["generator", "encoder"])]
    return "bigan.bigan_step", [generator, encoder, discriminator, *opts], {}, extra


def loss_summary(losses):
    """Mean discriminator and generator losses over the last ``GAN["last"]`` steps."""
    tail = np.asarray(losses[-GAN["last"]:], dtype=np.float64)
    return {"d_loss": float(tail[:, 0].mean()), "g_loss": float(tail[:, 1].mean())}


def calibration():
    """{check: {statistic: Band}} from the calibration file."""
    return read_bands(CALIBRATION)
