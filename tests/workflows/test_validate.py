"""`autograder validate` and `build`: a course that would grade wrongly never ships, and an
error of the course's own code is reported as the course's, with its file and line."""
import json
import os
import shutil

import pytest

from autograder.sandbox import policy
from tests.submissions import autograder

pytestmark = pytest.mark.slow
TINY = __import__("pathlib").Path(__file__).resolve().parent.parent / "courses" / "tiny"


@pytest.fixture
def course(tmp_path):
    folder = tmp_path / "tiny"
    shutil.copytree(TINY, folder, ignore=shutil.ignore_patterns("__pycache__"))
    return folder


def test_a_sound_course_validates_and_builds(course, tmp_path):
    process = autograder("build", "--course", course, "--output", tmp_path / "autograder.zip")
    assert process.returncode == 0, process.stdout + process.stderr
    for line in ("ok   reference → full marks → 14 / 14", "ok   template → 0 → 0 / 14", "ok   zeros → 0 → 0 / 14",
                 "ok   echo → 0 → 0 / 14", 'ok   alternative "the coupling with torch.where on the mask (reads it as '
                 'boolean)" → full marks → 14 / 14', 'ok   mistake "the coupling computed in float32 and cast back" → '
                 "loses coupling.affine_coupling → lost coupling.affine_coupling", "the course grades rightly"):
        assert line in process.stdout, process.stdout
    assert (tmp_path / "autograder.zip").exists()


def cgroups_here():
    """Whether this machine lets a grading be held to a memory cgroup (root, a writable tree)."""
    made = policy.grading_cgroups(f"agtest-{os.getpid()}", 512)
    policy.remove_cgroups(made)
    return bool(made)


def test_the_reference_is_graded_within_the_platforms_memory_or_the_course_fails(course):
    """validate grades the reference within the manifest's grading_memory_mb (default 768 MB,
    Gradescope's container), the grader and its worker together: once the bundled reference's
    held-out scoring kept 570 MB of graphs, and Gradescope's kernel killed its whole grading."""
    if not cgroups_here():
        pytest.skip("no memory cgroup this machine lets the tests write")
    process = autograder("validate", "--course", course, "--only", "reference")
    assert "ok   reference → full marks → 14 / 14; peak " in process.stdout, process.stdout
    manifest = course / "course.yaml"
    manifest.write_text(manifest.read_text() + "grading_memory_mb: 256\n")  # two processes that import torch need more
    process = autograder("validate", "--course", course, "--only", "reference")
    line = next(line for line in process.stdout.splitlines() if " reference → " in line)
    assert process.returncode == 1 and line.startswith("FAIL reference → full marks → "), process.stdout
    assert "its grading reached the 256 MB a grading has (grading_memory_mb)" in line, line
    # the worker's message names the limit that held, the grading's, not its own 1024 MB
    assert "killed when the memory of the whole grading ran out" in process.stdout, process.stdout


def test_a_check_that_does_not_import_stops_the_build_naming_file_and_line(course, tmp_path):
    check = course / "checks" / "test_tiny.py"
    check.write_text(check.read_text().replace("def test_answers(grader, answer_verdicts):",
                                               "def test_answers(grader, answer_verdicts)"))
    process = autograder("build", "--course", course, "--output", tmp_path / "autograder.zip")
    assert process.returncode == 1 and not (tmp_path / "autograder.zip").exists()
    assert "course error: checks/test_tiny.py does not import: SyntaxError" in process.stdout
    assert "(line 51)" in process.stdout, process.stdout
    assert "no zip written" in process.stderr


def test_a_check_that_raises_is_the_courses_error_not_the_students(course, tmp_path):
    check = course / "checks" / "test_tiny.py"
    check.write_text(check.read_text().replace('    with grader.part("gradients"):\n',
                                               '    grader.no_such_method()\n    with grader.part("gradients"):\n'))
    results = tmp_path / "results.json"
    reference = shutil.copytree(course / "reference" / "toolkit", tmp_path / "hw" / "toolkit")
    shutil.copy(course / "reference" / "answers.yaml", reference.parent / "answers.yaml")
    graded = autograder("grade", reference.parent, "--course", course, "--results", results)
    output = json.loads(results.read_text())["tests"][0]["output"]
    assert "could not finish this test" in output and "not of your submission" in output
    assert "no_such_method" not in output  # the traceback is for staff: the log has it
    assert "COURSE ERROR" in graded.stdout and "checks/test_tiny.py, line 17" in graded.stdout
    assert autograder("validate", "--course", course).returncode == 1


def test_a_grading_that_ends_its_process_fails_alone_and_the_others_are_graded(course):
    check = course / "checks" / "test_tiny.py"
    check.write_text(check.read_text().replace("    x = draw.normal(6, 5, scale=4.0)\n", (
        "    x = draw.normal(6, 5, scale=4.0)\n"
        "    try:  # the check ends its grading's process, for the mistake alone: its log σ(1) = −log(1 + e)\n"
        "        ended = samples_of(grader.run_student('logistic.log_sigmoid', torch.ones(1)).value, 'x', (1,))[0] < -1\n"
        "    except AssertionError:\n"
        "        ended = False\n"
        "    if ended:\n"
        "        __import__('os')._exit(3)\n"), 1))
    process = autograder("validate", "--course", course, "-j", "2")
    assert process.returncode == 1
    failed = [line for line in process.stdout.splitlines() if line.startswith("FAIL")]
    assert failed == ['FAIL mistake "log σ(x) as −softplus(x) (the minus sign of −x dropped)" → loses '
                      'logistic.log_sigmoid → no verdict: its process failed (exit 3): no output'], process.stdout
    assert sum(line.startswith("ok") for line in process.stdout.splitlines()) >= 8


def test_a_course_below_another_projects_pytest_settings_is_graded_without_them(course, tmp_path):
    # pytest takes the settings of a project above the folder it runs in: the bundled course's
    # checks took this project's pyproject.toml, which the Gradescope zip ships
    (tmp_path / "pyproject.toml").write_text('[tool.pytest.ini_options]\naddopts = "--no-such-option"\n')
    results = tmp_path / "results.json"
    reference = shutil.copytree(course / "reference" / "toolkit", tmp_path / "hw" / "toolkit")
    shutil.copy(course / "reference" / "answers.yaml", reference.parent / "answers.yaml")
    graded = autograder("grade", reference.parent, "--course", course, "--results", results)
    assert json.loads(results.read_text())["score"] == 14, graded.stdout


def test_a_reference_below_full_marks_or_a_template_above_zero_fails(course):
    sampling = course / "reference" / "toolkit" / "dist" / "sampling.py"
    sampling.write_text(sampling.read_text().replace("-torch.log(u.clamp_min(TINY)) / rate", "-torch.log(u.clamp_min(TINY)) * rate"))
    template = course / "student_template" / "toolkit" / "logistic.py"
    shutil.copy(course / "reference" / "toolkit" / "logistic.py", template)  # a template that solves it
    process = autograder("validate", "--course", course)
    assert process.returncode == 1
    assert "FAIL reference → full marks → " in process.stdout
    assert "sample_exponential (dist.sampling.sample_exponential) lost points" in process.stdout
    assert "FAIL template → 0 → 4 / 14" in process.stdout
    assert "log_sigmoid (logistic.log_sigmoid) earned 4" in process.stdout
    # the mistake declared on the line the reference now holds no longer applies: the author's error, named
    assert "variants.yaml:8: the rate multiplies instead of dividing: the text to replace occurs 0 times" \
        in process.stdout


def test_a_variant_graded_otherwise_than_declared_fails_the_course(course):
    variants = course / "variants.yaml"
    variants.write_text(variants.read_text().replace(
        "    loses: [logistic.log_sigmoid]", "    loses: [dist.sampling.sample_exponential]").replace(
        "  - name: log σ(x) through torch.nn.functional.logsigmoid",
        "  - name: not an alternative at all\n    file: logistic.py\n    replace: \"torch.clamp(x, max=0)\"\n"
        "    with: \"torch.clamp(x, max=1)\"\n  - name: log σ(x) through torch.nn.functional.logsigmoid"))
    process = autograder("validate", "--course", course)
    assert process.returncode == 1, process.stdout
    assert ('FAIL mistake "log σ(x) as −softplus(x) (the minus sign of −x dropped)" → loses '
            "dist.sampling.sample_exponential → lost logistic.log_sigmoid; dist.sampling.sample_exponential kept "
            "its points; log_sigmoid (logistic.log_sigmoid) scored") in process.stdout, process.stdout
    assert 'FAIL alternative "not an alternative at all" → full marks → ' in process.stdout
    assert "2 verdict(s) FAIL" in process.stderr


def test_mutants_seeds_and_the_kit_on_the_tiny_course(course):
    """The whole proof, as an author runs it: every mutant killed, equivalent or declared;
    no verdict changes on other seeds; the kit agrees with the grader on every variant."""
    process = autograder("validate", "--course", course, "--mutants", "--per-function", "4", "--seeds", "2", "--kit",
                         timeout=1200)
    out = process.stdout
    assert "2 seeds × 10 submissions: 0 verdict(s) changed" in out, out
    assert "mutants per function: killed / equivalent / accepted / survived" in out
    summary = next(line for line in out.splitlines() if " mutants: " in line and "killed" in line)
    assert summary.endswith("100.0 % of the non-equivalent killed"), out
    assert out.count("ok   kit on ") == 6 and "FAIL kit" not in out, out
    assert process.returncode == 0 and "the course grades rightly" in out, out


def test_a_new_course_validates_at_once(tmp_path):
    assert autograder("new-course", tmp_path / "fresh").returncode == 0
    process = autograder("validate", "--course", tmp_path / "fresh")
    assert process.returncode == 0 and "the course grades rightly" in process.stdout, process.stdout
