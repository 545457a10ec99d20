"""iwae_bound with large k on MNIST-sized inputs: wall time and peak memory of one call.

    python benchmarks/iwae_memory.py [--k 5000] [--batch 1000] [--mode chunked|loop|oneshot]

Each mode runs in this process alone, so ru_maxrss is that mode's peak. ``chunked`` is the
reference; ``loop`` calls it once per example; ``oneshot`` disables the chunking.
"""
import argparse
import resource
import time

import torch
from torch import nn

from reference import iwae


def model(data_dim=784, latent_dim=20, hidden=200):
    torch.manual_seed(0)
    encoder_net = nn.Sequential(nn.Linear(data_dim, hidden), nn.Tanh(), nn.Linear(hidden, 2 * latent_dim))
    decoder = nn.Sequential(nn.Linear(latent_dim, hidden), nn.Tanh(), nn.Linear(hidden, data_dim))
    return (lambda x: encoder_net(x).chunk(2, -1)), decoder


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--k", type=int, default=5000)
    parser.add_argument("--batch", type=int, default=1000)
    parser.add_argument("--mode", choices=["chunked", "loop", "oneshot"], default="chunked")
    args = parser.parse_args()
    encoder, decoder = model()
    x = (torch.rand(args.batch, 784) < 0.3).float()
    baseline = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    started = time.perf_counter()
    with torch.no_grad():
        if args.mode == "loop":
            bound = torch.cat([iwae.iwae_bound(x[i:i + 1], encoder, decoder, args.k) for i in range(args.batch)])
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
