# A student's utils.py with modules of their own in the homework's circle of imports: a
# debug helper and the bonus model's file, each importing utils back. The helper opens a
# font file at import that is not in the upload, so it raises wherever it is imported.
"""Densities, samplers and helpers shared by the models. Three functions are the students'
(``sample_gaussian``, ``log_normal``, ``log_normal_mixture``); the rest is scaffold.

Shapes: B is the batch, d the latent dimension, K the number of mixture components.
Every ``v`` is a variance.
"""
import math
import os

import torch
from torch.nn import functional as F

from codebase import ImUtil  # the student's debug helper: sample grids with labels
from codebase.models.fsvae import FSVAE  # the bonus model, imported like the others


def sample_gaussian(m, v):
    """z ~ N(m, diag v) by reparameterization, z = m + √v · ε with ε ~ N(0, I)
    (Kingma & Welling 2014, §2.4), so that gradients reach m and v.

    m, v: (B, ...), the same shape → z: (B, ...); ε on m's device and dtype.
    """
    # SOLUTION
    eps = torch.randn_like(m)
    return m + v.sqrt() * eps


def log_normal(x, m, v):
    """log N(x; m, diag v) = Σ_i −½ [log 2π + log v_i + (x_i − m_i)² / v_i], summed over the
    last dimension, in log space so that it stays finite far from m.

    x, m, v: (b1, ..., bk, d), broadcastable → (b1, ..., bk).
    """
    # SOLUTION
    elementwise = math.log(2 * math.pi) + torch.log(v) + (x - m) ** 2 / v
    return -0.5 * elementwise.sum(-1)


def log_normal_mixture(z, m, v):
    """log (1/K) Σ_k N(z; m_k, diag v_k): each component's density summed over d first, then a
    stable log-mean-exp over the K components (the GMVAE prior, Dilokthanakul et al. 2016).

    z: (B, d); m, v: (B, K, d), or (1, K, d) broadcast over the batch → (B,).
    """
    # SOLUTION
    per_component = log_normal(z.unsqueeze(1), m, v)  # (B, K)
    return log_mean_exp(per_component, dim=1)


# Scaffold below: given to students, identical in every edition.

def gaussian_parameters(h, dim=-1):
    """Split h into (m, v) along ``dim``: the first half is the mean, softplus of the second
    half (+ 1e-8) the variance."""
    m, h = torch.split(h, h.size(dim) // 2, dim=dim)
    v = F.softplus(h) + 1e-8
    return m, v


def log_bernoulli_with_logits(x, logits):
    """log p(x | logits) of independent Bernoulli pixels, summed over the last dim: (B, D) → (B,)."""
    return -F.binary_cross_entropy_with_logits(logits, x, reduction="none").sum(-1)


def kl_cat(q, log_q, log_p):
    """KL(q ‖ p) of categorical distributions, summed over the last dim."""
    return (q * (log_q - log_p)).sum(-1)


def kl_normal(qm, qv, pm, pv):
    """KL(N(qm, diag qv) ‖ N(pm, diag pv)) summed over the last dim; broadcasts."""
    elementwise = 0.5 * (torch.log(pv) - torch.log(qv) + qv / pv + (qm - pm).pow(2) / pv - 1)
    return elementwise.sum(-1)


def duplicate(x, rep):
    """x (B, ...) repeated ``rep`` times along dim 0, tiled: row r is x[r mod B] and belongs
    to replicate r // B. Reshape to (rep, B, ...) to group by replicate."""
    return x.expand(rep, *x.shape).reshape(-1, *x.shape[1:])


def log_sum_exp(x, dim=0):
    """log Σ exp(x) along ``dim``, shifted by the maximum for stability."""
    max_x = torch.max(x, dim)[0]
    return max_x + (x - max_x.unsqueeze(dim)).exp().sum(dim).log()


def log_mean_exp(x, dim):
    """log (1/n) Σ exp(x) along ``dim``, n = x.size(dim)."""
    return log_sum_exp(x, dim) - math.log(x.size(dim))


def save_model_by_name(model, global_step):
    folder = os.path.join("checkpoints", model.name)
    os.makedirs(folder, exist_ok=True)
    torch.save(model.state_dict(), os.path.join(folder, "model-{:05d}.pt".format(global_step)))


def load_model_by_name(model, global_step, device=None):
    path = os.path.join("checkpoints", model.name, "model-{:05d}.pt".format(global_step))
    model.load_state_dict(torch.load(path, map_location=device))


@torch.no_grad()
def evaluate_lower_bound(model, labeled_test_subset, run_iwae=True):
    """Print NELBO, KL and Rec (mean of 100 calls) and NIWAE-m for m in 1, 10, 100, 1000."""
    x = torch.bernoulli(labeled_test_subset[0])
    nelbo, kl, rec = (torch.stack(v).mean().item()
                      for v in zip(*(model.negative_elbo_bound(x) for _ in range(100))))
    print("NELBO: {:.4f}. KL: {:.4f}. Rec: {:.4f}".format(nelbo, kl, rec))
    if run_iwae:
        for iw in (1, 10, 100, 1000):
            niwae = torch.stack([model.negative_iwae_bound(x, iw)[0] for _ in range(max(100 // iw, 1))]).mean()
            print("Negative IWAE-{}: {:.4f}".format(iw, niwae.item()))


def get_mnist_data(device, use_test_subset=True):
    """(train_loader, (xl, one-hot yl), (X_test, y_test)) of MNIST, via torchvision."""
    from torchvision import datasets, transforms  # plotting and data loading only

    preprocess = transforms.ToTensor()
    train = datasets.MNIST("data", train=True, download=True, transform=preprocess)
    test = datasets.MNIST("data", train=False, download=True, transform=preprocess)
    train_loader = torch.utils.data.DataLoader(train, batch_size=100, shuffle=True)
    x_test = test.data.to(device).reshape(-1, 784).float() / 255
    y_test = test.targets.to(device)
    chosen = torch.cat([(train.targets == c).nonzero()[:10, 0] for c in range(10)])
    xl = (train.data[chosen].reshape(-1, 784).float() / 255).to(device)
    yl = F.one_hot(train.targets[chosen], 10).float().to(device)
    if use_test_subset:
        picked = torch.cat([(test.targets == c).nonzero()[:10, 0] for c in range(10)])
        x_test, y_test = x_test[picked], y_test[picked]
    return train_loader, (xl, yl), (x_test, y_test)
