"""The sub-checks a course's checks are made of: values on both sides, float64 with its
resolution, gradients, parameters after a step, and exact statistical tests of drawn
noise. Each raises ``Mismatch`` with a message a student can act on."""
import numpy as np
import torch

from ..course import CourseError
from ..worker.closeness import magnitude
from ..worker.probes import module_of
from ..worker.tree import dtype_name, leaves
from . import stats
from .compare import Mismatch, assert_close, assert_float_close, expect_tensor
from .values import Returned

NUDGES = 4  # candidate moves of the float64 resolution check


def _first_dtype(values):
    for value in values:
        if isinstance(value, torch.Tensor) and value.is_floating_point():
            return value.dtype
    return torch.float32


def untouched(outcome, what):
    if outcome.got.modified:
        positions = ", ".join(f"#{i + 1}" for i in outcome.got.modified)
        raise Mismatch(f"{what} modified its input tensor {positions} in place; compute on copies instead")


def compare_values(got, want, what, spec, dtype, mistakes=None, offsets=None, earlier=None, output=()):
    """``earlier``: {output position: [(got, want) arrays]} of this test's earlier calls of the
    same function, extended with this call's (hints name a result that ignores its inputs)."""
    tolerance = spec.tolerance(dtype)
    if isinstance(want, tuple):
        if not isinstance(got, tuple) or len(got) != len(want):
            raise Mismatch(f"{what}: expected a tuple of {len(want)} values")
        for i, (g, w) in enumerate(zip(got, want)):
            compare_values(g, w, f"{what}, output {i + 1} of {len(want)}", spec, dtype,
                           (mistakes or {}).get(i), offsets, earlier, (*output, i))
    elif isinstance(want, Returned):
        seen = [] if earlier is None else earlier.setdefault(output, [])
        before = list(seen)
        if isinstance(got, Returned):
            seen.append((got.array, want.array))
        assert_close(got, want, what, mistakes=mistakes, offsets=offsets, earlier=before, **tolerance)
    else:
        assert_float_close(got, want, what, **tolerance)


def named(remote, function):
    """How messages name a contract function: its name within its module ("density" of
    "hw.density", "Model.loss" of "models.model.Model.loss")."""
    try:
        return function[len(module_of(function, remote.course.modules)) + 1:]
    except AttributeError:  # no course at hand, or a name outside its modules
        return function.rpartition(".")[2]


def check(remote, spec, function, *args, mistakes=None, offsets=None, what=None, earlier=None, **kwargs):
    """Call ``function`` on both sides and require the same values and untouched inputs."""
    dtype = _first_dtype([*args, *kwargs.values()])
    what = what or named(remote, function)
    outcome = remote.run(function, *args, dtype=dtype_name(dtype), **kwargs)
    untouched(outcome, what)
    compare_values(outcome.got.value, outcome.want.value, what, spec, dtype, mistakes, offsets, earlier)
    return outcome


def _double(value):
    if isinstance(value, torch.Tensor) and value.is_floating_point():
        return value.double()
    return value


def discrete(value):
    """Whether a float64 tensor holds only whole numbers: a 0/1 mask, labels, indices, counts,
    binary images. Such an input is not a measurement that can move by 1e-8: code may
    rightly read it as discrete (``torch.where(mask.bool(), …)``, ``Bernoulli.log_prob(x)``
    checks its support) and ignore or refuse the move, where ``mask * x`` follows it."""
    return bool(torch.equal(value, torch.round(value)))


def _moves(value, hold=False):
    """Whether the resolution check moves this input: a float64 tensor, not held fixed
    (``hold``), not discrete."""
    return isinstance(value, torch.Tensor) and value.dtype == torch.float64 and not hold and not discrete(value)


def _nudged(value, step, generator, hold=False):
    """``value`` times (1 + step·u), u uniform in [−1, 1]: a float64 tensor moved by a
    relative amount that float32 cannot represent (zeros stay zeros); one it does not
    move (_moves) as it is."""
    if _moves(value, hold):
        u = torch.rand(value.shape, generator=generator, dtype=torch.float64) * 2 - 1
        return value * (1 + step * u)
    return value


def _change(before, after, step):
    """(after − before) / step where both are finite, else 0."""
    a, b = before.array.astype(np.float64), after.array.astype(np.float64)
    both = np.isfinite(a) & np.isfinite(b)
    return np.where(both, b - np.where(both, a, 0), 0.0) / step


def change_error(got0, got1, want0, want1, spec):
    """How far the submission's change under the float64 step is from the reference's, as
    a multiple of the tolerance (≤ 1 passes): step64_rtol of the largest expected change,
    plus step64_atol of the result's magnitude. Returns (ratio, got change, wanted change)."""
    got, want = _change(got0, got1, spec.step64), _change(want0, want1, spec.step64)
    allowed = spec.step64_rtol * float(np.abs(want).max(initial=0.0)) + spec.step64_atol * magnitude(want0.array)
    return float(np.abs(got - want).max(initial=0.0)) / allowed, got, want


def _returned(value):
    """The tensors of a returned value (in its tuples and lists), in order."""
    return [leaf for leaf in leaves(value, (tuple, list)) if isinstance(leaf, Returned)]


def check_float64(remote, spec, function, *args, what=None, mistakes=None, offsets=None, earlier=None,
                  hold_fixed=(), **kwargs):
    """The float64 part, on float64 inputs: the values, within the float64 tolerance, and
    the resolution: how the result moves when every continuous float64 input moves by a
    relative ``spec.step64`` (1e-8, below float32's resolution of 6e-8) must match how the
    reference's moves. A computation done in float32 cannot follow such a move (its
    change is 0, or a float32 rounding step far larger); a float32 constant inside a
    float64 computation is the same in both calls and cancels. Discrete inputs (whole
    numbers only) and those named in ``hold_fixed`` (positions or keywords) do not move."""
    what = what or named(remote, function)
    first = check(remote, spec, function, *args, what=what, mistakes=mistakes, offsets=offsets, earlier=earlier,
                  **kwargs)
    nudged, nudged_kwargs = _telling_nudge(remote, spec, function, first.want.value, args, kwargs, hold_fixed)
    moved = remote.run(function, *nudged, dtype="float64", **nudged_kwargs)
    pairs = zip(_returned(first.got.value), _returned(moved.got.value), _returned(first.want.value),
                _returned(moved.want.value))
    for got0, got1, want0, want1 in pairs:
        expect_tensor(got1, what, dtype=want1.dtype, shape=want1.shape)
        ratio, got, want = change_error(got0, got1, want0, want1, spec)
        if not ratio <= 1:  # NaN fails
            worst = np.unravel_index(int(np.argmax(np.abs(got - want))), got.shape) if got.ndim else ()
            raise Mismatch(f"{what}: in float64, moving the inputs by a relative {spec.step64:g} changes your "
                           f"result by {got[worst] * spec.step64:.3g} where the reference's changes by "
                           f"{want[worst] * spec.step64:.3g}; part of the computation is done in float32: look "
                           "for torch.tensor(...) or torch.zeros/ones/empty(...) without dtype=, .float(), or "
                           "NumPy float32 arrays")
    return first


def _telling_nudge(remote, spec, function, want0, args, kwargs, hold_fixed):
    """Of NUDGES random moves of the inputs (_nudged), the one that moves the reference's
    result most against the tolerance's floor: a move along which the result is flat by
    chance (random signs that cancel) would let a float32 computation's change of 0 pass.
    Measured: with one move, 1 seed in 100 let a float32 computation through a loss of the
    bundled course."""
    # nothing to move is the course's mistake: the part would pass a float32 computation
    if not any(_moves(value, key in hold_fixed) for key, value in [*enumerate(args), *kwargs.items()]):
        raise CourseError(f"the float64 part of {function} moves none of its inputs: none is a float64 tensor "
                          "with other than whole-number values outside hold_fixed, so it cannot tell a float32 "
                          "computation from a float64 one (give it float64 inputs, or leave the part out)")
    generator, best = torch.Generator().manual_seed(64), None
    for _ in range(NUDGES):
        moved = [_nudged(a, spec.step64, generator, i in hold_fixed) for i, a in enumerate(args)], \
            {k: _nudged(v, spec.step64, generator, k in hold_fixed) for k, v in kwargs.items()}
        want1 = remote.run_reference(function, *moved[0], dtype="float64", **moved[1]).value
        reach = min((float(np.abs(_change(w0, w1, spec.step64)).max(initial=0.0)) / magnitude(w0.array)
                     for w0, w1 in zip(_returned(want0), _returned(want1))), default=0.0)
        if best is None or reach > best[0]:
            best = (reach, moved)
    return best[1]


def values_and_float64(parts, remote, spec, function, *args, mistakes=None, offsets=None, earlier=None,
                       hold_fixed=(), **kwargs):
    """The two parts most checks start with: values on the drawn float32 inputs (worth 2),
    then the same inputs in float64; both with the same hints."""
    with parts("values", 2):
        check(remote, spec, function, *args, mistakes=mistakes, offsets=offsets, earlier=earlier, **kwargs)
    with parts("float64"):
        check_float64(remote, spec, function, *map(_double, args), mistakes=mistakes, offsets=offsets,
                      earlier=earlier, hold_fixed=hold_fixed, **{k: _double(v) for k, v in kwargs.items()})


# the ways a value loses its graph, for a gradient that does not arrive: the student's
# code cannot be seen, so each is a possibility, not a diagnosis
GRAPH_CUT = ("detached, built with .item() or numpy, or made from torch.autograd.grad without "
             "create_graph=True")


def parameter_label(reply, net, i):
    """The i-th parameter of network ``net`` as the course's network names it
    ("the parameter critic.layers.0.weight"), from ``reply.param_names`` (the reference's,
    the same for both sides: both build the network with the same builder); by position
    when the reply has no names."""
    names = (reply.param_names or {}).get(net, [])
    return f"the parameter {net}.{names[i]}" if i < len(names) else f"the {net} parameter {i + 1}"


def check_gradients(remote, spec, function, args, names, cotangents, what=None, params=False, **kwargs):
    """Gradients of Σ output·cotangent w.r.t. the tensor arguments named in ``names``
    (those with requires_grad) and, with ``params``, the networks' parameters, must match
    the reference's."""
    dtype = _first_dtype([*args, *kwargs.values()])
    what = what or named(remote, function)
    outcome = remote.run(function, *args, dtype=dtype_name(dtype), cotangents=cotangents, **kwargs)
    got, want = outcome.got.grads or {}, outcome.want.grads or {}
    if "error" in got:
        raise Mismatch(f"{what}: {got['error']} (was the result {GRAPH_CUT}?)")
    if len(names) != len(want["inputs"]):  # zip would silently leave gradients unchecked
        raise CourseError(f"check_gradients of {function} names {len(names)} argument(s) ({', '.join(names)}) "
                          f"where {len(want['inputs'])} require gradients")
    tolerance = spec.tolerance(dtype)
    mine = list(got.get("inputs", []))
    for i, (name, w) in enumerate(zip(names, want["inputs"])):
        g = mine[i] if i < len(mine) else None
        if g is None:
            raise Mismatch(f"{what}: no gradient reaches {name} (was what depends on it {GRAPH_CUT}?)")
        assert_close(g, w, f"gradient of {what} with respect to {name}", **tolerance)
    if params:
        for net, wanted in want["params"].items():
            for i, (g, w) in enumerate(zip(got.get("params", {}).get(net, []), wanted)):
                label = parameter_label(outcome.want, net, i)
                if w is None:
                    if g is not None and g.array.any():
                        raise Mismatch(f"{what}: a gradient reaches {label}, which must be held fixed "
                                       f"(compute that network's part under torch.no_grad() or detach it)")
                elif g is None:
                    raise Mismatch(f"{what}: no gradient reaches {label} (was what depends on it {GRAPH_CUT}?)")
                else:
                    assert_close(g, w, f"gradient of {what} with respect to {label}", **tolerance)
    return outcome


def expect_statistics(pvalue, what, description, tests=1, evidence=None, claim=None):
    """Fail when the p-value is below ALPHA / ``tests`` (Bonferroni: ``tests`` checks of one
    part share its false-fail rate ALPHA); ``evidence``: what the test saw, in words.
    ``claim``: what the failure says, where the test is not of a law the values follow
    ("its losses do not decrease as the reference's do"); by default "its values do not
    follow {description}"."""
    if not pvalue > stats.ALPHA / tests:
        said = claim or f"its values do not follow {description}"
        raise Mismatch(f"{what}: {said} (exact test, p = {pvalue:.2g} < {stats.ALPHA / tests:g})"
                       + (f"; {evidence}" if evidence else ""))


def expect_gaussian(samples, mean, cov, what, description, tests=1):
    """``samples`` [n, K] follow N(mean, cov) (an exact test, sharing its part's false-fail
    rate with ``tests`` − 1 others); a failure says where the draws sit and how they spread
    against the law, and points at the noise only where that is what is off."""
    pvalue = stats.gaussian_pvalue(samples, mean, cov)
    if pvalue > stats.ALPHA / tests:
        return
    evidence = stats.gaussian_evidence(samples, mean, cov)
    finite = np.isfinite(np.asarray(samples, dtype=np.float64))
    expect_statistics(pvalue, what, description, tests, evidence.describe() if evidence else
                      f"{int((~finite).sum())} of its {finite.size} values are not finite")


def expect_fresh_draws(pvalue, what, tests=2):
    """Fail when two calls' draws are not independent (fresh_draws_pvalue below ALPHA / ``tests``)."""
    if not pvalue > stats.ALPHA / tests:
        raise Mismatch(f"{what}: two calls without noise arguments drew the same or related noise (exact test, "
                       f"p = {pvalue:.2g} < {stats.ALPHA / tests:g}); every call must draw fresh noise from torch's "
                       "global generator: do not reseed it (torch.manual_seed) or draw from a generator with a "
                       "fixed seed inside your function")


def expect_gaussian_draws(first, second, mean, cov, what, description):
    """Draws of two calls without noise arguments: the first follows N(mean, cov), and the
    two are independent draws (two exact tests sharing the part's false-fail rate)."""
    expect_gaussian(first, mean, cov, what, description, tests=2)
    expect_fresh_draws(stats.fresh_draws_pvalue(first, second, cov), what)


def samples_of(value, what, shape):
    """The array of a returned tensor of the given shape, every value finite (for statistical
    checks: a statistic of counts or ranks could not see a NaN among the draws)."""
    array = expect_tensor(value, what, shape=shape).array
    bad = int(np.size(array) - np.isfinite(array).sum())
    if bad:
        raise Mismatch(f"{what}: {bad} of its {np.size(array)} draws are NaN or infinite")
    return array


def compare_params(outcome, spec, dtype, what, nets):
    """The networks ``nets``' parameters after the submission's step equal the reference's."""
    got, want = outcome.got.params or {}, outcome.want.params or {}
    tolerance = spec.tolerance(dtype)
    for net in nets:
        for i, (g, w) in enumerate(zip(got.get(net, []), want[net])):
            assert_close(g, w, f"{what}: {parameter_label(outcome.want, net, i)} after the step", **tolerance)
