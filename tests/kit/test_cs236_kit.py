"""The CS236 student kit, tried as a student: every graded function covered (the training
runs named as the grader's), the grader's hints, a correct function over a wrong helper
reported as correct, and nothing of the solution anywhere in it."""
import ast
import shutil

import pytest

from tests.cs236.submissions import REFERENCE, STUDENT_FILES
from tests.cs236.variants import apply
from tests.kit.kits import check, leaks, solution_lines

pytestmark = pytest.mark.slow
STUDENT_FUNCTIONS = {"sample_gaussian", "log_normal", "log_normal_mixture", "negative_elbo_bound",
                     "negative_iwae_bound"}


@pytest.fixture
def kit(cs236_kit):
    return cs236_kit


def implemented(path):
    """Student functions that ``path`` defines with a body other than the template's stub."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.FunctionDef) and node.name in STUDENT_FUNCTIONS:
            body = node.body[-1]
            stub = isinstance(body, ast.Raise) and "NotImplementedError" in ast.unparse(body)
            found += [] if stub else [node.name]
    return found


def homework(kit, tmp_path, edits):
    """The kit with the reference's files in, each edited by the named variants."""
    work = tmp_path / "work"
    shutil.copytree(kit, work)
    for file in STUDENT_FILES:
        if edits.get(file) == "template":
            continue
        text = (REFERENCE / file).read_text()
        for name in edits.get(file, ()):
            text = apply(name, text)
        (work / "codebase" / file).write_text(text)
    return work


def test_the_kit_implements_no_student_function_and_holds_no_solution_line(kit):
    for path in kit.rglob("*.py"):
        assert implemented(path) == [], path
    secrets = solution_lines(REFERENCE)
    assert len(secrets) > 20
    assert leaks(kit, secrets) == {}


def test_a_student_with_two_mistakes_and_three_functions_to_go(kit, tmp_path):
    work = homework(kit, tmp_path, {"utils.py": ["the 2π term missing"],
                                    "models/vae.py": ["IWAE: tiled samples grouped as (B, iw)"],
                                    "models/gmvae.py": "template", "models/ssvae.py": "template"})
    process = check(work)
    out = process.stdout
    assert process.returncode == 1, out + process.stderr
    assert "  FAIL                 6 pts  log_normal (utils.log_normal)" in out
    assert "hint: off by an additive constant 4.595 everywhere" in out
    assert "  ok                   8 pts  log_normal_mixture (utils.log_normal_mixture)" in out  # over the wrong helper
    assert "  ok                  14 pts  vae_negative_elbo_bound" in out
    assert "  FAIL                12 pts  vae_negative_iwae_bound" in out and "exact rank test" in out
    assert "Not implemented yet: gmvae_negative_elbo_bound, gmvae_negative_iwae_bound, ssvae_negative_elbo_bound." in out
    assert "Not checked here (14 points; Gradescope checks them): vae_training, gmvae_training." in out
    assert "3 of 8 checked here pass (30 of 86 points)." in out


def test_the_reference_passes(kit, tmp_path):
    process = check(homework(kit, tmp_path, {}))
    assert process.returncode == 0, process.stdout + process.stderr
    assert "8 of 8 checked here pass (86 of 86 points)." in process.stdout
