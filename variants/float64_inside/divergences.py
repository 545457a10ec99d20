"""divergences.py computing in float64 internally."""
import math

import torch


def kl_conjugate(t):
    return torch.exp(t.double() - 1).to(t.dtype)


def nwj_bound(t_p, t_q):
    return (t_p.double().mean() - torch.exp(t_q.double() - 1).mean()).to(t_p.dtype)


def dv_bound(t_p, t_q):
    q = t_q.double().flatten()
    return (t_p.double().mean() - (torch.logsumexp(q, 0) - math.log(q.numel()))).to(t_p.dtype)


def kl_discrete(p, q):
    p64, q64 = p.double(), q.double()
    terms = torch.where(p64 > 0, p64 * (torch.log(p64) - torch.log(q64)), torch.zeros_like(p64))
    return terms.sum(-1).to(p.dtype)


def js_discrete(p, q):
    m = (p.double() + q.double()) / 2
    return (kl_discrete(p.double(), m) / 2 + kl_discrete(q.double(), m) / 2).to(p.dtype)


def wasserstein_1d(x, y):
    return (x.double().flatten().sort()[0] - y.double().flatten().sort()[0]).abs().mean().to(x.dtype)
