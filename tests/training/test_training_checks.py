"""The training checks: the reference passes them; step functions that do not train fail
them; mistakes a single step shows fail the one-step checks, where they belong."""
import pytest

from checks import training
from autograder.data import mnist
from tests.corpus.corpus import grade_all
from tests.submissions import assignment_file, reference_submission
from tests.training.mutants import MUTANTS, source

pytestmark = pytest.mark.slow
PROBLEMS = ("wake_sleep", "gan", "bigan", "training")


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    folder = tmp_path_factory.mktemp("training")
    submissions = {"reference": reference_submission(folder / "reference")}
    for i, mutant in enumerate(MUTANTS):
        submissions[mutant.name] = reference_submission(folder / f"mutant-{i}", replace={mutant.module: source(mutant)})
    return grade_all(submissions, folder, assignment=assignment_file(folder, keep=PROBLEMS))


def failing(results):
    return {t["name"].split(" ")[0] for t in results["tests"] if t["score"] < t["max_score"]}


def test_reference_passes_every_training_check(graded):
    assert not failing(graded["reference"]), {t["name"]: t["output"] for t in graded["reference"]["tests"]}


@pytest.mark.parametrize("mutant", MUTANTS, ids=[m.name for m in MUTANTS])
def test_mutants_fail_the_checks_that_concern_them(graded, mutant):
    lost = failing(graded[mutant.name])
    must = {name.split(".")[1] + ("_training" if name.startswith("training.") else "") for name in mutant.must}
    allowed = must | {name.split(".")[1] + ("_training" if name.startswith("training.") else "") for name in mutant.may}
    assert must <= lost <= allowed, (lost, {t["name"]: t["output"][:400] for t in graded[mutant.name]["tests"]})


def test_a_training_failure_says_how_far_off_it_is(graded):
    output = next(t["output"] for t in graded["aevb_step climbs the loss"]["tests"] if "aevb_training" in t["name"])
    assert "held-out L_100 is" in output and "pass mark is" in output and "reference's own step reaches" in output


def test_calibration_covers_every_check_with_enough_runs():
    bands = training.calibration()
    assert set(bands) == {"test_aevb_training", "test_wake_sleep_training", "test_gan_training", "test_bigan_training"}
    for statistics in bands.values():
        for band in statistics.values():
            assert band.runs >= 20 and band.low < band.mean < band.high


def test_committed_subset_is_binarized_mnist_with_every_digit():
    x, y, xh, yh = mnist.load_subset(training.SUBSET)
    assert x.shape == (2000, 784) and xh.shape == (500, 784)
    assert set(x.ravel().tolist()) == {0.0, 1.0} and 0.1 < x.mean() < 0.2
    assert sorted(set(y.tolist())) == list(range(10)) and sorted(set(yh.tolist())) == list(range(10))
