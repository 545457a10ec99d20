"""hw3.ipynb's checks: values and float64 with hints for the classic mistakes, stability
where it matters, and gradients. Images are binary (0/1 floats): the float64 part holds
them fixed."""
import math

import torch

LOG_2PI = math.log(2 * math.pi)


def gaussian(x, mu, log_var, scale=1.0):
    """The diagonal Gaussian's log-density with its quadratic term scaled (1: right)."""
    return -0.5 * (LOG_2PI + log_var + scale * (x - mu) ** 2 * torch.exp(-log_var)).sum(-1)


def test_log_normal(grader, draw):
    x, mu, log_var = draw.normal(6, 3), draw.normal(6, 3), draw.normal(6, 3)
    grader.values_and_float64("hw3.log_normal", x, mu, log_var, mistakes={
        "(x − mu)² multiplied by the variance: divide by the variance exp(log_var)":
            gaussian(x, mu, log_var, torch.exp(2 * log_var)),
        "the log 2π term is missing": gaussian(x, mu, log_var) + 0.5 * 3 * LOG_2PI})
    with grader.part("gradients"):
        grader.check_gradients("hw3.log_normal", [x, mu.requires_grad_(), log_var.requires_grad_()],
                               ["mu", "log_var"], [draw.normal(6)])


def test_wake_loss(grader, draw):
    x, logits = draw.binary(5, 12), draw.normal(5, 12, scale=3.0)
    nll = torch.nn.functional.binary_cross_entropy_with_logits(logits, x, reduction="none")
    grader.values_and_float64("hw3.wake_loss", x, logits, mistakes={
        "averaged over the pixels too: sum over the pixels, average over the batch": nll.mean(),
        "summed over the batch: average over the batch": nll.sum(),
        "the logits read as probabilities": -(x * logits.clamp_min(1e-6).log()
                                              + (1 - x) * (1 - logits).clamp_min(1e-6).log()).sum(-1).mean()})
    with grader.part("stable at logits = ±100", needs="values"):
        grader.check("hw3.wake_loss", x, 100.0 * torch.sign(logits))
    with grader.part("gradients"):
        grader.check_gradients("hw3.wake_loss", [x, logits.requires_grad_()], ["logits"], [torch.tensor(1.0)])


def test_sleep_loss(grader, draw):
    z, mu, log_var = draw.normal(7, 2), draw.normal(7, 2), draw.normal(7, 2, scale=0.5)
    log_q = gaussian(z, mu, log_var)
    grader.values_and_float64("hw3.sleep_loss", z, mu, log_var, mistakes={
        "+mean log q: the loss is the negative log-density": log_q.mean(),
        "summed over the batch: average over the batch": -log_q.sum()})
    with grader.part("gradients"):
        grader.check_gradients("hw3.sleep_loss", [z, mu.requires_grad_(), log_var.requires_grad_()],
                               ["mu", "log_var"], [torch.tensor(1.0)])
