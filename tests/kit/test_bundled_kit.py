"""The bundled course's student kit: the grader's own checks on the public seed, every graded
function covered or named as the grader's, an honest summary, and nothing of the solution."""
import ast
import shutil

import pytest
import yaml

from autograder.kit.build import KIT
from autograder.kit.record import PUBLIC_SEED, Record
from autograder.kit.selfcheck import count
from tests.corpus.variants import named, replaced
from tests.kit.kits import check, leaks, not_required, solution_lines, unpacked_kit
from tests.submissions import MODULES, REFERENCE, ROOT, autograder, flat_source

pytestmark = pytest.mark.slow
CHECKED = 38  # tests the kit runs: all but the answers (the key stays with the grader) and two trainings
LEFT = ("9 points are judged only on Gradescope (answers_divergences, answers_objectives, answers_aevb_gradients, "
        "answers_receptive_fields, aevb_training, wake_sleep_training).")


@pytest.fixture
def kit(bundled_kit):
    return bundled_kit


def solved(kit, tmp_path, replace=None, answers=True):
    work = tmp_path / "work"
    shutil.copytree(kit, work)
    for module in MODULES:
        (work / f"{module}.py").write_text((replace or {}).get(module, flat_source(module)))
    if answers:
        shutil.copy(REFERENCE / "answers.yaml", work / "answers.yaml")
    return work


def test_the_kit_holds_no_solution_line_no_reference_module_and_no_answer(kit):
    assert (kit / "ASSIGNMENT.md").is_file()  # the handout is a text of the kit: searched below like the others
    secrets = solution_lines(REFERENCE)
    assert len(secrets) > 80
    assert leaks(kit, secrets) == {}
    references = {(REFERENCE / f"{m}.py").read_text() for m in MODULES}
    assert not [p for p in kit.rglob("*.py") if p.read_text() in references]
    assert not (kit / KIT / "course" / "reference").exists()

    def leaves(tree):
        return [v for value in tree.values() for v in (leaves(value) if isinstance(value, dict) else [value])]
    answers = [str(a) for a in leaves(yaml.safe_load((REFERENCE / "answers.yaml").read_text())) if len(str(a)) > 4]
    assert leaks(kit, answers) == {}


def test_every_graded_function_is_checked_or_named(kit):
    readme = (kit / "README.md").read_text()
    manifest = yaml.safe_load((ROOT / "course.yaml").read_text())
    tests = {t: spec for p in manifest["problems"] for t, spec in p["tests"].items()}
    left = Record.load_left_out(kit / KIT / "course" / "record")
    assert set(left) == {t for t in tests if t.startswith("test_answers")} | {"test_aevb_training",
                                                                              "test_wake_sleep_training"}
    assert len(tests) - len(left) == CHECKED
    for test, spec in tests.items():
        assert f"- {test.removeprefix('test_')} (" in readme and count(spec["points"], "point") in readme


def test_the_template_is_reported_not_implemented(kit):
    process = check(kit)
    assert process.returncode == 1, process.stdout + process.stderr
    assert f"0 of {CHECKED} checked here pass." in process.stdout
    assert "91 of 100 points checked here: 0 earned; " + LEFT in process.stdout
    assert "  not implemented   0 of 3 pts  sample_gaussian (vae.sample_gaussian)" in process.stdout
    assert "  not checked here       2 pts  aevb_training (wake_sleep.aevb_step)" in process.stdout
    assert "Answers missing or blank: parallel_lines.kl_pq" in process.stdout
    assert "Every check" not in process.stdout


def test_the_reference_passes_and_exits_0_but_is_not_told_all_pass(kit, tmp_path):
    left_out = not_required(kit)
    assert {"sympy", "tqdm", "matplotlib"} <= set(left_out) and "nbformat" not in left_out
    process = check(solved(kit, tmp_path), without=left_out)  # the kit runs on its requirements alone
    assert process.returncode == 0, process.stdout + process.stderr
    assert f"{CHECKED} of {CHECKED} checked here pass." in process.stdout
    assert "Every check run here passes, but not everything is checked here." in process.stdout
    assert process.stdout.rstrip().endswith("91 of 100 points checked here: 91 earned; " + LEFT)
    assert "Answers missing" not in process.stdout and "Your other Python files" not in process.stdout


def test_a_function_class_or_method_missing_from_a_file_is_not_implemented(kit, tmp_path):
    def without(module, name):
        text = flat_source(module)
        node = next(n for n in ast.parse(text).body if getattr(n, "name", None) == name)
        lines = text.splitlines()
        return "\n".join(lines[:min([d.lineno for d in node.decorator_list] + [node.lineno]) - 1]
                         + lines[node.end_lineno:]) + "\n"
    process = check(solved(kit, tmp_path, {"vae": without("vae", "kl_diag_gaussians"),
                                           "divergences": without("divergences", "kl_conjugate"),
                                           "pixelcnn": without("pixelcnn", "MaskedConv2d")}))
    out = process.stdout
    assert process.returncode == 1, out + process.stderr
    for label, missing in (("kl_diag_gaussians (vae.kl_diag_gaussians)", "vae.py defines no `kl_diag_gaussians`"),
                           ("kl_conjugate (divergences.kl_conjugate)", "divergences.py defines no `kl_conjugate`"),
                           ("masked_conv2d (pixelcnn.MaskedConv2d)", "pixelcnn.py defines no `MaskedConv2d`")):
        line = next(line for line in out.splitlines() if line.endswith(label))
        assert line.lstrip().startswith("not implemented   0 of") and missing in out, out
    assert "Not implemented yet: kl_diag_gaussians, masked_conv2d, kl_conjugate." in out
    assert "AttributeError" not in out


def test_a_helper_mistake_fails_its_own_check_only_with_the_graders_hint(kit, tmp_path):
    variant = named("the ½ missing in the Gaussian KL")
    process = check(solved(kit, tmp_path, replaced(variant)))
    assert process.returncode == 1
    failing = {line.split(" pts  ")[1].split()[0] for line in process.stdout.splitlines() if line.startswith("  FAIL")}
    assert failing == {f.split(".")[1] for f in variant.loses}, process.stdout  # elbo, over it, keeps its points
    assert "hint: off by a factor 2" in process.stdout, process.stdout


def test_a_filter_runs_one_function_and_one_that_matches_nothing_is_an_error(kit, tmp_path):
    process = check(kit, "-k", "kl_standard", cwd=tmp_path)  # from another folder: the kit's own files
    assert process.returncode == 1 and "kl_standard_normal (vae.kl_standard_normal)" in process.stdout
    assert "0 of 1 checked here pass" in process.stdout and "sample_gaussian" not in process.stdout
    process = check(kit, "-k", "no_such_function")
    assert process.returncode == 2 and "no check's name or function contains 'no_such_function'" in process.stderr


def test_the_help_names_the_course_and_its_functions(kit):
    process = check(kit, "--help")
    assert process.returncode == 0 and "Deep generative models" in process.stdout
    assert "vae.kl_standard_normal" in process.stdout and str(PUBLIC_SEED) not in process.stdout


def test_a_hidden_test_is_not_recorded_and_is_named(tmp_path):
    hidden = tmp_path / "assignment.yaml"
    hidden.write_text((ROOT / "course.yaml").read_text().replace(
        "test_kl_standard_normal: {points: 3,", "test_kl_standard_normal: {visibility: hidden, points: 3,"))
    kit = unpacked_kit(tmp_path, assignment=hidden)
    record = Record.load(kit / KIT / "course" / "record")
    assert "hidden by the course staff" in record.left_out["test_kl_standard_normal"]
    assert not [a for a, _ in record.answers.values() if "kl_standard_normal" in str(a)]
    assert "kl_standard_normal (vae.kl_standard_normal): 3 points; hidden" in (kit / "README.md").read_text()


def test_autograder_check_is_the_kits_check(tmp_path):
    shutil.copytree(ROOT / "student_template", tmp_path / "template")
    process = autograder("check", tmp_path / "template", "-k", "kl_")
    assert process.returncode == 1, process.stdout + process.stderr
    assert "0 of 5 checked here pass" in process.stdout  # the five with "kl_" in their names
