"""The engine's fixed wordings that the report reads, each matched here and nowhere else.

A failed test's output is text the student reads: the report groups failures by what it
says. Everything else the report needs it reads from the results' structured data (each
test's parts, the grading's provenance and what it recorded for review). Each wording below
names the place in the engine that writes it, so that a change of wording there is a change
here too.
"""

# grader/parts.py, Parts.report: the line of a failed part, "failed (part, part): message"
FAILED_PARTS = "failed ("

# grader/compare.py (and the checks' own hints): a hint line under a failure, "hint: ..."
HINT = "hint:"

# grader/plugin.py, GradescopePlugin.pytest_runtest_logfinish: what the student's code
# printed during a test follows this line in the test's output
STUDENT_OUTPUT = "\n\nOutput of your code during this test:\n"


def student_output_removed(output):
    """A test's output without what the student's code printed during it."""
    return output.split(STUDENT_OUTPUT, 1)[0]
