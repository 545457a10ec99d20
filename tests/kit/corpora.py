"""Both courses' corpora as one list of submissions to compare the kit with the grader on."""
from pathlib import Path

from tests.corpus.corpus import alternative_submissions, degenerate_submissions, variant_submissions
from tests.cs236 import test_cs236
from tests.cs236.submissions import COURSE


def corpora(folder):
    """[(course, label, submission folder)]: every variant, alternative, edition and
    degenerate submission of the bundled course (course None) and of CS236."""
    folder = Path(folder)
    bundled = {**variant_submissions(folder / "bundled" / "variants"),
               **alternative_submissions(folder / "bundled" / "alternatives"),
               **degenerate_submissions(folder / "bundled" / "degenerate")}
    cs236 = test_cs236.submissions(folder / "cs236")
    seen, found = set(), []
    for course, built in ((None, bundled), (COURSE, cs236)):
        for name, path in built.items():
            if (course, path) not in seen:  # CS236 combines variants of different functions in one submission
                seen.add((course, path))
                found.append((course, name, path))
    return found
