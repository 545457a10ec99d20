"""Sub-checks of a model's bound, called through the plugin's ``model_bound`` operation: shapes,
exact values, exact laws over repeated calls, the same law as the reference's, gradients,
and a device smoke test. Each raises Mismatch with a message a student can act on."""
import dataclasses
import math

import numpy as np
import torch

from autograder.api import (
    ALPHA,
    Mismatch,
    StudentError,
    expect_fresh_draws,
    expect_gaussian,
    fresh_draws_pvalue,
    matches,
    rank_sum_pvalue,
)


CALLS = 24  # calls per statistical check; every call draws fresh noise
SMALL = 31  # the batch of statistical and gradient parts (the exact parts use 97)
IWAE_FREE = ("kl", "rec")  # an IWAE bound's other outputs: no edition grades them (contract §7a.6)
# the most outputs a bound returns (SSVAE: nelbo, kl_z, kl_y, rec): one a submission did not
# return reads NaN, which every comparison and exact test fails
MAX_OUTPUTS = 4
# A part whose random inputs can land where a mistake it names agrees with the right answer
# draws them again, at most this many times, until that mistake is clearly apart (each
# part says how far, and how often one draw falls short): `validate --seeds` found such parts.
REDRAWS = 10


@dataclasses.dataclass
class Calls:
    values: np.ndarray  # (calls, outputs)
    shapes: list
    requires_grad: bool
    grads: dict | None


def call_bound(grader, function, state, x, *args, ctor=None, calls=1, seed=0, grads=False, reference=False,
               on_device=None):
    """The submission's (or the reference's) bound on x, ``calls`` times in one model."""
    extra = {"ctor": ctor or {}, "state": state, "x": x, "bound_args": list(args), "calls": calls, "grads": grads}
    if on_device:
        extra["on_device"] = on_device
    call = grader.run_reference if reference else grader.run_student
    reply = call(function, op="model_bound", seed=seed, extra=extra)
    value = reply.value
    width = max(MAX_OUTPUTS, *(len(row) for row in value["values"]))
    rows = [list(row) + [np.nan] * (width - len(row)) for row in value["values"]]
    return Calls(np.array(rows, dtype=np.float64), value["shapes"], value["requires_grad"], value["grads"])


def expect_outputs(result, what, names, free=()):
    """A tuple of len(names) values, each a scalar tensor but those named in ``free`` (outputs
    the contract does not grade: anything, even a placeholder), the first carrying gradients."""
    shapes = result.shapes
    if shapes is None or len(shapes) != len(names):
        raise Mismatch(f"{what}: expected a tuple of {len(names)} values ({', '.join(names)}), "
                       f"got {len(shapes or [])}")
    for name, shape in zip(names, shapes):
        if name in free:
            continue
        if shape is None:
            raise Mismatch(f"{what}: {name} must be a tensor (keep it in torch; no .item() or float())")
        if shape != []:
            raise Mismatch(f"{what}: {name} has shape {shape}, expected torch.Size([]) — average over the batch "
                           "(a mean over examples; a sum over pixels and latent dimensions)")
    if not result.requires_grad:
        raise Mismatch(f"{what}: {names[0]} carries no gradient (do not use .item(), .data or .detach() on it); "
                       "training backpropagates through it")


def expect_values(result, expected, what, names, spec, hints=None):
    """Every call's outputs equal ``expected`` (one per name, None: not checked) within the
    test's tolerance. Every wrong output is named, one that matches a known mistake first;
    ``hints``: {name: {description: the value that mistake gives, or (value, atol) for a
    value known up to noise}}."""
    got, messages, nan = result.values[:, :len(names)], [], False
    for i, name in enumerate(names):
        if expected[i] is None:
            continue
        want = np.full(got.shape[0], float(expected[i]))
        ok, _ = matches(got[:, i], want, spec.rtol, spec.atol)
        if ok.all():
            continue
        worst = int(np.argmax(np.abs(np.nan_to_num(got[:, i] - want, nan=np.inf))))
        nan = nan or bool(np.isnan(got[worst, i]))
        hint = next((d for d, value in (hints or {}).get(name, {}).items() if _fits(got[worst, i], value)), None)
        messages.append((f"{name} = {got[worst, i]:.6g}, expected {want[worst]:.6g}", hint))
    if messages:
        messages.sort(key=lambda m: m[1] is None)  # stable: a named mistake first, then the outputs' order
        said = [f"{m} — hint: {hint}" if hint and hint not in [h for _, h in messages[:i]] else m
                for i, (m, hint) in enumerate(messages)]  # a hint once, at the first output it names
        cause = " (NaN comes from 0/0, inf − inf, 0 · inf, or the log or square root of a negative number)" if nan else ""
        raise Mismatch(f"{what}: {'; '.join(said)}{cause}")


def _fits(got, value):
    """Whether ``got`` is a hint's value: a number (within 1e-3), or (value, atol)."""
    value, atol = value if isinstance(value, tuple) else (value, 1e-3)
    return bool(np.isclose(got, value, rtol=1e-3, atol=atol))


def iwae_hints(ll, iw):
    """{description: niwae} of two mistakes where every log weight is ll (B,) of its example:
    weights exponentiated (exp of log p(x) ≈ −544 underflows), and, for iw > 1, the tiled weights
    (row r of example r mod B) grouped iw consecutive rows at a time, across examples."""
    found = {f"niwae is inf: the log weights here are about {float(ll.mean()):.0f}, where exp underflows to 0 and "
             "log 0 is −inf; a log-mean-exp (ut.log_mean_exp) keeps it finite": math.inf}
    if iw > 1:
        batch = len(ll)
        rows = ll[torch.arange(iw * batch) % batch].reshape(batch, iw)
        found["the log weights grouped across examples: the batch is tiled iw times, so an example's iw samples "
              "lie B rows apart (group them as (iw, B))"] = -float((torch.logsumexp(rows, 1) - math.log(iw)).mean())
    return found


def expect_sum(result, what, total, parts, spec):
    """total = Σ parts in every call (e.g. nelbo = kl + rec)."""
    names = [total, *parts]
    got = result.values
    ok, _ = matches(got[:, 0], got[:, 1:len(names)].sum(1), spec.rtol, spec.atol)
    if not ok.all():
        raise Mismatch(f"{what}: {total} must equal {' + '.join(parts)} in every call "
                       f"(got {got[0, 0]:.6g} vs {got[0, 1:len(names)].sum():.6g})")


def expect_gaussian_calls(samples, mean, cov, what, description, noisy=False):
    """``samples`` (calls, K): each call's outputs ~ N(mean, cov) (expect_gaussian), and
    independent across calls: the first half's and the second half's differences ~ N(0, 2·cov)
    (fresh_draws_pvalue), which a bound that reseeds the generator fails for sure (its
    calls repeat one value, which the law alone would accept at about one seed in two). The
    two exact tests share the part's false-fail rate. ``noisy``: every output is an estimate at
    the drawn noise (none may be in closed form), so calls that all return the same values
    are named (_repeated)."""
    half = len(samples) // 2
    try:
        expect_gaussian(samples, mean, cov, what, description, tests=2)
    except Mismatch as error:
        raise Mismatch(f"{error}{_repeated(samples, mean, cov) if noisy else ''}") from None
    expect_fresh_draws(fresh_draws_pvalue(samples[:half], samples[half:2 * half], cov), what)


def _repeated(samples, mean, cov):
    """A hint where every call returned the same values (the law failed): the law's mean
    itself, as a term evaluated without noise gives, or another value, as noise that
    repeats from call to call gives; "" otherwise."""
    samples = np.asarray(samples, dtype=np.float64)
    if len(samples) < 2 or not np.isfinite(samples).all() or np.ptp(samples, axis=0).any():
        return ""
    sd = np.sqrt(np.diag(np.asarray(cov, dtype=np.float64)))
    if np.all(np.abs(samples[0] - np.asarray(mean, dtype=np.float64)) <= 1e-3 * sd + 1e-5 * np.abs(mean)):
        return (f"\n  hint: all {len(samples)} calls returned the law's mean itself, as a term evaluated without noise "
                "does (at z = m?): draw one z = m + √v·ε in every call")
    return (f"\n  hint: all {len(samples)} calls returned the same values: the noise repeats from call to call (is "
            "the generator reseeded, torch.manual_seed?), where every call draws fresh noise")


def expect_same_law(got, want, what, description):
    """The submission's values over calls follow the reference's law (exact rank test)."""
    pvalue = rank_sum_pvalue(got, want)
    if not pvalue > ALPHA:
        raise Mismatch(f"{what}: over {len(got)} calls, its values (median {np.median(got):.4g}) do not follow the "
                       f"law of the bound (median {np.median(want):.4g}) — exact rank test, p = {pvalue:.2g} < "
                       f"{ALPHA:g}; {description}")


def expect_gradients(result, what, groups, names=None, routes=None):
    """The first output's gradient reaches every parameter group in ``groups``, finite.
    ``routes``: {group: the only way the bound reaches it}, said where no gradient does."""
    grads = result.grads or {}
    for group in groups:
        norm = grads.get(group)
        label = (names or {}).get(group, group)
        if norm is None or norm == 0.0:
            raise Mismatch(f"{what}: no gradient reaches {label}; " + (routes or {}).get(
                group, "sample z with the reparameterization (z = m + √v·ε) and keep every term a function of the "
                       "parameters"))
        if not np.isfinite(norm):
            raise Mismatch(f"{what}: the gradient reaching {label} is not finite")



def device_part(what="tensors"):
    """The name of the part that runs a function on the meta device (``on_meta``), as
    students read it: the meta device stands in for any device other than the CPU."""
    return f"{what} on the input's device (run on a device other than the CPU)"


def on_meta(call, what):
    """Run ``call`` (a run on torch's "meta" device: shapes only, no data) as a GPU run stands
    in: a tensor made on the CPU inside the function (torch.zeros(n), torch.randn(shape), a
    global device) fails to combine with the inputs. Other failures on meta (an .item(), a
    data-dependent branch) say nothing about devices and pass."""
    try:
        call()
    except StudentError as exc:
        if exc.kind == "device":
            raise Mismatch(f"{what}: on a GPU this fails: {str(exc).splitlines()[0][:300]} — create tensors "
                           "on the input's device (torch.randn_like(m), torch.zeros(..., device=x.device))") from None


def expect_any_device(grader, function, state, x, *args, ctor=None, what=None):
    """A model's bound, built and run on the meta device (``on_meta``)."""
    on_meta(lambda: call_bound(grader, function, state, x, *args, ctor=ctor, on_device="meta"), what)
