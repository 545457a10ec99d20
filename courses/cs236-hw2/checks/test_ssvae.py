"""models/ssvae.py: the semi-supervised bound, the expectation over labels exact. Each law
below is exact; the statistical part has a false-fail rate of 1e-6 (ALPHA)."""
import math

import numpy as np
import torch

from autograder.api import Mismatch
from checks import constructions as c
from checks.bounds import (CALLS, REDRAWS, SMALL, call_bound, device_part, expect_any_device, expect_gaussian_calls,
                           expect_gradients, expect_outputs, expect_sum, expect_values)
from codebase.models.ssvae import SSVAE

ELBO = "models.ssvae.SSVAE.negative_elbo_bound"
Z_DIM, BATCH = 64, 97
NAMES = ("nelbo", "kl_z", "kl_y", "rec")
# The exact part's inputs are redrawn until each mistake it names is this far (relative) from
# the right rec, ten times the tolerance: on random inputs the label-major table reshaped to
# (B, 10), or an unweighted mean over labels, came within 1e-4 of it on about 1 seed in 100
# (300 seeds). A draw misses with probability ≈ 0.07, all REDRAWS of them ≈ 3e-12.
SEPARATION = 1e-3


def label_probabilities(model, x):
    with torch.no_grad():
        return torch.softmax(model.cls.net(x.double()), 1)  # (B, 10)


def per_pair(model, x):
    """−log p(x_b | z = 0, y) for every pair, as a (10, B) table (row y, column b)."""
    pairs = c.one_hot_pairs(len(x))
    ll, _ = c.log_likelihood_and_slope(model, x.repeat(c.Y_DIM, 1), Z_DIM, y=pairs)
    return -ll.reshape(c.Y_DIM, len(x))


def exact_case(draw):
    """(x, state, kl_y, rec, {mistake: the rec it gives}) with q(z|x, y) = p(z), so kl_z = 0, and a
    decoder that ignores z, so rec is exact: Σ_y q(y|x)·(−log p(x|y)), averaged over x; drawn
    until every mistake is SEPARATION (relative) from rec."""
    for _ in range(REDRAWS):
        x, state, kl_y, rec, mistakes = _exact_draw(draw)
        if all(abs(value - rec) >= SEPARATION * abs(rec) for value in mistakes.values()):
            break
    return x, state, kl_y, rec, mistakes


def _exact_draw(draw):
    x = draw.binary(BATCH, c.PIXELS)
    state = {**c.encoder(draw, "prior", Z_DIM, c.Y_DIM), **c.decoder(draw, "constant", Z_DIM, c.Y_DIM),
             **c.classifier(draw)}
    model = c.reference_model(SSVAE, state)
    q, table = label_probabilities(model, x), per_pair(model, x)
    kl_y = float((q * (q.log() + math.log(c.Y_DIM))).sum(1).mean())
    rec = float((q.t() * table).sum(0).mean())
    return x, state, kl_y, rec, {
        "the per-(x, y) values reshaped to (B, 10): they are label-major, reshape to (10, B) and transpose":
            float((q * table.reshape(-1).reshape(BATCH, c.Y_DIM)).sum(1).mean()),
        "an unweighted mean over the 10 labels: weight each by q(y|x)": float(table.mean(0).mean()),
        "summed over the batch: take the mean over examples": rec * BATCH,
        "the encoder and decoder fed the probabilities q(y|x) instead of each one-hot label y":
            -float(c.log_likelihood_and_slope(model, x, Z_DIM, y=q)[0].mean())}  # the decoder reading q(y|x)


def test_ssvae_negative_elbo_bound(grader, draw):
    what = "SSVAE.negative_elbo_bound"
    exact = "values with q(z|x, y) = p(z), a decoder that reads y but ignores z, a confident classifier (B = 97)"
    with grader.part(exact, 4):
        x, state, kl_y, rec, mistakes = exact_case(draw)
        result = call_bound(grader, ELBO, state, x, calls=2, seed=draw.seed())
        expect_outputs(result, what, NAMES)
        expect_values(result, (kl_y + rec, 0.0, kl_y, rec), what, NAMES, grader.spec, {"rec": mistakes})
    law = (f"the law of kl_z over {CALLS} calls with q(z|x, y) = N(m(x, y), I) (exact test): "
           "mean over x of Σ_y q(y|x)·KL(q(z|x, y) ‖ N(0, I))")
    with grader.part(law, 2, needs=exact):
        x = draw.binary(SMALL, c.PIXELS)
        state = {**c.encoder(draw, "shifted", Z_DIM, c.Y_DIM, spread=0.3),
                 **c.decoder(draw, "constant", Z_DIM, c.Y_DIM), **c.classifier(draw)}
        model = c.reference_model(SSVAE, state)
        q = label_probabilities(model, x)
        m, _ = c.encoder_outputs(model, x.repeat(c.Y_DIM, 1), c.one_hot_pairs(SMALL))
        half_sq = 0.5 * (m ** 2).sum(1).reshape(c.Y_DIM, SMALL)  # ½|m|², the KL per pair
        kl_z = float((q.t() * half_sq).sum(0).mean())
        result = call_bound(grader, ELBO, state, x, calls=CALLS, seed=draw.seed())
        if not np.allclose(result.values[:, 1], kl_z, rtol=grader.spec.rtol, atol=grader.spec.atol):
            # single-sample estimates ½|m|² + m·ε per pair, weighted by q(y|x)
            var = float(((q.t() ** 2) * (m ** 2).sum(1).reshape(c.Y_DIM, SMALL)).sum() / SMALL ** 2)
            try:
                expect_gaussian_calls(result.values[:, 1:2], [kl_z], [[var]], what,
                                      "kl_z = mean over x of Σ_y q(y|x)·KL(q(z|x, y) ‖ N(0, I)), one z per (x, y)")
            except Mismatch as error:  # a sum over the batch is SMALL times the law's, within 5 of its sd
                summed = abs(float(result.values[:, 1].mean()) - SMALL * kl_z) <= 5 * SMALL * math.sqrt(var / CALLS)
                raise (Mismatch(f"{error}\n  hint: the mean of kl_z is {SMALL} times the law's, as a sum over the "
                                f"{SMALL} examples is: take the mean over examples") if summed else error) from None
        expect_values(result, (None, None, None, float((q.t() * per_pair(model, x)).sum(0).mean())), what, NAMES,
                      grader.spec)
        expect_sum(result, what, "nelbo", ["kl_z", "kl_y", "rec"], grader.spec)
    with grader.part("gradients reach the encoder, the decoder and the classifier", 2, needs=exact):
        state = {**c.encoder(draw, "random", Z_DIM, c.Y_DIM), **c.decoder(draw, "random", Z_DIM, c.Y_DIM),
                 **c.classifier(draw)}
        result = call_bound(grader, ELBO, state, draw.binary(SMALL, c.PIXELS), seed=draw.seed(), grads=True)
        expect_gradients(result, what, ["enc", "dec", "cls"],
                         {"enc": "the encoder", "dec": "the decoder", "cls": "the classifier"})
    with grader.part(device_part(), needs=exact):
        expect_any_device(grader, ELBO, state, draw.binary(SMALL, c.PIXELS), what=what)
