"""The bundled course's student kit: the grader's own checks on the public seed, every graded
function covered or named as the grader's, an honest summary, and nothing of the solution."""
import shutil

import pytest
import yaml

from autograder.kit.build import KIT
from autograder.kit.record import PUBLIC_SEED, Record
from tests.corpus.variants import named, replaced
from tests.kit.kits import check, leaks, solution_lines, unpacked_kit
from tests.submissions import MODULES, REFERENCE, ROOT, autograder, flat_source

pytestmark = pytest.mark.slow
CHECKED = 38  # tests the kit runs: all but the answers (the key stays with the grader) and two trainings


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
        assert f"- {test.removeprefix('test_')} (" in readme and f"{spec['points']:g} points" in readme


def test_the_template_is_reported_not_implemented(kit):
    process = check(kit)
    assert process.returncode == 1, process.stdout + process.stderr
    assert f"0 of {CHECKED} checked here pass (0 of 91 points)." in process.stdout
    assert "not implemented      3 pts  sample_gaussian (vae.sample_gaussian)" in process.stdout
    assert "not checked here     2 pts  aevb_training (wake_sleep.aevb_step)" in process.stdout
    assert "Answers missing or blank: parallel_lines.kl_pq" in process.stdout
    assert "Every check" not in process.stdout


def test_the_reference_passes_and_exits_0_but_is_not_told_all_pass(kit, tmp_path):
    process = check(solved(kit, tmp_path))
    assert process.returncode == 0, process.stdout + process.stderr
    assert f"{CHECKED} of {CHECKED} checked here pass (91 of 91 points)." in process.stdout
    assert "Every check run here passes, but not everything is checked here." in process.stdout
    assert "Not checked here (9 points; Gradescope checks them): answers_divergences" in process.stdout
    assert "Answers missing" not in process.stdout


def test_a_helper_mistake_fails_its_own_check_only_with_the_graders_hint(kit, tmp_path):
    variant = named("the ½ missing in the Gaussian KL")
    process = check(solved(kit, tmp_path, replaced(variant)))
    assert process.returncode == 1
    failing = {line.split()[3] for line in process.stdout.splitlines() if line.startswith("  FAIL")}
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
