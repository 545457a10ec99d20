"""Sub-checks shared by the check modules."""
import torch

from autograder.grader import stats
from autograder.grader.compare import Mismatch, assert_close, assert_float_close, expect_tensor
from autograder.grader.remote import Net
from autograder.grader.values import Returned


def dtype_name(dtype):
    return str(dtype).removeprefix("torch.")


def _first_dtype(values):
    for value in values:
        if isinstance(value, torch.Tensor) and value.is_floating_point():
            return value.dtype
    return torch.float32


def untouched(outcome, what):
    if outcome.got.modified:
        positions = ", ".join(f"#{i + 1}" for i in outcome.got.modified)
        raise Mismatch(f"{what} modified its input tensor {positions} in place; compute on copies instead")


def compare_values(got, want, what, spec, dtype, mistakes=None, offsets=None):
    tolerance = spec.tolerance(dtype)
    if isinstance(want, tuple):
        if not isinstance(got, tuple) or len(got) != len(want):
            raise Mismatch(f"{what}: expected a tuple of {len(want)} values")
        for i, (g, w) in enumerate(zip(got, want)):
            compare_values(g, w, f"{what}, output {i + 1} of {len(want)}", spec, dtype,
                           (mistakes or {}).get(i), offsets)
    elif isinstance(want, Returned):
        assert_close(got, want, what, mistakes=mistakes, offsets=offsets, **tolerance)
    else:
        assert_float_close(got, want, what, **tolerance)


def check(remote, spec, function, *args, mistakes=None, offsets=None, what=None, **kwargs):
    """Call ``function`` on both sides and require the same values and untouched inputs."""
    dtype = _first_dtype([*args, *kwargs.values()])
    what = what or function.split(".")[1]
    outcome = remote.run(function, *args, dtype=dtype_name(dtype), **kwargs)
    untouched(outcome, what)
    compare_values(outcome.got.value, outcome.want.value, what, spec, dtype, mistakes, offsets)
    return outcome


def _double(value):
    if isinstance(value, torch.Tensor) and value.is_floating_point():
        return value.double()
    return value


def values_and_float64(parts, remote, spec, function, *args, mistakes=None, offsets=None, **kwargs):
    """The two parts most checks start with: values on the drawn float32 inputs (worth 2,
    with hints), then the same inputs in float64."""
    with parts("values", 2):
        check(remote, spec, function, *args, mistakes=mistakes, offsets=offsets, **kwargs)
    with parts("float64"):
        check(remote, spec, function, *map(_double, args), **{k: _double(v) for k, v in kwargs.items()})


def check_gradients(remote, spec, function, args, names, cotangents, what=None, params=False, **kwargs):
    """Gradients of Σ output·cotangent w.r.t. the tensor arguments named in ``names``
    (those with requires_grad) and, with ``params``, the networks' parameters, must match
    the reference's."""
    dtype = _first_dtype([*args, *kwargs.values()])
    what = what or function.split(".")[1]
    outcome = remote.run(function, *args, dtype=dtype_name(dtype), cotangents=cotangents, **kwargs)
    got, want = outcome.got.grads or {}, outcome.want.grads or {}
    if "error" in got:
        raise Mismatch(f"{what}: {got['error']} (was the result detached, or built with .item() or numpy?)")
    tolerance = spec.tolerance(dtype)
    for name, g, w in zip(names, got.get("inputs", []), want["inputs"]):
        if g is None:
            raise Mismatch(f"{what}: no gradient reaches {name}")
        assert_close(g, w, f"gradient of {what} with respect to {name}", **tolerance)
    if params:
        for net, wanted in want["params"].items():
            for i, (g, w) in enumerate(zip(got.get("params", {}).get(net, []), wanted)):
                label = f"{net} parameter {i + 1}"
                if w is None:
                    if g is not None and g.array.any():
                        raise Mismatch(f"{what}: a gradient reaches the {label}, which must be held fixed "
                                       f"(compute that network's part under torch.no_grad() or detach it)")
                elif g is None:
                    raise Mismatch(f"{what}: no gradient reaches the {label}")
                else:
                    assert_close(g, w, f"gradient of {what} with respect to the {label}", **tolerance)
    return outcome


def expect_statistics(pvalue, what, description):
    """Fail when the p-value is below ALPHA (the false-fail rate of this check)."""
    if not pvalue > stats.ALPHA:
        raise Mismatch(f"{what}: samples drawn without noise argument do not follow {description} "
                       f"(exact test, p = {pvalue:.2g} < {stats.ALPHA:g}); check how the noise is drawn")


def samples_of(value, what, shape):
    """The array of a returned tensor of the given shape (for statistical checks)."""
    return expect_tensor(value, what, shape=shape).array


def well_conditioned(draw, *batch, k):
    """Random [*batch, k, k] matrices U·diag(s)·Vᵀ with singular values s in [0.5, 2], so
    that every reasonable way of inverting them is accurate in float32."""
    u = torch.linalg.qr(draw.normal(*batch, k, k, dtype=torch.float64))[0]
    v = torch.linalg.qr(draw.normal(*batch, k, k, dtype=torch.float64))[0]
    s = draw.uniform(*batch, k, low=0.5, high=2.0, dtype=torch.float64)
    return (u * s.unsqueeze(-2) @ v.mT).float()


def linear(draw, n_in, n_out, scale=0.5):
    return (draw.normal(n_out, n_in, scale=scale / n_in ** 0.5), draw.normal(n_out, scale=0.1))


def mlp(draw, name, sizes, **kwargs):
    """A tanh MLP with weights drawn for this test."""
    return Net(name, [linear(draw, a, b) for a, b in zip(sizes[:-1], sizes[1:])], **kwargs)


def vae_nets(draw, data_dim=6, latent_dim=2, hidden=8, image_shape=None):
    encoder = mlp(draw, "encoder", [data_dim, hidden, 2 * latent_dim], head="gaussian")
    decoder = mlp(draw, "decoder", [latent_dim, hidden, data_dim], out_shape=image_shape)
    return encoder, decoder


def compare_params(outcome, spec, dtype, what, nets):
    got, want = outcome.got.params or {}, outcome.want.params or {}
    tolerance = spec.tolerance(dtype)
    for net in nets:
        for i, (g, w) in enumerate(zip(got.get(net, []), want[net])):
            assert_close(g, w, f"{what}: {net} parameter {i + 1} after the step", **tolerance)
