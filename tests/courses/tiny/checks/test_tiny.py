"""The tiny course's checks: values, float64, stability and gradients; an exact test of
drawn noise across calls; the answer."""
import torch
from gradescope_utils.autograder_utils.decorators import partial_credit

from autograder.grader import stats
from autograder.grader.checking import (check, check_gradients, expect_fresh_draws, expect_statistics,
                                        samples_of, values_and_float64)
from autograder.grader.parts import Parts

N = 20000


@partial_credit(1.0)
def test_log_sigmoid(remote, spec, draw, set_score=None):
    parts = Parts(set_score)
    x = draw.normal(6, 5, scale=4.0)
    values_and_float64(parts, remote, spec, "logistic.log_sigmoid", x,
                       mistakes={"log(1 + exp(−x)) without the minus sign": -torch.nn.functional.softplus(x)})
    with parts("stable at x = ±200", needs="values"):
        check(remote, spec, "logistic.log_sigmoid", 200.0 * torch.sign(x))
    with parts("gradients"):
        check_gradients(remote, spec, "logistic.log_sigmoid", [x.requires_grad_()], ["x"], [draw.normal(6, 5)])
    parts.finish()


@partial_credit(1.0)
def test_sample_exponential(remote, spec, draw, set_score=None):
    parts = Parts(set_score)
    rate, u = draw.uniform(8, low=0.5, high=3.0), draw.uniform(8)
    values_and_float64(parts, remote, spec, "dist.sampling.sample_exponential", rate, u=u,
                       mistakes={"−log(u) · rate: divide by the rate": -u.log() * rate})
    with parts("gradients reach the rate"):
        check_gradients(remote, spec, "dist.sampling.sample_exponential", [rate.requires_grad_()], ["rate"],
                        [draw.normal(8)], u=u)
    with parts("without u: Exp(rate), fresh in every call (exact test, false-fail rate 1e-6)", needs="values"):
        # 2·rate·x ~ χ²(2) for each draw, so Σ over N draws of 2·rate·x ~ χ²(2N)
        rate0 = draw.uniform(1, low=0.5, high=2.0)
        first, second = (samples_of(remote.run_student("dist.sampling.sample_exponential", rate0.expand(N),
                                                       seed=draw.seed()).value, "sample_exponential", (N,))
                         for _ in range(2))
        statistic = float(2 * rate0 * torch.from_numpy(first).double().sum())
        expect_statistics(stats.chi2_pvalue(statistic, 2 * N), "sample_exponential", "Exp(rate)", tests=2)
        # independent continuous draws are equal with probability 0: no false fails
        expect_fresh_draws(0.0 if (first == second).all() else 1.0, "sample_exponential")
    parts.finish()


@partial_credit(1.0)
def test_answers(answer_verdicts, set_score=None):
    parts = Parts(set_score)
    for key, (correct, message) in answer_verdicts.items():
        with parts(key):
            assert correct, f"{key}: {message or 'incorrect'}"
    parts.finish()
