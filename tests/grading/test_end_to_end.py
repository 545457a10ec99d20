"""Whole submissions through ./run_autograder: the reference, the template, broken ones."""
import concurrent.futures
import shutil

import pytest
import torch

from autograder import course as courses
from tests.grading.conftest import grade_through_run_autograder
from tests.submissions import (ROOT, assignment_file, count_tests, gradescope_limits, notebook_submission,
                               reference_submission)

pytestmark = pytest.mark.slow


def unit_level(folder):
    """Arguments that leave out the training problem (8 points; tests/training covers it),
    for tests about something else."""
    folder.mkdir(parents=True, exist_ok=True)
    return ["--assignment", str(assignment_file(folder, drop=["training"]))]


def lost(results):
    return {name for name, t in results["by_test"].items() if t["score"] < t["max_score"]}


TRAINING_LOOP = "for step in range(10**9):\n    pass\nprint('training done')"
JUNK = "raise SystemExit('this copy must never be imported')\n"
GAN_WITHOUT_ML = (ROOT / "reference" / "gan.py").read_text().split("def generator_loss_ml")[0] + "\nGENERATOR_LOSSES = {}\n"
SUBMISSIONS = {  # name: (build the folder, grade the training problem too)
    "reference": (lambda f: reference_submission(f), True),
    "template": (lambda f: shutil.copytree(ROOT / "student_template", f), True),
    "empty": (lambda f: f.mkdir(parents=True), True),
    "syntax error": (lambda f: reference_submission(f, replace={
        "divergences": "import torch\n\ndef kl_conjugate(t)\n    return torch.exp(t - 1)\n"}), False),
    "missing function, import error": (lambda f: reference_submission(f, replace={
        "iwae": "import torch\nfrom torch import no_such_name\n", "gan": GAN_WITHOUT_ML}), False),
    "notebook": (lambda f: notebook_submission(f, extra_cells=[TRAINING_LOOP, "EPOCHS = 10**9\nmodel = None"]), True),
    "__MACOSX and dotfiles": (lambda f: reference_submission(f, extra={"__MACOSX/hw3/vae.py": JUNK,
                                                                       ".hidden/iwae.py": JUNK}), False),
}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """Every submission above, graded 3 at a time; {name: results}."""
    folder = tmp_path_factory.mktemp("end-to-end")

    def one(index, name):
        build, with_training = SUBMISSIONS[name]
        submission = folder / f"sub-{index}"
        build(submission)
        args = [] if with_training else unit_level(folder / f"sub-{index}-assignment")
        # the reference's whole grading in Gradescope's 768 MB: once its held-out scoring kept
        # 570 MB of graphs in the grader, and the kernel killed the grading with no results
        wrapper = gradescope_limits(memory_only=True) if name == "reference" else ()
        return name, grade_through_run_autograder(submission, folder / f"results-{index}.json", *args,
                                                  wrapper=wrapper)

    with concurrent.futures.ThreadPoolExecutor(3) as pool:
        return dict(pool.map(lambda item: one(*item), enumerate(SUBMISSIONS)))


def test_reference_as_submitted_gets_full_marks(graded):
    results = graded["reference"]
    assert results["score"] == 100, {n: t["output"] for n, t in results["by_test"].items() if t["score"] < t["max_score"]}
    assert "Score: 100 / 100" in results["output"]
    assert "input seed: 7" in results["stdout"] and "Total: 100 / 100" in results["stdout"]


def test_template_gets_zero_and_says_not_implemented(graded):
    results = graded["template"]
    assert results["score"] == 0
    for name, test in results["by_test"].items():
        if name.startswith("answers_"):
            assert "no answer given" in test["output"] or "cannot be read" in test["output"], test["output"]
        else:
            assert "NotImplementedError" in test["output"], (name, test["output"])
    review = results["extra_data"]["review"]
    assert review["nothing_written"] and review["missing"] == [] and review["import_failed"] == {}, review


def test_empty_folder_gets_zero_with_valid_results(graded):
    results = graded["empty"]
    assert results["score"] == 0 and len(results["tests"]) == count_tests()
    assert "no file named vae.py anywhere in the submission" in results["by_test"]["elbo"]["output"]
    assert "Not found: answers.yaml" in results["output"]
    review = results["extra_data"]["review"]  # what the instructor's report flags
    assert review["missing"] == list(courses.load(None).files), review


def test_syntax_error_costs_only_that_module(graded):
    results = graded["syntax error"]
    divergence_tests = {n for n, t in results["by_test"].items() if "divergences." in t["name"]}
    assert lost(results) == divergence_tests
    message = results["by_test"]["kl_conjugate"]["output"]
    assert "SyntaxError" in message and "divergences.py, line 3" in message
    assert list(results["extra_data"]["review"]["import_failed"]) == ["divergences.py"]
    assert not results["extra_data"]["review"]["nothing_written"]
    assert results["score"] == 92 - sum(results["by_test"][n]["max_score"] for n in divergence_tests)


def test_missing_function_and_import_error_are_named(graded):
    results = graded["missing function, import error"]
    assert "ImportError: cannot import name 'no_such_name' from 'torch'" in results["by_test"]["iwae_bound"]["output"]
    assert "gan.py defines no `generator_loss_ml`" in results["by_test"]["generator_loss_ml"]["output"]


def test_notebook_of_the_reference_gets_full_marks(graded):
    results = graded["notebook"]
    assert results["score"] == 100, lost(results)
    assert "Graded the notebook homework.ipynb" in results["output"]


def test_macosx_copies_and_dotfiles_are_ignored(graded):
    assert graded["__MACOSX and dotfiles"]["score"] == 92


@pytest.mark.cuda
@pytest.mark.skipif(not torch.cuda.is_available(), reason="CUDA is not available")
def test_reference_on_cuda_gets_full_marks(grade, tmp_path):
    results = grade(reference_submission(tmp_path / "sub"), "--device", "cuda")
    assert results["score"] == 100, lost(results)
