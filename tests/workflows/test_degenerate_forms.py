"""The degenerate submissions `validate` grades: every graded function of every course is
rewritten, package layouts included (a form that changed nothing would prove nothing)."""
import ast

import pytest

from autograder import course as courses
from autograder.grader import assignment as assignment_file
from autograder.workflows.validate import DEGENERATE, degenerate
from tests.submissions import ROOT


@pytest.mark.parametrize("folder", [ROOT, ROOT / "courses" / "cs236-hw2", ROOT / "tests" / "courses" / "tiny"])
@pytest.mark.parametrize("form", sorted(DEGENERATE))
def test_every_graded_function_returns_the_degenerate_form(folder, form, tmp_path):
    course = courses.load(folder)
    functions = assignment_file.load(course.manifest, course).graded_functions()
    degenerate(course, functions, DEGENERATE[form], tmp_path)
    rewritten = set()
    for module, file in zip(course.modules, course.files):
        tree = ast.parse((tmp_path / course.template_file(file).relative_to(course.template)).read_text())
        for node in ast.walk(tree):
            body = getattr(node, "body", None)
            if isinstance(node, ast.FunctionDef) and len(body) == 1 and isinstance(body[0], ast.Return):
                rewritten.add(node.name)
    wanted = {name.rsplit(".", 1)[1] for name in functions}
    assert wanted <= rewritten | {"MaskedConv2d"}  # a class: the template's, it has no first argument to echo
