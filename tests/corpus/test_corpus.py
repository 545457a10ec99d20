"""Do the checks discriminate? Every single-mistake variant loses points on the functions it
declares and nowhere else; every alternative correct submission gets full marks."""
import pytest

from tests.corpus.corpus import lost_functions
from tests.corpus.variants import VARIANTS, WRONG_ANSWERS_LOSE

pytestmark = pytest.mark.slow
DECLARED = {v.name: (v.must, v.must) for v in VARIANTS}
DECLARED["wrong closed-form answers"] = (WRONG_ANSWERS_LOSE, WRONG_ANSWERS_LOSE)


@pytest.fixture(scope="module")
def graded(graded_class):
    return graded_class["by_name"]


@pytest.fixture(scope="module")
def full(graded_class):
    return graded_class["full"]


def test_corpus_is_large_enough():
    assert len(DECLARED) >= 30


@pytest.mark.parametrize("name", sorted(DECLARED))
def test_variant_loses_points_on_its_functions_only(graded, name):
    must, allowed = DECLARED[name]
    lost, outputs = lost_functions(graded[name])
    assert must <= lost, f"not caught on {sorted(must - lost)}"
    assert lost <= allowed, f"also lost points on {sorted(lost - allowed)}: {[outputs[f][:300] for f in lost - allowed]}"
    for function in must:
        assert function.split(".")[1] in outputs[function] or function.startswith("answers."), outputs[function]


@pytest.mark.parametrize("name", ["distributions", "float64_inside", "rearranged", "loops_and_einsum",
                                  "self_contained", "modern_idioms", "notebook", "float32 constants", "messy"])
def test_alternative_gets_full_marks(graded, full, name):
    results = graded[name]
    lost, outputs = lost_functions(results)
    assert results["score"] == full, {f: outputs[f][:500] for f in lost}


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
