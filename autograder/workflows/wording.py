"""The engine's fixed wordings that the report reads, each matched here and nowhere else.

A results file says some things only in text: that a graded module failed to import, that
a module of the student's own was stood in for, that the time budget ran out. Where a
results file carries structured data (each test's parts, the grading's provenance, an empty
list of tests for a grading that failed), the report reads that instead. Each wording below
names the place in the engine that writes it, so that a change of wording there is a change
here too.
"""
import re

# grader/parts.py, Parts.report: the line of a failed part, "failed (part, part): message"
FAILED_PARTS = "failed ("

# grader/compare.py (and the checks' own hints): a hint line under a failure, "hint: ..."
HINT = "hint:"

# grader/plugin.py, GradescopePlugin.pytest_runtest_logfinish: what the student's code
# printed during a test follows this line in the test's output
STUDENT_OUTPUT = "\n\nOutput of your code during this test:\n"

# grader/remote.py, Remote._import, words why a graded module did not import ("importing
# hw/vae.py failed: SyntaxError ..." or "importing hw/vae.py stopped the worker: ...");
# grader/runner.py, _summary, puts it in the results' output as "vae.py: <that reason>"
IMPORT_FAILED = re.compile(r"^\S+\.py: importing .+? (?:failed|stopped the worker): .*$", re.M)

# grader/remote.py, Remote.stood_in_own: a module of the student's own (not graded) that
# raised when imported, replaced by an inert stand-in
OWN_STOOD_IN = re.compile(r"^.+ when it was imported; it is not graded, so an inert stand-in replaced it.*$",
                          re.M)

# grader/budget.py, Budget.ran_out: the whole output of a test the time budget left ungraded
BUDGET_RAN_OUT = "Not graded: the grading's time budget ("

# grader/runner.py, _summary: the line saying that errors of the course's own checks cost
# points (the student is told that course staff will regrade)
COURSE_ERRORS = re.compile(r"^\d+ error\(s\) of the autograder itself .*$", re.M)


def student_output_removed(output):
    """A test's output without what the student's code printed during it."""
    return output.split(STUDENT_OUTPUT, 1)[0]


def import_failures(output):
    """The summary's lines on graded modules that did not import, whole."""
    return IMPORT_FAILED.findall(output)


def own_modules_stood_in(output):
    """The summary's lines on the student's own modules replaced by stand-ins, whole."""
    return OWN_STOOD_IN.findall(output)


def course_errors(output):
    """The summary's line on errors of the course's checks, if any."""
    return COURSE_ERRORS.findall(output)


def budget_ran_out(test):
    """Whether the time budget ran out before ``test`` (a results record) was graded."""
    return test.get("output", "").startswith(BUDGET_RAN_OUT)
