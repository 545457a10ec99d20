"""iwae.py: log-mean-exp, importance weights and the bound L_k."""
import math

import torch

from autograder.api import Net, expect_gaussian_draws, samples_of
from checks.helpers import local, vae_nets

LOG_2PI = math.log(2 * math.pi)


def constant_decoder(draw, latent_dim=2, data_dim=6, hidden=8):
    """A decoder that ignores z (zero first layer), so log p(x|z) is a constant c(x)."""
    return Net("decoder", [(torch.zeros(hidden, latent_dim), draw.normal(hidden)),
                           (draw.normal(data_dim, hidden), draw.normal(data_dim))], "mlp")


def shifted_encoder(m, data_dim=6, hidden=8):
    """q(z|x) = N(m, I) for every x: zero weights, bias (m, 0)."""
    return Net("encoder", [(torch.zeros(hidden, data_dim), torch.zeros(hidden)),
                           (torch.zeros(2 * len(m), hidden), torch.cat([m, torch.zeros(len(m))]))], "mlp",
               head="gaussian")


def standardized_log_weights(grader, function, x, decoder, m, k, seed):
    """With q = N(m, I) and a constant decoder, log w = c(x) − ½|m|² − m·eps ~ N(mean(x), |m|²),
    where mean(x) is the reference's value at eps = 0. Returns (log w − mean) / |m|."""
    encoder = shifted_encoder(m)
    centre = grader.run_reference(function, x, encoder, decoder, k, eps=torch.zeros(k, x.shape[0], len(m))).value
    reply = grader.run_student(function, x, encoder, decoder, k, seed=seed)
    got = samples_of(reply.value, function.split(".")[1], centre.shape)
    return ((torch.from_numpy(got).double() - centre.tensor().double()) / m.norm()).reshape(-1, 1).numpy()


def test_log_mean_exp(grader, draw):
    x = draw.normal(6, 9, scale=3.0)
    with grader.part("values along dim 1", 2):
        grader.check("iwae.log_mean_exp", x, 1,
                     offsets={"log n (it is a mean: subtract log n after log-sum-exp)": math.log(9)},
                     mistakes={"the mean of x instead of log-mean-exp": x.mean(1)})
    with grader.part("values along dim 0"):
        grader.check("iwae.log_mean_exp", x, 0)
    with grader.part("stable for |x| up to 1e4", needs="values along dim 1"):
        grader.check("iwae.log_mean_exp", x * 3000.0, 1)
    with grader.part("float64"):
        grader.check_float64("iwae.log_mean_exp", x.double() * 3000.0, 1)


def test_log_importance_weights(grader, draw):
    encoder, decoder = vae_nets(draw)
    x = draw.binary(4, 6)
    with grader.part("values with given eps", 2):
        eps = draw.normal(5, 4, 2)
        weights = grader.run_reference("iwae.log_importance_weights", x, encoder, decoder, 5, eps=eps).value.tensor()
        with torch.no_grad():
            mu, logvar = local(encoder)(x)
            z = mu + (0.5 * logvar).exp() * eps
        log_prior = -0.5 * (z ** 2 + LOG_2PI).sum(-1)
        grader.check("iwae.log_importance_weights", x, encoder, decoder, 5, eps=eps, mistakes={
            "the prior term log p(z) is missing: log w = log p(x|z) + log p(z) − log q(z|x)": weights - log_prior})
    with grader.part("float64"):
        grader.check_float64("iwae.log_importance_weights", x.double(), encoder, decoder, 3,
                             eps=draw.normal(3, 4, 2).double())
    with grader.part("without eps: exact distribution on a model with Gaussian log-weights, fresh in every call "
               "(false-fail rate 1e-6)",
               needs="values with given eps"):
        m, x0, decoder0 = draw.normal(2) + 0.5, draw.binary(50, 6), constant_decoder(draw)
        first, second = (standardized_log_weights(grader, "iwae.log_importance_weights", x0, decoder0, m, 40,
                                                  draw.seed()) for _ in range(2))
        expect_gaussian_draws(first, second, [0.0], [[1.0]], "log_importance_weights",
                              "the distribution implied by z = mu + sigma * eps, eps ~ N(0, I)")


def test_iwae_bound(grader, draw):
    encoder, decoder = vae_nets(draw)
    x, k = draw.binary(4, 6), 7
    eps = draw.normal(k, 4, 2)
    log_weights = grader.run_reference("iwae.log_importance_weights", x, encoder, decoder, k, eps=eps).value
    with grader.part("values with given eps, k = 7", 2):
        grader.check("iwae.iwae_bound", x, encoder, decoder, k, eps=eps,
                     offsets={"log k (L_k averages the weights: subtract log k)": math.log(k)},
                     mistakes={"the mean of the log-weights instead of their log-mean-exp": log_weights.tensor().mean(0)})
    with grader.part("k = 1 is the single-sample estimate"):
        grader.check("iwae.iwae_bound", x, encoder, decoder, 1, eps=eps[:1])
    with grader.part("float64"):
        grader.check_float64("iwae.iwae_bound", x.double(), encoder, decoder, k, eps=eps.double())
    with grader.part("without eps: exact distribution of L_1 on a model with Gaussian log-weights, fresh in every "
               "call (false-fail rate 1e-6)",
               needs="values with given eps, k = 7"):
        m, x0, decoder0 = draw.normal(2) + 0.5, draw.binary(2000, 6), constant_decoder(draw)
        first, second = (standardized_log_weights(grader, "iwae.iwae_bound", x0, decoder0, m, 1, draw.seed())
                         for _ in range(2))
        expect_gaussian_draws(first, second, [0.0], [[1.0]], "iwae_bound",
                              "the distribution implied by z = mu + sigma * eps, eps ~ N(0, I)")
