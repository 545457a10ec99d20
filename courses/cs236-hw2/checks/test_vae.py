"""models/vae.py: the ELBO and IWAE bounds, which draw their own noise. Each law below is
exact; every statistical part has a false-fail rate of 1e-6 (ALPHA)."""
import math

import numpy as np

from checks import constructions as c
from checks.bounds import (CALLS, IWAE_FREE, SMALL, call_bound, device_part, expect_any_device, expect_gaussian_calls,
                           expect_gradients, expect_outputs, expect_same_law, expect_sum, expect_values, iwae_hints)
from codebase.models.vae import VAE

ELBO, IWAE = "models.vae.VAE.negative_elbo_bound", "models.vae.VAE.negative_iwae_bound"
Z_DIM, BATCH = 3, 97  # 97: a hard-coded batch of 100 shows
ELBO_HINTS = {"summed over the batch: take the mean over examples": BATCH, "averaged over pixels: sum them": 1 / 784}
# the mean of log N(z; 0, I) at z ~ N(0, I): −(d/2)(1 + log 2π), up to 5 sd of its mean over the batch
LOG_Q_ONLY = (-0.5 * Z_DIM * (1 + math.log(2 * math.pi)), 5 * math.sqrt(Z_DIM / 2 / BATCH))


def hints(expected):
    """{output: {description: the value that mistake gives}} for the batch reductions."""
    return {name: {d: value * factor for d, factor in ELBO_HINTS.items()} for name, value in expected.items()}


def prior_model(draw):
    """q(z|x) = p(z) = N(0, I) and log p(x|z) = c(x): every log weight is exactly c(x)."""
    x = draw.binary(BATCH, c.PIXELS)
    state = {**c.encoder(draw, "prior", Z_DIM), **c.decoder(draw, "constant", Z_DIM)}
    ll, _ = c.log_likelihood_and_slope(c.reference_model(VAE, state, z_dim=Z_DIM), x, Z_DIM)
    return state, x, ll


def gaussian_model(draw):
    """q(z|x) = N(m(x), I) and log p(x|z) = c(x) + g(x)·z: with z = m + ε, the KL's single-sample
    estimate is ½|m|² + m·ε and log p(x|z) = c + g·m + g·ε, jointly Gaussian."""
    template = draw.binary(c.PIXELS)
    x = c.near(draw, template, SMALL)
    # |m| ≈ 2 against slopes of 0.1: the law with and without the KL's noise differ 40-fold in variance
    state = {**c.encoder(draw, "shifted", Z_DIM, spread=2.0),
             **c.decoder(draw, "linear", Z_DIM, template=template, slope=0.1)}
    model = c.reference_model(VAE, state, z_dim=Z_DIM)
    m, _ = c.encoder_outputs(model, x)
    ll, g = c.log_likelihood_and_slope(model, x, Z_DIM)
    return state, x, m, ll, g


def test_vae_negative_elbo_bound(grader, draw):
    names, what = ("nelbo", "kl", "rec"), "VAE.negative_elbo_bound"
    ctor = {"z_dim": Z_DIM}
    with grader.part("values with q(z|x) = p(z) and a decoder that ignores z (B = 97)", 3):
        state, x, ll = prior_model(draw)
        result = call_bound(grader, ELBO, state, x, ctor=ctor, calls=3, seed=draw.seed())
        expect_outputs(result, what, names)
        rec = -float(ll.mean())
        known = hints({"nelbo": rec, "rec": rec})
        known["nelbo"]["nelbo = −rec here, where kl is 0: nelbo = kl + rec, not kl − rec"] = -rec
        known["kl"] = {f"kl ≈ {LOG_Q_ONLY[0]:.3g} here is the mean of log q(z|x) (equal to log p(z), as q = p) at the "
                       "sampled z: one of the two terms is missing (kl = log q(z|x) − log p(z) at z, or KL(q ‖ p) in "
                       "closed form, is 0 here)": LOG_Q_ONLY}
        expect_values(result, (rec, 0.0, rec), what, names, grader.spec, known)
    with grader.part(f"the law of kl and rec over {CALLS} calls with q(z|x) = N(m(x), I) and a decoder linear in z "
               "(exact test)", 3, needs="values with q(z|x) = p(z) and a decoder that ignores z (B = 97)"):
        state, x, m, ll, g = gaussian_model(draw)
        result = call_bound(grader, ELBO, state, x, ctor=ctor, calls=CALLS, seed=draw.seed())
        kl_closed = float(0.5 * (m ** 2).sum(1).mean())
        rec_mean = -float((ll + (g * m).sum(1)).mean())
        rec_var = float((g ** 2).sum() / SMALL ** 2)
        closed_form = np.allclose(result.values[:, 1], kl_closed, rtol=grader.spec.rtol, atol=grader.spec.atol)
        if closed_form:  # KL(q ‖ p) in closed form: only rec is random
            expect_gaussian_calls(result.values[:, 2:3], [rec_mean], [[rec_var]], what,
                                  "rec = −mean log p(x|z) with one z = m + √v·ε per example", noisy=True)
        else:  # the single-sample estimate log q(z|x) − log p(z), on the same z as rec
            cov = np.array([[float((m ** 2).sum()), -float((m * g).sum())],
                            [-float((m * g).sum()), float((g ** 2).sum())]]) / SMALL ** 2
            expect_gaussian_calls(result.values[:, 1:3], [kl_closed, rec_mean], cov, what,
                                  "kl = mean KL(q(z|x) ‖ N(0, I)) (closed form, or log q − log p at one z) and "
                                  "rec = −mean log p(x|z), z = m + √v·ε", noisy=True)
        expect_sum(result, what, "nelbo", ["kl", "rec"], grader.spec)
    with grader.part("gradients reach the encoder and the decoder", 2,
               needs="values with q(z|x) = p(z) and a decoder that ignores z (B = 97)"):
        state = {**c.encoder(draw, "random", Z_DIM), **c.decoder(draw, "random", Z_DIM)}
        result = call_bound(grader, ELBO, state, draw.binary(SMALL, c.PIXELS), ctor=ctor, seed=draw.seed(), grads=True)
        expect_outputs(result, what, names)
        expect_gradients(result, what, ["enc", "dec"], {"enc": "the encoder", "dec": "the decoder"})
    with grader.part(device_part(), needs="values with q(z|x) = p(z) and a decoder that ignores z (B = 97)"):
        expect_any_device(grader, ELBO, state, draw.binary(SMALL, c.PIXELS), ctor=ctor, what=what)


def test_vae_negative_iwae_bound(grader, draw):
    names, what = ("niwae", "kl", "rec"), "VAE.negative_iwae_bound"
    ctor = {"z_dim": Z_DIM}
    exact = "values with q(z|x) = p(z), a decoder that ignores z, log p(x) ≈ −544 (B = 97, iw = 1 and 7)"
    with grader.part(exact, 3):
        state, x, ll = prior_model(draw)
        for iw in (1, 7):
            result = call_bound(grader, IWAE, state, x, iw, ctor=ctor, calls=2, seed=draw.seed())
            expect_outputs(result, what, names, free=IWAE_FREE)
            expect_values(result, (-float(ll.mean()), None, None), f"{what} (iw = {iw})", names[:1], grader.spec,
                          {"niwae": {"the sign: niwae = −log-mean-exp of the log weights": float(ll.mean()),
                                     "summed over the batch: take the mean over examples": -float(ll.sum()),
                                     **iwae_hints(ll, iw)}})
    with grader.part(f"iw = 1: the law of −log w over {CALLS} calls with q(z|x) = N(m(x), I) and a decoder linear in z "
               "(exact test)", 2, needs=exact):
        state, x, m, ll, g = gaussian_model(draw)
        # log w = c + g·z − ½|z|² + ½|z − m|² = c + g·m − ½|m|² + (g − m)·ε
        result = call_bound(grader, IWAE, state, x, 1, ctor=ctor, calls=CALLS, seed=draw.seed())
        mean = -float((ll + (g * m).sum(1) - 0.5 * (m ** 2).sum(1)).mean())
        var = float(((g - m) ** 2).sum() / SMALL ** 2)
        expect_gaussian_calls(result.values[:, :1], [mean], [[var]], f"{what} (iw = 1)",
                              "−mean log w, log w = log p(x|z) + log p(z) − log q(z|x) at z = m + √v·ε", noisy=True)
    with grader.part(f"iw = 10: the same law as the bound's over {CALLS} calls (exact rank test)", 3, needs=exact):
        # q = p(z) and log p(x|z) = c(x) + g(x)·z with |g| ≈ 2: each example's log-mean-exp gains ≈ |g|²/2·(1 − 1/iw)
        template = draw.binary(c.PIXELS)
        x = c.near(draw, template, SMALL, most_flips=12)
        state = {**c.encoder(draw, "prior", Z_DIM), **c.decoder(draw, "linear", Z_DIM, template=template, slope=0.6)}
        seed = draw.seed()
        got, want = (call_bound(grader, IWAE, state, x, 10, ctor=ctor, calls=CALLS, seed=seed + side,
                                reference=bool(side)).values[:, 0] for side in (0, 1))
        expect_same_law(got, want, f"{what} (iw = 10)",
                        "each example's iw log weights log p(x|z) + log p(z) − log q(z|x) (no closed-form KL, "
                        "no batch means inside), grouped by example, then a log-mean-exp over the iw samples")
    with grader.part("gradients reach the encoder and the decoder", needs=exact):
        state = {**c.encoder(draw, "random", Z_DIM), **c.decoder(draw, "random", Z_DIM)}
        result = call_bound(grader, IWAE, state, draw.binary(SMALL, c.PIXELS), 4, ctor=ctor, seed=draw.seed(),
                            grads=True)
        expect_gradients(result, what, ["enc", "dec"], {"enc": "the encoder", "dec": "the decoder"})
    with grader.part(device_part(), needs=exact):
        expect_any_device(grader, IWAE, state, draw.binary(SMALL, c.PIXELS), 3, ctor=ctor, what=what)
