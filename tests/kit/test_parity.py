"""The kit judges as the grader does: on the public seed, each part the kit runs gets the
grader's verdict, or none where it depends on a helper called with values the kit has no
answer for. Here on a sample of both corpora (a correct function over a wrong helper, whose
gradients the grader serves; a law; an edition; degenerate code);
`autograder validate --kit` compares every declared variant of a course."""
import pytest

from tests.corpus.corpus import alternative_submissions, degenerate_submissions
from tests.corpus.variants import named, replaced
from tests.cs236 import test_cs236
from tests.cs236.submissions import COURSE, folder_submission
from tests.cs236.variants import apply, file_of
from tests.kit.kits import disagreements
from tests.submissions import reference_submission

pytestmark = pytest.mark.slow
BUNDLED = ["variance used as the standard deviation", "the ½ missing in the Gaussian KL"]
CS236_VARIANTS = ["v used as a standard deviation in log_normal", "IWAE: tiled samples grouped as (B, iw)"]
CS236 = ["XCS edition (the submission package)", "degenerate: zeros"]
# {submission: the tests with parts the kit leaves to the grader}: the XCS edition draws its
# own noise (torch.distributions) and interleaves its samples, and the mistaken IWAE groups
# them otherwise, so their helpers get values (or gradients) the reference never gave them
LEFT_TO_GRADER = {"XCS edition (the submission package)": {
    "test_vae_negative_iwae_bound", "test_gmvae_negative_elbo_bound", "test_gmvae_negative_iwae_bound",
    "test_ssvae_negative_elbo_bound"}, "IWAE: tiled samples grouped as (B, iw)": {"test_vae_negative_iwae_bound"}}


@pytest.fixture
def kits(bundled_kit, cs236_kit):
    return {None: bundled_kit, COURSE: cs236_kit}


def bundled(folder):
    built = {name: reference_submission(folder / f"variant-{i}", replace=replaced(named(name)))
             for i, name in enumerate(BUNDLED)}
    built["distributions"] = alternative_submissions(folder / "alternatives")["distributions"]
    built["degenerate: zeros"] = degenerate_submissions(folder / "degenerate")["degenerate: zeros"]
    return built


def test_the_kit_and_the_grader_agree_on_every_part(kits, tmp_path):
    cs236 = test_cs236.submissions(tmp_path / "cs236")
    sample = [(None, name, path) for name, path in bundled(tmp_path / "bundled").items()]
    sample += [(COURSE, name, cs236[name]) for name in CS236]
    sample += [(COURSE, name, folder_submission(tmp_path / f"cs236-variant-{i}", {file_of(name): apply(name)}))
               for i, name in enumerate(CS236_VARIANTS)]
    found, left = {}, {}
    for course, name, path in sample:
        differ, unchecked = disagreements(path, course, kits[course])
        if differ:
            found[name] = differ
        if unchecked:
            left[name] = {test for test, _ in unchecked}
    assert found == {}
    assert left == LEFT_TO_GRADER
