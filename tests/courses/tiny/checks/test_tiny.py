"""The tiny course's checks: values, float64, stability and gradients; an exact test of
drawn noise across calls; a coupling on a 0/1 mask; the answer."""
import torch

from autograder.api import chi2_pvalue, expect_fresh_draws, expect_statistics, samples_of


N = 20000


def test_log_sigmoid(grader, draw):
    x = draw.normal(6, 5, scale=4.0)
    grader.values_and_float64("logistic.log_sigmoid", x,
                              mistakes={"log(1 + exp(−x)) without the minus sign": -torch.nn.functional.softplus(x)})
    with grader.part("stable at x = ±200", needs="values"):
        grader.check("logistic.log_sigmoid", 200.0 * torch.sign(x))
    with grader.part("gradients"):
        grader.check_gradients("logistic.log_sigmoid", [x.requires_grad_()], ["x"], [draw.normal(6, 5)])


def test_sample_exponential(grader, draw):
    rate, u = draw.uniform(8, low=0.5, high=3.0), draw.uniform(8)
    grader.values_and_float64("dist.sampling.sample_exponential", rate, u=u,
                              mistakes={"−log(u) · rate: divide by the rate": -u.log() * rate})
    with grader.part("gradients reach the rate"):
        grader.check_gradients("dist.sampling.sample_exponential", [rate.requires_grad_()], ["rate"],
                               [draw.normal(8)], u=u)
    with grader.part("without u: Exp(rate), fresh in every call (exact test, false-fail rate 1e-6)", needs="values"):
        # 2·rate·x ~ χ²(2) for each draw, so Σ over N draws of 2·rate·x ~ χ²(2N)
        rate0 = draw.uniform(1, low=0.5, high=2.0)
        first, second = (samples_of(grader.run_student("dist.sampling.sample_exponential", rate0.expand(N),
                                                       seed=draw.seed()).value, "sample_exponential", (N,))
                         for _ in range(2))
        statistic = float(2 * rate0 * torch.from_numpy(first).double().sum())
        expect_statistics(chi2_pvalue(statistic, 2 * N), "sample_exponential", "Exp(rate)", tests=2)
        # independent continuous draws are equal with probability 0: no false fails
        expect_fresh_draws(0.0 if (first == second).all() else 1.0, "sample_exponential")


def test_affine_coupling(grader, draw):
    x, log_scale, shift = draw.normal(6, 5), draw.normal(6, 5, scale=0.5), draw.normal(6, 5)
    mask = (draw.uniform(6, 5) < 0.5).float()  # discrete: the float64 part holds it fixed
    grader.values_and_float64("coupling.affine_coupling", x, mask, log_scale, shift, mistakes={0: {
        "the mask's roles swapped": (1 - mask) * x + mask * (x * log_scale.exp() + shift)}})
    with grader.part("gradients"):
        grader.check_gradients("coupling.affine_coupling", [x.requires_grad_(), mask, log_scale.requires_grad_(),
                                                            shift.requires_grad_()],
                               ["x", "log_scale", "shift"], [draw.normal(6, 5), draw.normal(6)])


def test_answers(grader, answer_verdicts):
    for key, (correct, message) in answer_verdicts.items():
        with grader.part(key):
            assert correct, f"{key}: {message or 'incorrect'}"
