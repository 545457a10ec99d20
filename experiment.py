"""The course's reference experiment (``autograder experiment``, the manifest's
``experiment``): AEVB against wake-sleep on binarized MNIST.

Both train the same 2-D-latent model (the training checks' architecture) with the
reference step functions; after every epoch the held-out L_100 is measured. Writes
``l100.png`` (L_100 against epochs), ``reconstructions_<method>.png`` (10×10: rows of
originals, each followed by its reconstructions), ``latent_<method>.png`` (held-out
posterior means coloured by digit), ``manifold_<method>.png`` (decoder means on a grid of
Gaussian quantiles) and ``metrics.json``.
"""
import json
from pathlib import Path

import numpy as np
import torch
from tqdm import tqdm

from autograder.api import Draw, load_mnist_folder, load_mnist_subset
from checks import training
from checks.plugin import MLP
from reference.iwae import iwae_bound
from reference.wake_sleep import aevb_step, wake_sleep_step

METHODS = ("aevb", "wake_sleep")


def load(mnist_folder=None, heldout_fraction=0.1):
    """(x_train, x_heldout, y_heldout) as tensors: the committed subset, or MNIST in IDX format."""
    if mnist_folder is None:
        x, _, xh, yh = load_mnist_subset(training.SUBSET)
    else:
        images, labels = load_mnist_folder(mnist_folder)
        cut = int(len(images) * (1 - heldout_fraction))
        x, xh, yh = images[:cut], images[cut:], labels[cut:]
    return torch.from_numpy(x), torch.from_numpy(xh), torch.from_numpy(yh)


def networks(draw, data_mean):
    return [MLP(net.layers, net.options.get("head")) for net in training.vae_networks(draw, data_mean)]


@torch.no_grad()
def heldout_l100(x, encoder, decoder, k=100, chunk=250):
    return float(torch.cat([iwae_bound(x[i:i + chunk], encoder, decoder, k) for i in range(0, len(x), chunk)]).mean())


def train(x, xh, *, epochs, batch, lr, seed, progress=True):
    """{method: {"curve": [L_100 per epoch], "encoder", "decoder"}}."""
    runs = {}
    for method in METHODS:
        torch.manual_seed(seed)
        encoder, decoder = networks(Draw(seed, "experiment"), x.mean(0))
        if method == "aevb":
            opts = [torch.optim.Adam([*encoder.parameters(), *decoder.parameters()], lr=lr)]
        else:
            opts = [torch.optim.Adam(decoder.parameters(), lr=lr), torch.optim.Adam(encoder.parameters(), lr=lr)]
        curve = []
        for _ in tqdm(range(epochs), desc=method, unit="epoch", disable=not progress):
            for index in torch.randperm(len(x)).split(batch):
                if method == "aevb":
                    aevb_step(x[index], encoder, decoder, *opts)
                else:
                    wake_sleep_step(x[index], encoder, decoder, *opts, latent_dim=training.LATENT)
            curve.append(heldout_l100(xh, encoder, decoder))
        runs[method] = {"curve": curve, "encoder": encoder, "decoder": decoder}
    return runs


def figures(runs, xh, yh, out):
    import matplotlib
    matplotlib.use("Agg")
    from matplotlib import pyplot as plt
    from scipy.special import ndtri

    paths = [out / "l100.png"]
    figure, axes = plt.subplots(figsize=(5, 3.5))
    for method, run in runs.items():
        axes.plot(range(1, len(run["curve"]) + 1), run["curve"], marker="o", label=method.replace("_", "-"))
    axes.set(xlabel="epoch", ylabel="held-out L_100 (nats)", title="AEVB against wake-sleep")
    axes.legend()
    figure.tight_layout()
    figure.savefig(paths[0], dpi=120)
    plt.close(figure)

    with torch.no_grad():
        for method, run in runs.items():
            encoder, decoder = run["encoder"], run["decoder"]
            mu, _ = encoder(xh)
            originals = xh[:50].reshape(5, 10, 28, 28)
            recon = torch.sigmoid(decoder(mu[:50])).reshape(5, 10, 28, 28)
            grid = torch.stack([originals, recon], 1).reshape(10, 10, 28, 28)  # original row, then its reconstruction
            quantiles = torch.tensor(ndtri(np.linspace(0.05, 0.95, 20)), dtype=torch.float32)
            z = torch.stack(torch.meshgrid(quantiles, quantiles.flip(0), indexing="xy"), -1).reshape(-1, 2)
            manifold = torch.sigmoid(decoder(z)).reshape(20, 20, 28, 28)
            for name, tiles in (("reconstructions", grid), ("manifold", manifold)):
                rows, cols = tiles.shape[:2]
                image = tiles.permute(0, 2, 1, 3).reshape(rows * 28, cols * 28).numpy()
                paths.append(out / f"{name}_{method}.png")
                plt.imsave(paths[-1], image, cmap="gray")
            figure, axes = plt.subplots(figsize=(5, 4.5))
            points = axes.scatter(mu[:, 0], mu[:, 1], c=yh, cmap="tab10", s=4, vmin=-0.5, vmax=9.5)
            figure.colorbar(points, ticks=range(10), label="digit")
            axes.set(xlabel="z1", ylabel="z2", title=f"{method.replace('_', '-')}: held-out posterior means")
            figure.tight_layout()
            paths.append(out / f"latent_{method}.png")
            figure.savefig(paths[-1], dpi=120)
            plt.close(figure)
    return paths


def run(out="experiment", mnist_folder=None, epochs=10, batch=100, lr=1e-3, seed=0, progress=True):
    """Train both methods, write the figures and metrics; returns (metrics, paths)."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    x, xh, yh = load(mnist_folder)
    runs = train(x, xh, epochs=epochs, batch=batch, lr=lr, seed=seed, progress=progress)
    metrics = {"data": str(mnist_folder or "committed subset"), "train": len(x), "heldout": len(xh),
               "epochs": epochs, "batch": batch, "lr": lr,
               "heldout_l100": {method: run["curve"] for method, run in runs.items()}}
    (out / "metrics.json").write_text(json.dumps(metrics, indent=2))
    return metrics, figures(runs, xh, yh, out) + [out / "metrics.json"]
