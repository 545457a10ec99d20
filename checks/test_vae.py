"""vae.py: reparameterization, Gaussian densities, KL, Bernoulli likelihood, ELBO."""
import math

import numpy as np
import torch

from autograder.api import (Mismatch, Net, expect_fresh_draws, expect_gaussian, expect_gaussian_draws,
                            fresh_draws_pvalue, samples_of)
from checks.helpers import standardized_noise, vae_nets, well_conditioned

LOG_2PI = math.log(2 * math.pi)
N_SAMPLES = 20000


def test_sample_gaussian(grader, draw):
    mu, logvar, eps = draw.normal(6, 4), draw.normal(6, 4), draw.normal(6, 4)
    with grader.part("values with given eps", 2):
        grader.check("vae.sample_gaussian", mu, logvar, eps=eps, mistakes={
            "exp(logvar) used as the standard deviation; the standard deviation is exp(logvar / 2)":
                mu + logvar.exp() * eps,
            "logvar used as the standard deviation": mu + logvar * eps})
    with grader.part("float64"):
        grader.check_float64("vae.sample_gaussian", mu.double(), logvar.double(), eps=eps.double())
    with grader.part("gradients reach mu and logvar"):
        grader.check_gradients("vae.sample_gaussian", [mu.requires_grad_(), logvar.requires_grad_(), ],
                               ["mu", "logvar"], [draw.normal(6, 4)], eps=eps)
    with grader.part("distribution when eps is omitted, fresh in every call (exact tests, false-fail rate 1e-6)",
               needs="values with given eps"):
        mu0, logvar0 = draw.normal(3), draw.normal(3, scale=0.5)
        first, second = (samples_of(grader.run_student("vae.sample_gaussian", mu0.expand(N_SAMPLES, 3),
                                                       logvar0.expand(N_SAMPLES, 3), seed=draw.seed()).value,
                                    "sample_gaussian", (N_SAMPLES, 3)) for _ in range(2))
        cov = np.diag(logvar0.exp().numpy())
        try:  # expect_gaussian_draws, with what the noise shows where the law fails
            expect_gaussian(first, mu0.numpy(), cov, "sample_gaussian", "N(mu, diag(exp(logvar)))", tests=2)
        except Mismatch as error:
            raise standardized_noise(error, first, mu0.numpy(), logvar0.mul(0.5).exp().numpy(),
                                     "(z − mu) / exp(logvar / 2) over the draws") from None
        expect_fresh_draws(fresh_draws_pvalue(first, second, cov), "sample_gaussian")


def test_sample_gaussian_full(grader, draw):
    k = 3
    mu, eps = draw.normal(5, k), draw.normal(5, k)
    scale = well_conditioned(draw, 5, k=k)
    with grader.part("values with given eps", 2):
        grader.check("vae.sample_gaussian_full", mu, scale, eps=eps, mistakes={
            "scale transposed (use scale @ eps, not eps @ scale)": mu + (scale.mT @ eps.unsqueeze(-1)).squeeze(-1),
            "the covariance scale·scaleᵀ used where its square root belongs":
                mu + (scale @ scale.mT @ eps.unsqueeze(-1)).squeeze(-1)})
    with grader.part("float64"):
        grader.check_float64("vae.sample_gaussian_full", mu.double(), scale.double(), eps=eps.double())
    with grader.part("gradients reach mu and scale"):
        grader.check_gradients("vae.sample_gaussian_full", [mu.requires_grad_(), scale.requires_grad_()],
                               ["mu", "scale"], [draw.normal(5, k)], eps=eps)
    with grader.part("distribution when eps is omitted, fresh in every call (exact tests, false-fail rate 1e-6)",
               needs="values with given eps"):
        mu0 = draw.normal(k)
        scale0 = well_conditioned(draw, k=k)
        first, second = (samples_of(grader.run_student("vae.sample_gaussian_full", mu0.expand(N_SAMPLES, k),
                                                       scale0.expand(N_SAMPLES, k, k), seed=draw.seed()).value,
                                    "sample_gaussian_full", (N_SAMPLES, k)) for _ in range(2))
        expect_gaussian_draws(first, second, mu0.numpy(), (scale0.double() @ scale0.double().T).numpy(),
                              "sample_gaussian_full", "N(mu, scale scaleᵀ)")


def test_log_normal_diag(grader, draw):
    x, mu, logvar = draw.normal(7, 4), draw.normal(7, 4), draw.normal(7, 4)
    grader.values_and_float64("vae.log_normal_diag", x, mu, logvar,
                              offsets={"the constant ½·K·log(2π) (was the 2π term dropped?)": 0.5 * 4 * LOG_2PI},
                              mistakes={"exp(logvar / 2) used where the variance exp(logvar) belongs":
                                 -0.5 * (LOG_2PI + logvar + (x - mu) ** 2 / logvar.mul(0.5).exp()).sum(-1)})
    with grader.part("stable at logvar = ±30", needs="values"):
        grader.check("vae.log_normal_diag", x, mu, torch.full((7, 4), 30.0) * torch.sign(logvar))
    with grader.part("gradients"):
        grader.check_gradients("vae.log_normal_diag",
                               [x, mu.requires_grad_(), logvar.requires_grad_()], ["mu", "logvar"], [draw.normal(7)])


def test_log_normal_full(grader, draw):
    k = 3
    x, mu = draw.normal(6, k), draw.normal(6, k)
    scale = well_conditioned(draw, 6, k=k)
    cov = scale @ scale.mT
    diff = (x - mu).unsqueeze(-1)
    quad = (diff.mT @ torch.linalg.solve(cov, diff)).squeeze(-1).squeeze(-1)
    logdet = torch.linalg.slogdet(scale).logabsdet
    with grader.part("values", 2):
        grader.check("vae.log_normal_full", x, mu, scale, mistakes={
            "the log-determinant term −log|det scale| is missing": -0.5 * (k * LOG_2PI + quad),
            "scale used as the covariance (it is its square root)":
                -0.5 * (k * LOG_2PI + (diff.mT @ torch.linalg.solve(scale, diff)).squeeze(-1).squeeze(-1))
                - 0.5 * logdet})
    with grader.part("float64"):
        grader.check_float64("vae.log_normal_full", x.double(), mu.double(), scale.double())
    with grader.part("one scale shared by a batch ([K, K] with x [B, K])"):
        grader.check("vae.log_normal_full", x, mu, scale[0])
    with grader.part("gradients reach mu and scale"):
        grader.check_gradients("vae.log_normal_full", [x, mu.requires_grad_(), scale.requires_grad_()],
                               ["mu", "scale"], [draw.normal(6)])


def test_kl_standard_normal(grader, draw):
    mu, logvar = draw.normal(8, 5), draw.normal(8, 5)
    grader.values_and_float64("vae.kl_standard_normal", mu, logvar)
    with grader.part("the worked example KL(N([1, −0.5], diag[0.5, 2]) ‖ N(0, I)) = 0.875"):
        grader.check("vae.kl_standard_normal", torch.tensor([1.0, -0.5]), torch.tensor([0.5, 2.0]).log())
    with grader.part("stable at logvar = ±30", needs="values"):
        grader.check("vae.kl_standard_normal", mu, 30.0 * torch.sign(logvar))
    with grader.part("gradients"):
        grader.check_gradients("vae.kl_standard_normal", [mu.requires_grad_(), logvar.requires_grad_()],
                               ["mu", "logvar"], [draw.normal(8)])


def test_kl_diag_gaussians(grader, draw):
    args = [draw.normal(8, 5) for _ in range(4)]
    grader.values_and_float64("vae.kl_diag_gaussians", *args)
    with grader.part("KL(q ‖ q) = 0", needs="values"):
        grader.check("vae.kl_diag_gaussians", args[0], args[1], args[0], args[1])
    with grader.part("stable at logvar = ±30", needs="values"):
        grader.check("vae.kl_diag_gaussians", args[0], 30 * torch.sign(args[1]), args[2],
                     30 * torch.sign(args[3]) * 0.9)
    with grader.part("gradients"):
        grader.check_gradients("vae.kl_diag_gaussians", [a.requires_grad_() for a in args],
                               ["q_mu", "q_logvar", "p_mu", "p_logvar"], [draw.normal(8)])


def test_bernoulli_log_likelihood(grader, draw):
    x, logits = draw.binary(6, 10), draw.normal(6, 10, scale=3.0)
    with grader.part("values on binary x", 2):
        total = grader.run_reference("vae.bernoulli_log_likelihood", x, logits).value.tensor()
        grader.check("vae.bernoulli_log_likelihood", x, logits, mistakes={
            "the mean over the pixels instead of their sum": total / x[0].numel()})
    with grader.part("x in [0, 1] (soft targets)"):
        grader.check("vae.bernoulli_log_likelihood", draw.uniform(6, 10), logits)
    with grader.part("images [B, C, H, W]: sum over every non-batch dimension"):
        grader.check("vae.bernoulli_log_likelihood", draw.binary(4, 1, 3, 5), draw.normal(4, 1, 3, 5))
    with grader.part("stable at logits ±100", needs="values on binary x"):
        saturated = 100.0 * torch.sign(logits)
        probs = torch.sigmoid(saturated)
        grader.check("vae.bernoulli_log_likelihood", x, saturated, mistakes={
            "log(sigmoid(logits)) and log(1 − sigmoid(logits)) overflow at logits of ±100 (sigmoid(100) rounds to 1, "
            "and log(1 − 1) is −inf): use F.logsigmoid or F.binary_cross_entropy_with_logits":
                (x * torch.log(probs) + (1 - x) * torch.log(1 - probs)).sum(-1)})
    with grader.part("float64"):
        grader.check_float64("vae.bernoulli_log_likelihood", x.double(), logits.double())


def test_elbo(grader, draw):
    encoder, decoder = vae_nets(draw)
    x = draw.binary(5, 6)
    with grader.part("(elbo, rec, kl) with given eps", 2):
        grader.check("vae.elbo", x, encoder, decoder, eps=draw.normal(1, 5, 2))
    with grader.part("n_samples = 4: rec is the mean over samples"):
        eps = draw.normal(4, 5, 2)
        _, rec, kl = (v.tensor() for v in grader.run_reference("vae.elbo", x, encoder, decoder, n_samples=4,
                                                                eps=eps).value)
        summed = "rec summed over the 4 samples instead of averaged"
        grader.check("vae.elbo", x, encoder, decoder, n_samples=4, eps=eps,
                     mistakes={0: {summed: 4 * rec - kl}, 1: {summed: 4 * rec}})
    with grader.part("float64"):
        grader.check_float64("vae.elbo", x.double(), encoder, decoder, eps=draw.normal(1, 5, 2).double())
    with grader.part("image-shaped data"):
        image_encoder, image_decoder = vae_nets(draw, data_dim=9, image_shape=[1, 3, 3])
        grader.check("vae.elbo", draw.binary(3, 1, 3, 3), image_encoder, image_decoder,
                     eps=draw.normal(2, 3, 2), n_samples=2)
    with grader.part("gradients reach the encoder and decoder parameters"):
        grader.check_gradients("vae.elbo", [x, encoder, decoder], [], [draw.normal(5), draw.normal(5),
                               draw.normal(5)], params=True, eps=draw.normal(1, 5, 2))
    with grader.part("without eps (a decoder that ignores z makes the value exact)", needs="(elbo, rec, kl) with given eps"):
        flat = Net("decoder", [(torch.zeros(8, 2), draw.normal(8)), (draw.normal(6, 8), draw.normal(6))], "mlp")
        grader.check("vae.elbo", x, encoder, flat, n_samples=3, seed=draw.seed())
