"""The engine's exact rank-sum test (against scipy's exact Mann–Whitney), the training
bands' rule, and stand-in modules for imports grading never uses."""
import importlib
import sys

import numpy as np
import pytest
from scipy.stats import mannwhitneyu

from autograder.grader import bands, stats
from autograder.worker.imports import StandIns


@pytest.mark.parametrize("shift", [0.0, 0.5, 2.0])
@pytest.mark.parametrize("sizes", [(5, 7), (24, 24)])
def test_rank_sum_pvalue_is_scipys_exact_mann_whitney(shift, sizes):
    rng = np.random.default_rng(int(shift * 10) + sizes[0])
    first, second = rng.normal(size=sizes[0]), rng.normal(size=sizes[1]) + shift
    want = mannwhitneyu(first, second, method="exact").pvalue
    assert stats.rank_sum_pvalue(first, second) == pytest.approx(want, rel=1e-9)


def test_rank_sum_pvalue_rejects_separated_and_non_finite_samples():
    assert stats.rank_sum_pvalue(np.arange(24.0), np.arange(24.0) + 100) < 1e-12
    assert stats.rank_sum_pvalue(np.array([np.nan, 1.0]), np.array([0.0, 1.0])) == 0.0


def _failure(samples, mean, cov):
    from autograder.grader.checking import Mismatch, expect_gaussian
    with pytest.raises(Mismatch) as raised:
        expect_gaussian(samples, mean, cov, "f", "N(0, 1)")
    return str(raised.value)


def test_a_failed_gaussian_test_says_what_it_saw_and_blames_the_noise_only_for_the_spread():
    """The message gives the draws' mean and spread against the law's; "the values themselves"
    for a shift (an IWAE with a closed-form KL), "the noise" only for a wrong spread."""
    rng = np.random.default_rng(3)
    draws = rng.normal(size=(200, 1))
    shifted = _failure(draws + 3.0, [0.0], [[1.0]])
    assert "over 200 draws the mean is 3.0" in shifted and "where the law predicts 0 ± 0.071" in shifted
    assert "the values themselves are off" in shifted and "how it is drawn" not in shifted
    scaled = _failure(draws * 3.0, [0.0], [[1.0]])
    assert "vary more than the law says: check how the noise is drawn" in scaled and "values themselves" not in scaled
    narrow = _failure(draws * 0.1, [0.0], [[1.0]])  # an IWAE whose log weights use the closed-form KL
    assert "vary far less than the law says, as when a term meant to be estimated" in narrow
    assert "both where the values sit and how they spread" in _failure(draws * 3.0 + 3.0, [0.0], [[1.0]])
    wide = _failure(rng.normal(size=(200, 3)) + 1.0, np.zeros(3), np.eye(3))
    assert "standard errors from the law's" in wide and "values themselves" in wide
    assert "1 of its 200 values are not finite" in _failure(np.vstack([draws[:-1], [[np.inf]]]), [0.0], [[1.0]])
    from autograder.grader.checking import expect_gaussian
    expect_gaussian(draws, [0.0], [[1.0]], "f", "N(0, 1)")  # a correct sampler passes


def test_band_rule():
    band = bands.fit_band([10.0, 11.0, 12.0, 11.0])
    assert band["mean"] == 11.0 and band["low"] < 11.0 - 5 * 0.8165 and band["high"] > 11.0 + 5 * 0.8165
    assert bands.fit_band([1.0, 2.0, 3.0], fails="low")["high"] == float("inf")
    assert bands.fit_band([1.0, 2.0, 3.0], fails="high")["low"] == float("-inf")


@pytest.fixture
def stand_ins():
    finder = StandIns(["not_installed_vision"])
    sys.meta_path.append(finder)
    yield
    sys.meta_path.remove(finder)
    for name in [n for n in sys.modules if n.startswith("not_installed_vision")]:
        del sys.modules[name]


def test_a_stand_in_imports_and_raises_only_when_used(stand_ins):
    from not_installed_vision import datasets, transforms  # noqa: F401 - what students write
    module = importlib.import_module("not_installed_vision.models.resnet")
    pipeline = transforms.Compose  # attribute chains are fine at import time
    with pytest.raises(RuntimeError, match="not available while grading"):
        pipeline([transforms.ToTensor()])
    with pytest.raises(RuntimeError, match="not_installed_vision.datasets.MNIST"):
        datasets.MNIST("data", download=True)
    assert module.__name__ == "not_installed_vision.models.resnet"


def test_an_installed_module_wins_over_its_stand_in():
    finder = StandIns(["numpy"])
    sys.meta_path.append(finder)
    try:
        assert importlib.import_module("numpy.linalg").norm is np.linalg.norm
    finally:
        sys.meta_path.remove(finder)


def test_auto_stands_in_for_what_the_submission_imports_and_nothing_else(tmp_path):
    """``stand_ins: auto``: a missing package a submission's file imports becomes inert; the
    standard library, the student's own package and a library's optional import do not."""
    stage = tmp_path / "submission"
    stage.mkdir()
    (stage / "homework_mod.py").write_text(
        "import not_installed_tensorflow as tf\nfrom not_installed_wandb.sdk import init\nLAYER = tf.keras.Dense\n")
    (stage / "homework_own.py").write_text("import homework_package_of_mine\n")
    finder = StandIns(auto=True, real=["homework_package_of_mine"], stage=str(stage) + "/")
    sys.meta_path.append(finder)
    sys.path.insert(0, str(stage))
    try:
        module = importlib.import_module("homework_mod")
        with pytest.raises(RuntimeError, match="not_installed_tensorflow is not installed here"):
            module.LAYER(3)
        assert finder.used == ["not_installed_tensorflow", "not_installed_wandb"]
        with pytest.raises(ImportError):
            importlib.import_module("homework_own")  # the student's own package is never stood in for
        with pytest.raises(ImportError):
            importlib.import_module("not_installed_optional_accelerator")  # imported here, not by the submission
    finally:
        sys.meta_path.remove(finder)
        sys.path.remove(str(stage))
        for name in [n for n in sys.modules if n.startswith(("homework_", "not_installed_"))]:
            del sys.modules[name]


def test_a_statistical_failure_says_the_law_or_the_claim_given():
    from autograder.api import Mismatch, expect_statistics

    expect_statistics(0.5, "f", "Exp(rate)")  # passes: nothing said
    with pytest.raises(Mismatch, match=r"^f: its values do not follow Exp\(rate\) \(exact test"):
        expect_statistics(0.0, "f", "Exp(rate)")
    with pytest.raises(Mismatch, match=r"^train: its losses do not fall \(exact test, p = 0 < 1e-06\); seen"):
        expect_statistics(0.0, "train", "unused", claim="its losses do not fall", evidence="seen")
