"""Training runs of the submission's bounds: the grader's networks and initialisation (from
its draw), data order, budget and optimizer (Adam, lr 1e-3, the homework's); the
submission's ``negative_elbo_bound`` is the loss, with the grader's utils helpers bound in.
The trained model is scored here with the reference's IWAE bound on held-out digits.
Pass marks come from reference runs with other seeds (``training_calibration.yaml``,
written by ``calibrate_training.py``; band rule: docs/api.md, Training checks)."""
import math
from pathlib import Path

import torch

from autograder.api import load_mnist_subset, read_bands
from checks import constructions as c
from codebase.models.gmvae import GMVAE
from codebase.models.vae import VAE

CALIBRATION = Path(__file__).with_name("training_calibration.yaml")
SUBSET = Path(__file__).parent / "data" / "mnist_subset.npz"
BUDGET = {"steps": 200, "batch": 97, "lr": 1e-3, "iw": 100, "heldout": 200}
MODELS = {"vae": ("models.vae.VAE", VAE, {"z_dim": 10}),
          "gmvae": ("models.gmvae.GMVAE", GMVAE, {"z_dim": 10, "k": 500})}


def initial_state(draw, kind):
    """nn.Linear's initialisation for both networks (and the homework's for z_pre)."""
    _, _, ctor = MODELS[kind]
    state = {**c.encoder(draw, "random", ctor["z_dim"]), **c.decoder(draw, "random", ctor["z_dim"])}
    if kind == "gmvae":
        k, z_dim = ctor["k"], ctor["z_dim"]
        state["z_pre"] = draw.normal(1, 2 * k, z_dim) / math.sqrt(k * z_dim)
    return state


def run(draw, kind):
    """(function, extra) of one training run of ``kind``."""
    owner, _, ctor = MODELS[kind]
    x_train, _, _, _ = load_mnist_subset(SUBSET)
    data = torch.from_numpy(x_train)
    batches = torch.stack([torch.randperm(len(data), generator=draw.generator)[:BUDGET["batch"]]
                           for _ in range(BUDGET["steps"])])
    state = initial_state(draw, kind)
    return f"{owner}.negative_elbo_bound", {"ctor": ctor, "state": state, "data": data, "batches": batches,
                                            "lr": BUDGET["lr"], "report": sorted(state)}


@torch.no_grad()
def heldout_niwae(kind, trained, seed=0):
    """Mean NIWAE-100 (nats per digit) of the trained weights on the held-out digits, with the
    reference's bound and evaluation noise fixed by ``seed``."""
    _, cls, ctor = MODELS[kind]
    model = cls(**ctor)
    model.load_state_dict({name: value.tensor().float() for name, value in trained.items()}, strict=False)
    _, _, x_heldout, _ = load_mnist_subset(SUBSET)
    x = torch.from_numpy(x_heldout[:BUDGET["heldout"]])
    torch.manual_seed(seed)
    return float(torch.stack([model.negative_iwae_bound(chunk, BUDGET["iw"])[0] * len(chunk)
                              for chunk in x.split(10)]).sum() / len(x))  # the mixture: (10·iw, K, d)


def calibration():
    return read_bands(CALIBRATION)
