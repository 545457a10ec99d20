"""Comparison messages: what a student reads when a value is wrong."""
import math
import re

import numpy as np
import pytest

from autograder.grader.compare import Mismatch, assert_close, expect_tensor
from autograder.grader.values import Foreign, Returned
from autograder.worker.closeness import allowed, matches


def returned(values, dtype="float32", device="cpu"):
    return Returned(np.asarray(values, dtype=np.float64 if dtype == "float64" else np.float32), dtype, device, False)


WANT = returned([[0.5, 1.5, -2.0], [3.0, 0.25, 1.0]])


def message(got, want=WANT, **kwargs):
    with pytest.raises(Mismatch) as info:
        assert_close(got, want, "f", rtol=1e-5, atol=1e-6, **kwargs)
    return str(info.value)


def test_equal_values_pass():
    assert_close(returned(WANT.array.copy()), WANT, "f", rtol=1e-5, atol=1e-6)


def test_factor_two_is_named():
    text = message(returned(WANT.array * 2))
    assert "off by a factor 2" in text and "6 of 6 values differ" in text and "max abs error" in text


def test_sign_and_offset_are_named():
    assert "the sign is flipped" in message(returned(-WANT.array))
    assert "off by log k" in message(returned(WANT.array + math.log(5)), offsets={"log k": math.log(5)})
    assert "off by an additive constant 0.3" in message(returned(WANT.array + 0.3))


def test_an_offset_is_got_minus_want_and_never_called_a_factor():
    """A scalar off by log 2 (a JSD without its log 2) fits a factor as well as a shift:
    only the named offset is claimed, and only with its sign."""
    want = returned(0.9)
    assert "off by log 2 (it exceeds the expected one by -0.6931)" in message(
        returned(0.9 - math.log(2)), want=want, offsets={"log 2": -math.log(2)})
    wrong_sign = message(returned(0.9 - math.log(2)), want=want, offsets={"log 2": math.log(2)})
    assert "hint" not in wrong_sign and "factor" not in wrong_sign


def test_a_result_that_ignores_its_inputs_is_named():
    assert "all zeros" in message(returned(np.zeros((2, 3))))
    assert "every value of your result is 7" in message(returned(np.full((2, 3), 7.0)))
    earlier = [(np.array(-1.132, dtype=np.float32), np.array(0.4))]
    text = message(returned(-1.132), want=returned(0.9), earlier=earlier)
    assert "the same (-1.132) for different inputs" in text and "factor" not in text


def test_transpose_is_named():
    square = returned([[1.0, 2.0], [3.0, 4.0]])
    assert "transposed" in message(returned(square.array.T), want=square)


def test_known_mistake_is_named_and_expected_values_are_not_printed_in_full():
    text = message(returned(WANT.array * 3 + 1), mistakes={"variance used as std": WANT.array * 3 + 1})
    assert "known mistake: variance used as std" in text
    assert text.count("expected") <= 2  # one worst element, never the whole tensor


def test_nan_and_inf_are_reported_with_their_possible_causes_only():
    got = WANT.array.copy()
    got[0, 1] = np.nan
    text = message(returned(got))
    assert "1 values are NaN where the expected value is finite" in text and "0/0" in text
    assert "overflow" not in text and "log-sum-exp" not in text  # NaN is no sign of an overflow
    assert "max abs error" not in text  # every wrong value is NaN: no finite error to report as 0
    got[0, 0] = np.inf
    assert "1 values are inf where the expected value is finite: something overflowed" in message(returned(got))


def test_type_dtype_device_and_shape():
    with pytest.raises(Mismatch, match="tensor subclass, NumPy array or other object is not accepted"):
        expect_tensor(Foreign("numpy.ndarray"), "f")
    assert "expected dtype float32" in message(returned(WANT.array, dtype="float64"))
    assert "expected the result on cuda" in message(returned(WANT.array), want=returned(WANT.array, device="cuda:0"))
    assert "expected shape [2, 3], got [3]" in message(returned([1.0, 2.0, 3.0]))


def test_infinities_must_match():
    want = returned([math.inf, 1.0])
    assert_close(returned([math.inf, 1.0]), want, "f", rtol=1e-5, atol=1e-6)
    with pytest.raises(Mismatch):
        assert_close(returned([-math.inf, 1.0]), want, "f", rtol=1e-5, atol=1e-6)


def test_all_zeros_is_named_not_a_factor_zero():
    text = message(returned(np.zeros((2, 3))))
    assert "your result is all zeros" in text and "factor 0" not in text


def test_one_value_everywhere_is_named():
    assert "every value of your result is 0.3" in message(returned(np.full((2, 3), 0.3)))


def test_a_constant_expected_result_is_not_called_constant():
    text = message(returned(np.full((2, 3), 2.0)), want=returned(np.full((2, 3), 1.0)))
    # twice a constant is also the constant plus itself: neither a factor nor a shift is claimed
    assert "does not depend on the inputs" not in text and "factor" not in text and "additive" not in text


def test_a_float64_part_with_nothing_to_move_is_the_courses_error():
    """Only float32 tensors, whole numbers (a 0/1 mask) or held inputs: the resolution part
    would pass a float32 computation, so it is refused as the course's mistake, not run."""
    import torch

    from autograder.course import CourseError
    from autograder.grader.checking import _telling_nudge

    mask, x = torch.tensor([0.0, 1.0], dtype=torch.float64), torch.tensor([0.3, 0.7], dtype=torch.float64)
    for args, held in (((x.float(),), ()), ((mask,), ()), ((x, mask), (0,))):
        with pytest.raises(CourseError, match="moves none of its inputs"):
            _telling_nudge(None, None, "m.f", None, args, {}, held)


def test_float32_rounding_is_not_called_an_additive_constant():
    """Regression: float32 rounding of a float64 result, under a tolerance tighter than it,
    once read "off by an additive constant 6.511e-09 everywhere" beside "29 of 60 values
    differ": a constant far inside the tolerance is no cause."""
    want = np.random.default_rng(7).uniform(-3, 3, 60)
    got = want.astype(np.float32).astype(np.float64)
    with pytest.raises(Mismatch) as info:
        assert_close(returned(got, "float64"), returned(want, "float64"), "f", rtol=1e-9, atol=1e-9)
    assert "values differ" in str(info.value) and "hint" not in str(info.value)


# the hint chooser on random errors: a hint names a cause only where the cause truly
# explains the error; a single true cause is named
DRAWS = 500
TOLERANCES = ({"rtol": 1e-4, "atol": 1e-5}, {"rtol": 1e-6, "atol": 1e-6})
TIGHT = {"rtol": 1e-8, "atol": 1e-9}  # tighter than float32 rounding: it alone differs
OFFSETS = {"log 2": math.log(2)}


def claimed(text, want):
    """The result the message's hint claims (want under the named cause) and the slack its
    four printed digits leave; None without a hint."""
    hint = text.partition("hint: ")[2]
    if not hint:
        return None
    if match := re.fullmatch(r"off by an additive constant (\S+) everywhere", hint):
        shift = float(match[1])
        return want + shift, 5e-4 * abs(shift)
    if match := re.fullmatch(r"off by a factor (\S+) everywhere", hint):
        factor = float(match[1])
        return factor * want, 5e-4 * np.abs(factor * want)
    if hint == "the sign is flipped":
        return -want, 0.0
    if match := re.fullmatch(r"your result is off by (.+) \(it exceeds the expected one by \S+\)", hint):
        return want + OFFSETS[match[1]], 0.0
    raise AssertionError(f"a hint this test does not expect: {hint}")


def truly_explains(got, want, result, slack, tolerance):
    """The claimed result gives every value within the tolerance, and wherever the values
    differ it is itself outside the tolerance (the cause is larger than the tolerance)."""
    limit = allowed(want, **tolerance)
    differ = ~matches(got, want, **tolerance)[0]
    return bool((np.abs(got - result) <= limit + slack).all() and (np.abs(result - want) > limit - slack)[differ].all())


def hint_of(got, want, tolerance):
    """The message of comparing float32 ``got`` with ``want`` (None when they match)."""
    try:
        assert_close(returned(got), returned(want), "f", offsets=OFFSETS, **tolerance)
    except Mismatch as error:
        return str(error)
    return None


def random_want(rng):
    shape = (int(rng.integers(6, 40)),) if rng.random() < 0.5 else tuple(int(n) for n in rng.integers(2, 7, 2))
    return (rng.normal(size=shape) * 10 ** rng.uniform(-1, 1)).astype(np.float32).astype(np.float64)


def random_error(rng, want, limit):
    """``got`` for one random kind of error, none of which has a single cause."""
    noise = rng.uniform(-5, 5, want.shape) * limit
    some = rng.random(want.shape) < 0.5
    factor, shift = rng.choice([-1, 1]) * rng.uniform(1.5, 4), rng.choice([-1, 1]) * rng.uniform(0.05, 3)
    kind = rng.integers(5)
    return [want + noise,                                        # pure noise
            want + rng.uniform(-1, 1, want.shape) * 1e-7 * np.abs(want),  # float32 rounding
            want + shift + noise,                                # a constant plus noise beyond the tolerance
            np.where(some, factor * want, want),                 # a factor on some values only
            factor * want + shift][kind]                         # mixed causes


def test_a_hint_names_a_cause_only_where_it_explains_every_value():
    rng = np.random.default_rng(2024)
    failed = 0
    for _ in range(DRAWS):
        tolerance = (*TOLERANCES, TIGHT)[rng.integers(len(TOLERANCES) + 1)]
        want = random_want(rng)
        got = random_error(rng, want, allowed(want, **tolerance)).astype(np.float32).astype(np.float64)
        text = hint_of(got, want, tolerance)
        if text is None:
            continue
        failed += 1
        claim = claimed(text, want)
        assert claim is None or truly_explains(got, want, *claim, tolerance), text
    assert failed > DRAWS // 2  # most draws are errors the comparison catches


def test_a_single_true_cause_is_named():
    rng = np.random.default_rng(2025)
    for _ in range(DRAWS):
        tolerance = TOLERANCES[rng.integers(len(TOLERANCES))]
        want = random_want(rng)
        kind = rng.integers(4)
        factor = rng.choice([-1, 1]) * rng.choice([rng.uniform(0.2, 0.8), rng.uniform(1.5, 4)])
        shift = rng.choice([-1, 1]) * rng.uniform(0.05, 3)
        got = np.float64(np.float32([factor * want, want + shift, -want, want + OFFSETS["log 2"]][kind]))
        text = hint_of(got, want, tolerance)
        hint = text.partition("hint: ")[2]
        if kind == 0:
            assert re.fullmatch(r"off by a factor (\S+) everywhere", hint), text
            assert math.isclose(float(hint.split()[4]), factor, rel_tol=1e-3), text
        elif kind == 1:
            assert re.fullmatch(r"off by an additive constant (\S+) everywhere", hint), text
            assert math.isclose(float(hint.split()[5]), shift, rel_tol=1e-3), text
        elif kind == 2:
            assert hint == "the sign is flipped", text
        else:
            assert hint.startswith("your result is off by log 2"), text
        assert truly_explains(got, want, *claimed(text, want), tolerance), text


def test_messages_name_a_function_by_its_name_within_its_module():
    from types import SimpleNamespace

    from autograder.grader.checking import named

    remote = SimpleNamespace(course=SimpleNamespace(modules=("utils", "models.vae")))
    assert named(remote, "models.vae.VAE.negative_elbo_bound") == "VAE.negative_elbo_bound"  # not "vae"
    assert named(remote, "utils.log_normal") == "log_normal"
    assert named(SimpleNamespace(), "vae.elbo") == "elbo"  # no course at hand
