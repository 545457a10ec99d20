"""Do the checks discriminate? The bundled course proves itself with the command any author
runs: `autograder validate` grades every declared mistake (it loses points on its functions'
tests and nowhere else) and alternative (full marks) of variants/variants.yaml. The
submissions only the engine's discovery tells apart (a messy folder, a notebook, float32
constants) are graded here, in the class export."""
import pytest

from tests.corpus.corpus import lost_functions
from tests.corpus.variants import VARIANTS
from tests.submissions import assignment_file, autograder

pytestmark = pytest.mark.slow


def test_the_course_declares_its_mistakes_and_alternatives():
    mistakes = [v for v in VARIANTS if v.kind == "mistake"]
    assert len(mistakes) >= 40 and len(VARIANTS) - len(mistakes) >= 7


def test_the_course_proves_itself_with_validate(tmp_path):
    # without the training problem, which tests/training grades (it would double the time)
    process = autograder("validate", "--assignment", assignment_file(tmp_path, drop=["training"]), timeout=1800)
    lines = [line for line in process.stdout.splitlines() if line.startswith(("ok   ", "FAIL "))]
    assert process.returncode == 0, "\n".join(line for line in lines if line.startswith("FAIL")) + process.stderr
    assert len(lines) == 4 + len(VARIANTS) and "the course grades rightly" in process.stdout
    # the trial's false fail: a correct wake_loss through Bernoulli(logits=…).log_prob reads the
    # binary images as discrete, and the float64 part no longer moves them off {0, 1}
    assert 'ok   alternative "wake_loss through torch.distributions.Bernoulli' in process.stdout


@pytest.fixture(scope="module")
def graded(graded_class):
    return graded_class["by_name"]


@pytest.mark.parametrize("name", ["notebook", "float32 constants", "messy"])
def test_alternative_gets_full_marks(graded, graded_class, name):
    results = graded[name]
    lost, outputs = lost_functions(results)
    assert results["score"] == graded_class["full"], {f: outputs[f][:500] for f in lost}


def test_the_messy_submission_says_what_it_staged(graded):
    output = graded["messy"]["output"]
    assert "Your other Python files, importable beside the graded ones: hw3/my_utils.py, hw3/scratch.py" in output
    assert "Ignored hw3/old/vae.py: hw3/vae.py is graded." in output
    assert "replaced by inert stand-ins" in output and "tensorflow" in output


def test_missing_files_cost_their_own_tests_only(graded):
    """Without iwae.py (which gmvae.py imports) and gan.py (which bigan.py imports) only their
    tests and the answers' lose points: the template's copies keep the others importing."""
    lost, outputs = lost_functions(graded["no iwae.py, no gan.py, no answers"])
    assert {f.split(".")[0] for f in lost} == {"iwae", "gan", "answers"}, sorted(lost)
    assert "iwae.py was not found" in outputs["iwae.iwae_bound"]
