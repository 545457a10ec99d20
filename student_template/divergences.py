"""Variational f-divergence bounds (Nguyen, Wainwright & Jordan 2010; Donsker & Varadhan
1983), discrete KL and Jensen–Shannon divergences, and the 1-D Wasserstein distance."""
import math

import torch


def kl_conjugate(t):
    """f*(t) = exp(t − 1), the convex conjugate of f(u) = u log u."""
    raise NotImplementedError("kl_conjugate: not implemented yet")


def nwj_bound(t_p, t_q):
    """R1 = E_P[T] − E_Q[exp(T − 1)] ≤ KL(P ‖ Q) (NWJ), as sample means.

    Args:
        t_p: T evaluated on samples of P, any shape.
        t_q: T evaluated on samples of Q, any shape.

    Returns:
        scalar.
    """
    raise NotImplementedError("nwj_bound: not implemented yet")


def dv_bound(t_p, t_q):
    """R2 = E_P[T] − log E_Q[exp T] ≤ KL(P ‖ Q) (Donsker–Varadhan), as sample means.

    The log-mean-exp is computed with log-sum-exp, so large T does not overflow.

    Returns:
        scalar.
    """
    raise NotImplementedError("dv_bound: not implemented yet")


def kl_discrete(p, q):
    """KL(p ‖ q) = Σ p log(p / q) over the last dimension, with 0·log 0 = 0.

    Returns:
        [...]; +inf where some p > 0 = q.
    """
    raise NotImplementedError("kl_discrete: not implemented yet")


def js_discrete(p, q):
    """JSD(p, q) = ½ KL(p ‖ m) + ½ KL(q ‖ m), m = (p + q) / 2, in nats.

    Returns:
        [...]; log 2 for disjoint supports.
    """
    raise NotImplementedError("js_discrete: not implemented yet")


def wasserstein_1d(x, y):
    """W1 between the empirical distributions of two equal-size 1-D samples.

    The optimal coupling of two sorted samples pairs them in order, so
    W1 = mean |sort(x) − sort(y)|.

    Returns:
        scalar.
    """
    raise NotImplementedError("wasserstein_1d: not implemented yet")
