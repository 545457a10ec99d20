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
                                  "self_contained", "modern_idioms", "notebook", "float32 constants"])
def test_alternative_gets_full_marks(graded, full, name):
    results = graded[name]
    lost, outputs = lost_functions(results)
    assert results["score"] == full, {f: outputs[f][:500] for f in lost}
