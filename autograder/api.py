"""The course API: everything a course's checks and calibration scripts use of the engine,
and nothing else. Course code imports only this module (a test enforces it); its
reference, with examples from both courses, is docs/api.md.

A check is a pytest function in the course's ``checks/`` folder, listed in the manifest
with its points. It takes fixtures:

- ``grader`` (``Grader``): this test's parts and their points, calls of the submission and
  the reference, comparisons with this test's tolerances and time limit;
- ``draw`` (``Draw``): inputs drawn from the secret seed and the test's id;
- ``metric``: ``metric(name, value)`` records a value for a leaderboard entry;
- ``answer_verdicts``: {key: (correct, message)} of the submission's answers file.

Example (tests/courses/tiny)::

    def test_log_sigmoid(grader, draw):
        x = draw.normal(6, 5, scale=4.0)
        grader.values_and_float64("logistic.log_sigmoid", x,
                                  mistakes={"log(1 + exp(−x)) without the minus sign": -F.softplus(x)})
        with grader.part("stable at x = ±200", needs="values"):
            grader.check("logistic.log_sigmoid", 200.0 * torch.sign(x))
"""
from .data.mnist import load_idx_folder as load_mnist_folder, load_subset as load_mnist_subset
from .grader.bands import Band, calibrate, fit_band, read_bands
from .grader.calls import Net, Opt, StudentError
from .grader.checking import expect_fresh_draws, expect_gaussian, expect_gaussian_draws, expect_statistics, samples_of
from .grader.compare import Mismatch, assert_close, expect_tensor
from .grader.draw import Draw
from .grader.handle import Grader
from .grader.reference import Reference
from .grader.stats import ALPHA, bonferroni, chi2_pvalue, fresh_draws_pvalue, gaussian_pvalue, rank_sum_pvalue
from .worker.closeness import matches

__all__ = [
    # fixtures' types
    "Grader", "Draw",
    # what a call can carry besides tensors and numbers
    "Net", "Opt",
    # comparing, and failing with a message
    "Mismatch", "assert_close", "expect_tensor", "matches", "StudentError",
    # exact statistical tests (false-fail rate ALPHA per part)
    "ALPHA", "bonferroni", "chi2_pvalue", "gaussian_pvalue", "fresh_draws_pvalue", "rank_sum_pvalue",
    "expect_statistics", "expect_gaussian", "expect_fresh_draws", "expect_gaussian_draws", "samples_of",
    # training checks: pass bands calibrated from reference runs
    "Band", "fit_band", "read_bands", "calibrate", "Reference",
    # data
    "load_mnist_subset", "load_mnist_folder",
]
