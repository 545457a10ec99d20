"""divergences.py: NWJ and DV bounds, discrete KL and JSD, and W1."""
import math

import torch



def test_kl_conjugate(grader, draw):
    t = draw.normal(10, scale=2.0)
    grader.values_and_float64("divergences.kl_conjugate", t,
                              mistakes={"exp(t) instead of exp(t − 1)": t.exp()})


def test_nwj_bound(grader, draw):
    t_p, t_q = draw.normal(30) + 0.5, draw.normal(40)
    grader.values_and_float64("divergences.nwj_bound", t_p, t_q,
                              mistakes={"exp(T) instead of exp(T − 1) on the q-samples": t_p.mean() - t_q.exp().mean()})
    with grader.part("gradients"):
        grader.check_gradients("divergences.nwj_bound", [t_p.requires_grad_(), t_q.requires_grad_()],
                               ["t_p", "t_q"], [torch.tensor(1.0)])


def test_dv_bound(grader, draw):
    t_p, t_q = draw.normal(30) + 0.5, draw.normal(40)
    grader.values_and_float64("divergences.dv_bound", t_p, t_q, mistakes={
        "the log is missing: R2 = mean(t_p) − log mean(exp(t_q))": t_p.mean() - t_q.exp().mean()})
    with grader.part("stable for T up to 1e4 (log-sum-exp)", needs="values"):
        grader.check("divergences.dv_bound", t_p, t_q * 2000.0)


def test_kl_discrete(grader, draw):
    p, q = draw.simplex(5, 6), draw.simplex(5, 6)
    grader.values_and_float64("divergences.kl_discrete", p, q)
    with grader.part("0·log 0 = 0 and +inf where p > 0 = q", needs="values"):
        sparse_p = torch.tensor([[0.0, 0.5, 0.5], [0.2, 0.8, 0.0], [0.5, 0.5, 0.0]])
        sparse_q = torch.tensor([[0.3, 0.3, 0.4], [0.0, 0.5, 0.5], [0.5, 0.5, 0.0]])
        grader.check("divergences.kl_discrete", sparse_p, sparse_q, mistakes={
            "NaN in every row with a p = 0, as p·log(p/q) gives there (0·(−inf)): 0·log 0 counts as 0 "
            "(torch.xlogy)": (sparse_p * torch.log(sparse_p / sparse_q)).sum(-1)})


def test_js_discrete(grader, draw):
    p, q = draw.simplex(5, 6), draw.simplex(5, 6)
    nats = grader.run_reference("divergences.js_discrete", p, q).value.tensor()
    grader.values_and_float64("divergences.js_discrete", p, q, mistakes={
        "the JSD in bits (divided by log 2): it is in nats, with natural logarithms": nats * math.log2(math.e)})
    with grader.part("log 2 for disjoint supports, 0 for equal ones", needs="values"):
        grader.check("divergences.js_discrete", torch.tensor([[0.5, 0.5, 0.0, 0.0], [0.1, 0.2, 0.3, 0.4]]),
                     torch.tensor([[0.0, 0.0, 0.3, 0.7], [0.1, 0.2, 0.3, 0.4]]))


def test_wasserstein_1d(grader, draw):
    x, y = draw.normal(50), draw.normal(50, scale=2.0) + 1.0
    grader.values_and_float64("divergences.wasserstein_1d", x, y,
                              mistakes={"samples paired without sorting (the optimal coupling pairs sorted samples)":
                                 (x - y).abs().mean()})
