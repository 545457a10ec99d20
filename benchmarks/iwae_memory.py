"""iwae_bound with large k on MNIST digits: wall time and peak memory of one call.

    python benchmarks/iwae_memory.py [--k 5000] [--batch 1000] [--mode chunked|loop|naive|oneshot]

Each mode runs in this process alone, so ru_maxrss is that mode's peak. ``chunked`` is the
reference; ``loop`` calls it once per example (vectorized over the k samples); ``naive``
is a Python loop over examples and samples, as a first attempt is written; ``oneshot``
disables the chunking. The digits are the committed binarized MNIST subset.
"""
import argparse
import math
import resource
import sys
import time
from pathlib import Path

import numpy as np
import torch
from torch import nn

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # the bundled course's packages

from autograder.data import mnist  # noqa: E402
from checks import training  # noqa: E402
from reference import iwae  # noqa: E402


def model(data_dim=784, latent_dim=20, hidden=200):
    torch.manual_seed(0)
    encoder_net = nn.Sequential(nn.Linear(data_dim, hidden), nn.Tanh(), nn.Linear(hidden, 2 * latent_dim))
    decoder = nn.Sequential(nn.Linear(latent_dim, hidden), nn.Tanh(), nn.Linear(hidden, data_dim))
    return (lambda x: encoder_net(x).chunk(2, -1)), decoder


def naive_bound(x, encoder, decoder, k):
    """L_k of one example, one sample at a time."""
    mu, logvar = (t[0] for t in encoder(x[None]))
    weights = []
    for _ in range(k):
        z = mu + torch.exp(0.5 * logvar) * torch.randn_like(mu)
        log_px = -torch.nn.functional.binary_cross_entropy_with_logits(decoder(z), x, reduction="sum")
        log_pz = -0.5 * (z ** 2 + math.log(2 * math.pi)).sum()
        log_qz = -0.5 * (((z - mu) ** 2) * torch.exp(-logvar) + logvar + math.log(2 * math.pi)).sum()
        weights.append(log_px + log_pz - log_qz)
    return torch.logsumexp(torch.stack(weights), 0) - math.log(k)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--k", type=int, default=5000)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--mode", choices=["chunked", "loop", "naive", "oneshot"], default="chunked")
    args = parser.parse_args()
    encoder, decoder = model()
    x_train, _, x_heldout, _ = mnist.load_subset(training.SUBSET)
    x = torch.from_numpy(np.concatenate([x_heldout, x_train])[:args.batch])
    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    started = time.perf_counter()
    with torch.no_grad():
        if args.mode == "loop":
            bound = torch.cat([iwae.iwae_bound(x[i:i + 1], encoder, decoder, args.k) for i in range(args.batch)])
        elif args.mode == "naive":
            bound = torch.stack([naive_bound(x[i], encoder, decoder, args.k) for i in range(args.batch)])
        else:
            if args.mode == "oneshot":
                iwae.CHUNK_ELEMENTS = 1 << 62
            bound = iwae.iwae_bound(x, encoder, decoder, args.k)
    elapsed = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"mode={args.mode} k={args.k} batch={args.batch} wall_s={elapsed:.2f} peak_mb={peak:.0f} "
          f"before_call_mb={baseline:.0f} mean_L_k={bound.mean().item():.4f}")


if __name__ == "__main__":
    main()
