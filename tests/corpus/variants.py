"""The bundled course's declared variants (variants/variants.yaml), as the project's tests
use them to build submissions: `autograder validate` is what proves them
(tests/corpus/test_corpus.py)."""
import re

from autograder import course as courses
from autograder.verify import variants as declared

VARIANTS = declared.load(courses.load())


def named(name):
    return next(v for v in VARIANTS if v.name == name)


def replaced(variant):
    """{module: flat source} of what ``variant`` changes, for tests.submissions.reference_submission."""
    return {file.removesuffix(".py"): re.sub(r"^from \.(\w+) import", r"from \1 import", text, flags=re.M)
            for file, text in variant.changed.items()}
