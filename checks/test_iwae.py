"""iwae.py: log-mean-exp, importance weights and the bound L_k."""
import math

import torch
from gradescope_utils.autograder_utils.decorators import partial_credit

from autograder.grader.checking import check, check_float64, expect_gaussian_draws, samples_of
from autograder.grader.parts import Parts
from autograder.grader.remote import Net
from checks.helpers import vae_nets


def constant_decoder(draw, latent_dim=2, data_dim=6, hidden=8):
    """A decoder that ignores z (zero first layer), so log p(x|z) is a constant c(x)."""
    return Net("decoder", [(torch.zeros(hidden, latent_dim), draw.normal(hidden)),
                           (draw.normal(data_dim, hidden), draw.normal(data_dim))], "mlp")


def shifted_encoder(m, data_dim=6, hidden=8):
    """q(z|x) = N(m, I) for every x: zero weights, bias (m, 0)."""
    return Net("encoder", [(torch.zeros(hidden, data_dim), torch.zeros(hidden)),
                           (torch.zeros(2 * len(m), hidden), torch.cat([m, torch.zeros(len(m))]))], "mlp",
               head="gaussian")


def standardized_log_weights(remote, function, x, decoder, m, k, seed):
    """With q = N(m, I) and a constant decoder, log w = c(x) − ½|m|² − m·eps ~ N(mean(x), |m|²),
    where mean(x) is the reference's value at eps = 0. Returns (log w − mean) / |m|."""
    encoder = shifted_encoder(m)
    centre = remote.reference_only(function, x, encoder, decoder, k, eps=torch.zeros(k, x.shape[0], len(m))).value
    reply = remote.run_student(function, x, encoder, decoder, k, seed=seed)
    got = samples_of(reply.value, function.split(".")[1], centre.shape)
    return ((torch.from_numpy(got).double() - centre.tensor().double()) / m.norm()).reshape(-1, 1).numpy()


@partial_credit(1.0)
def test_log_mean_exp(remote, spec, draw, set_score=None):
    parts = Parts(set_score)
    x = draw.normal(6, 9, scale=3.0)
    with parts("values along dim 1", 2):
        check(remote, spec, "iwae.log_mean_exp", x, 1,
              offsets={"log n (it is a mean: subtract log n after log-sum-exp)": math.log(9)},
              mistakes={"the mean of x instead of log-mean-exp": x.mean(1)})
    with parts("values along dim 0"):
        check(remote, spec, "iwae.log_mean_exp", x, 0)
    with parts("stable for |x| up to 1e4", needs="values along dim 1"):
        check(remote, spec, "iwae.log_mean_exp", x * 3000.0, 1)
    with parts("float64"):
        check_float64(remote, spec, "iwae.log_mean_exp", x.double() * 3000.0, 1)
    parts.finish()


@partial_credit(1.0)
def test_log_importance_weights(remote, spec, draw, set_score=None):
    parts = Parts(set_score)
    encoder, decoder = vae_nets(draw)
    x = draw.binary(4, 6)
    with parts("values with given eps", 2):
        check(remote, spec, "iwae.log_importance_weights", x, encoder, decoder, 5, eps=draw.normal(5, 4, 2))
    with parts("float64"):
        check_float64(remote, spec, "iwae.log_importance_weights", x.double(), encoder, decoder, 3,
                      eps=draw.normal(3, 4, 2).double())
    with parts("without eps: exact distribution on a model with Gaussian log-weights, fresh in every call "
               "(false-fail rate 1e-6)",
               needs="values with given eps"):
        m, x0, decoder0 = draw.normal(2) + 0.5, draw.binary(50, 6), constant_decoder(draw)
        first, second = (standardized_log_weights(remote, "iwae.log_importance_weights", x0, decoder0, m, 40,
                                                  draw.seed()) for _ in range(2))
        expect_gaussian_draws(first, second, [0.0], [[1.0]], "log_importance_weights",
                              "the distribution implied by z = mu + sigma * eps, eps ~ N(0, I)")
    parts.finish()


@partial_credit(1.0)
def test_iwae_bound(remote, spec, draw, set_score=None):
    parts = Parts(set_score)
    encoder, decoder = vae_nets(draw)
    x, k = draw.binary(4, 6), 7
    eps = draw.normal(k, 4, 2)
    log_weights = remote.reference_only("iwae.log_importance_weights", x, encoder, decoder, k, eps=eps).value
    with parts("values with given eps, k = 7", 2):
        check(remote, spec, "iwae.iwae_bound", x, encoder, decoder, k, eps=eps,
              offsets={"log k (L_k averages the weights: subtract log k)": math.log(k)},
              mistakes={"the mean of the log-weights instead of their log-mean-exp": log_weights.tensor().mean(0)})
    with parts("k = 1 is the single-sample estimate"):
        check(remote, spec, "iwae.iwae_bound", x, encoder, decoder, 1, eps=eps[:1])
    with parts("float64"):
        check_float64(remote, spec, "iwae.iwae_bound", x.double(), encoder, decoder, k, eps=eps.double())
    with parts("without eps: exact distribution of L_1 on a model with Gaussian log-weights, fresh in every "
               "call (false-fail rate 1e-6)",
               needs="values with given eps, k = 7"):
        m, x0, decoder0 = draw.normal(2) + 0.5, draw.binary(2000, 6), constant_decoder(draw)
        first, second = (standardized_log_weights(remote, "iwae.iwae_bound", x0, decoder0, m, 1, draw.seed())
                         for _ in range(2))
        expect_gaussian_draws(first, second, [0.0], [[1.0]], "iwae_bound",
                              "the distribution implied by z = mu + sigma * eps, eps ~ N(0, I)")
    parts.finish()
