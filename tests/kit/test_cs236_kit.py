"""The CS236 student kit, tried as a student: every graded function covered (the training
runs named as the grader's), the grader's hints, a correct function over a wrong helper
reported as correct (or, where it calls the helper in a form the kit has no answer for, left
to the grader), and nothing of the solution anywhere in it."""
import ast
import shutil

import pytest

from tests.cs236.submissions import COURSE, REFERENCE, STUDENT_FILES
from tests.cs236.variants import apply
from tests.kit.kits import check, disagreements, leaks, not_required, solution_lines

pytestmark = pytest.mark.slow
STUDENT_FUNCTIONS = {"sample_gaussian", "log_normal", "log_normal_mixture", "negative_elbo_bound",
                     "negative_iwae_bound"}
LEFT = "14 points are judged only on Gradescope (vae_training, gmvae_training)."


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
    assert "  FAIL               0 of  6 pts  log_normal (utils.log_normal)" in out
    assert "hint: off by an additive constant 4.595 everywhere" in out
    assert "  ok                 8 of  8 pts  log_normal_mixture (utils.log_normal_mixture)" in out  # a wrong helper
    assert "  ok                14 of 14 pts  vae_negative_elbo_bound" in out
    assert "  FAIL               0 of 12 pts  vae_negative_iwae_bound" in out and "exact rank test" in out
    assert "Not implemented yet: gmvae_negative_elbo_bound, gmvae_negative_iwae_bound, ssvae_negative_elbo_bound." in out
    assert "3 of 8 checked here pass." in out
    assert out.rstrip().endswith("86 of 100 points checked here: 30 earned; " + LEFT)


def test_partial_credit_a_missing_method_and_each_failure_before_the_parts_it_holds_back(kit, tmp_path):
    work = homework(kit, tmp_path, {"utils.py": ["noise made on the CPU"],
                                    "models/vae.py": ["VAE: a detached nelbo (.item())"],
                                    "models/gmvae.py": ["GMVAE: no gradient to z_pre"], "models/ssvae.py": "template"})
    gmvae = work / "codebase" / "models" / "gmvae.py"
    text = gmvae.read_text()
    method = next(n for n in ast.walk(ast.parse(text)) if getattr(n, "name", None) == "negative_iwae_bound")
    lines = text.splitlines()
    gmvae.write_text("\n".join(lines[:method.lineno - 1] + lines[method.end_lineno:]) + "\n")
    process = check(work)
    out = process.stdout
    assert process.returncode == 1, out + process.stderr
    assert "  FAIL              6.86 of  8 pts  sample_gaussian (utils.sample_gaussian)" in out
    assert "failed (noise on the input's device (run on a device other than the CPU)): sample_gaussian: on a GPU" in out
    assert "  FAIL              9.33 of 12 pts  gmvae_negative_elbo_bound" in out
    assert "  not implemented      0 of 10 pts  gmvae_negative_iwae_bound" in out
    assert "models/gmvae.py defines no `GMVAE.negative_iwae_bound`" in out
    vae = out[out.index("vae_negative_elbo_bound"):out.index("vae_negative_iwae_bound")]
    assert vae.index("failed (values with q(z|x) = p(z)") < vae.index("held but not counted"), vae
    assert "meta-device" not in out and "part(s)" not in out
    assert "Not implemented yet: gmvae_negative_iwae_bound, ssvae_negative_elbo_bound." in out
    assert out.rstrip().endswith("86 of 100 points checked here: 42.19 earned; " + LEFT)


def test_the_reference_passes(kit, tmp_path):
    left_out = not_required(kit)
    assert {"sympy", "nbformat", "tqdm", "matplotlib"} <= set(left_out)  # this course takes no notebook
    process = check(homework(kit, tmp_path, {}), without=left_out)  # the kit runs on its requirements alone
    assert process.returncode == 0, process.stdout + process.stderr
    assert "8 of 8 checked here pass." in process.stdout and "Your other Python files" not in process.stdout
    assert process.stdout.rstrip().endswith("86 of 100 points checked here: 86 earned; " + LEFT)


def test_a_model_calling_a_wrong_helper_in_a_form_the_reference_never_used_is_left_to_the_grader(kit, tmp_path):
    """The VAE's prior expanded to z's shape (the reference passes it as (1,)): where z's
    mean is 0 that call holds the values of one the reference made, and the kit answers it;
    elsewhere (and in the backward pass) only the grader has the answer, so those parts are
    not checked here, never failed over the student's own wrong ``log_normal``."""
    work = homework(kit, tmp_path, {"utils.py": ["the ½ missing in log_normal"]})
    vae = work / "codebase" / "models" / "vae.py"
    vae.write_text(vae.read_text().replace("ut.log_normal(z, self.z_prior_m, self.z_prior_v)",
                                           "ut.log_normal(z, self.z_prior_m.expand_as(z), self.z_prior_v.expand_as(z))"))
    out = check(work).stdout
    assert "  FAIL               0 of  6 pts  log_normal (utils.log_normal)" in out
    iwae = out[out.index("vae_negative_iwae_bound"):out.index("gmvae_negative_elbo_bound")]
    assert "  ok                12 of 12 pts  vae_negative_iwae_bound" in out, iwae
    assert "1 part only the grader judges (iw = 1: the law of −log w" in iwae
    assert "depends on your `log_normal` called with arguments the kit has no answer for, so only the grader can " \
           "check it; make sure `log_normal` itself passes here, or submit to see" in iwae
    differ, unchecked = disagreements(work, COURSE, kit)
    assert differ == []  # the grader fails log_normal's parts as the kit does, and gives the IWAE full marks
    assert sorted(part for test, part in unchecked if test == "test_vae_negative_iwae_bound") == [
        "gradients reach the encoder and the decoder",
        "iw = 1: the law of −log w over 24 calls with q(z|x) = N(m(x), I) and a decoder linear in z (exact test)"]
    assert {test for test, _ in unchecked} == {"test_vae_negative_iwae_bound"}
