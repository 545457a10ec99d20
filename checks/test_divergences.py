"""divergences.py: NWJ and DV bounds, discrete KL and JSD, and W1."""

import torch
from gradescope_utils.autograder_utils.decorators import partial_credit

from autograder.grader.checking import check, check_gradients, values_and_float64
from autograder.grader.parts import Parts


@partial_credit(1.0)
def test_kl_conjugate(remote, spec, draw, set_score=None):
    parts = Parts(set_score)
    t = draw.normal(10, scale=2.0)
    values_and_float64(parts, remote, spec, "divergences.kl_conjugate", t,
                       mistakes={"exp(t) instead of exp(t − 1)": t.exp()})
    parts.finish()


@partial_credit(1.0)
def test_nwj_bound(remote, spec, draw, set_score=None):
    parts = Parts(set_score)
    t_p, t_q = draw.normal(30) + 0.5, draw.normal(40)
    values_and_float64(parts, remote, spec, "divergences.nwj_bound", t_p, t_q,
                       mistakes={"exp(T) instead of exp(T − 1) on the q-samples": t_p.mean() - t_q.exp().mean()})
    with parts("gradients"):
        check_gradients(remote, spec, "divergences.nwj_bound", [t_p.requires_grad_(), t_q.requires_grad_()],
                        ["t_p", "t_q"], [torch.tensor(1.0)])
    parts.finish()


@partial_credit(1.0)
def test_dv_bound(remote, spec, draw, set_score=None):
    parts = Parts(set_score)
    t_p, t_q = draw.normal(30) + 0.5, draw.normal(40)
    values_and_float64(parts, remote, spec, "divergences.dv_bound", t_p, t_q, mistakes={
        "the log is missing: R2 = mean(t_p) − log mean(exp(t_q))": t_p.mean() - t_q.exp().mean()})
    with parts("stable for T up to 1e4 (log-sum-exp)", needs="values"):
        check(remote, spec, "divergences.dv_bound", t_p, t_q * 2000.0)
    parts.finish()


@partial_credit(1.0)
def test_kl_discrete(remote, spec, draw, set_score=None):
    parts = Parts(set_score)
    p, q = draw.simplex(5, 6), draw.simplex(5, 6)
    values_and_float64(parts, remote, spec, "divergences.kl_discrete", p, q)
    with parts("0·log 0 = 0 and +inf where p > 0 = q", needs="values"):
        sparse_p = torch.tensor([[0.0, 0.5, 0.5], [0.2, 0.8, 0.0], [0.5, 0.5, 0.0]])
        sparse_q = torch.tensor([[0.3, 0.3, 0.4], [0.0, 0.5, 0.5], [0.5, 0.5, 0.0]])
        check(remote, spec, "divergences.kl_discrete", sparse_p, sparse_q)
    parts.finish()


@partial_credit(1.0)
def test_js_discrete(remote, spec, draw, set_score=None):
    parts = Parts(set_score)
    p, q = draw.simplex(5, 6), draw.simplex(5, 6)
    values_and_float64(parts, remote, spec, "divergences.js_discrete", p, q)
    with parts("log 2 for disjoint supports, 0 for equal ones", needs="values"):
        check(remote, spec, "divergences.js_discrete", torch.tensor([[0.5, 0.5, 0.0, 0.0], [0.1, 0.2, 0.3, 0.4]]),
              torch.tensor([[0.0, 0.0, 0.3, 0.7], [0.1, 0.2, 0.3, 0.4]]))
    parts.finish()


@partial_credit(1.0)
def test_wasserstein_1d(remote, spec, draw, set_score=None):
    parts = Parts(set_score)
    x, y = draw.normal(50), draw.normal(50, scale=2.0) + 1.0
    values_and_float64(parts, remote, spec, "divergences.wasserstein_1d", x, y,
                       mistakes={"samples paired without sorting (the optimal coupling pairs sorted samples)":
                                 (x - y).abs().mean()})
    parts.finish()
