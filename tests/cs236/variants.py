"""CS236's declared variants (courses/cs236-hw2/variants/variants.yaml), as the project's
tests use them to build submissions: `autograder validate` is what proves them
(tests/cs236/test_cs236.py)."""
from autograder import course as courses
from autograder.verify import variants as declared
from tests.cs236.submissions import COURSE, REFERENCE

VARIANTS = declared.load(courses.load(COURSE))
SAMPLE, LOG_NORMAL, MIXTURE = "utils.sample_gaussian", "utils.log_normal", "utils.log_normal_mixture"
GM_ELBO, GM_IWAE = "models.gmvae.GMVAE.negative_elbo_bound", "models.gmvae.GMVAE.negative_iwae_bound"


def apply(name, text=None):
    """The named variant's file, edited; over ``text`` (other edits of the same file) when given."""
    file, old, new = next(v for v in VARIANTS if v.name == name).edit
    text = (REFERENCE / file).read_text() if text is None else text
    assert text.count(old) == 1, f"{name}: the edit no longer applies"
    return text.replace(old, new)


def changed(name):
    """{file: its whole new text} of the named variant."""
    return next(v for v in VARIANTS if v.name == name).changed


def file_of(name):
    return next(v for v in VARIANTS if v.name == name).edit[0]
