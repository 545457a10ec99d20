"""What a student reads on Gradescope for one results file, as plain text.

Gradescope shows the autograder's score, the results' output, then each test the student
may see, in the order of the tests' numbers: its number, name and score, then its output.
A test whose visibility is "hidden" is never shown to the student, so it is left out here; one
shown "after_due_date" or "after_published" is kept, as the student reads it once grades are
out.
"""
from ..grader.results import number_key

HIDDEN = "hidden"  # the test visibility Gradescope never shows a student


def points(value):
    """A score as results round it, without trailing zeros: 3, 2.4, 89.9167, 123.4567."""
    return f"{round(value, 4):.4f}".rstrip("0").rstrip(".")


def test_heading(test):
    """"1.2) sample (net.sample) (2.4/3)": a test as its heading reads."""
    return f"{test['number']}) {test['name']} ({points(test['score'])}/{points(test['max_score'])})"


def shown(results):
    """The tests of ``results`` the student sees, in Gradescope's order."""
    return sorted((test for test in results["tests"] if test.get("visibility") != HIDDEN),
                  key=lambda test: number_key(test["number"]))


def student_view(results):
    """The whole text a student reads for ``results``."""
    total = points(results["score"])
    if results["tests"]:
        total += f" / {points(sum(test['max_score'] for test in results['tests']))}"
    lines = [f"Autograder Score: {total}", "", "Autograder Output:", results["output"].rstrip(), ""]
    for test in shown(results):
        lines += [test_heading(test), test["output"].rstrip(), ""]
    return "\n".join(lines)
