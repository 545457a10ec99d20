"""`autograder student-kit` and `check`: the kit works, and holds nothing it must not."""
import re
import shutil
import subprocess
import sys
import zipfile

import numpy as np
import pytest
import yaml

from autograder import course as courses
from autograder.grader import serving
from autograder.kit import public_cases
from tests.corpus.variants import VARIANTS
from tests.submissions import MODULES, REFERENCE, ROOT, flat_source
from tests.submissions import autograder

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def kit(tmp_path_factory):
    folder = tmp_path_factory.mktemp("kit")
    process = autograder("student-kit", "--output", folder / "kit.zip")
    assert process.returncode == 0, process.stderr
    with zipfile.ZipFile(folder / "kit.zip") as archive:
        archive.extractall(folder / "unpacked")
    return folder / "unpacked"


def check(folder, *args):
    return subprocess.run([sys.executable, "check.py", *args], cwd=folder, capture_output=True, text=True,
                          timeout=600, env={"PATH": "/usr/bin:/bin"})


def solved(kit, tmp_path, replace=None):
    shutil.copytree(kit, tmp_path / "work")
    for module in MODULES:
        (tmp_path / "work" / f"{module}.py").write_text((replace or {}).get(module, flat_source(module)))
    shutil.copy(REFERENCE / "answers.yaml", tmp_path / "work" / "answers.yaml")
    return tmp_path / "work"


def solution_lines():
    """Lines of the reference that the template does not show (long enough to be its own:
    shorter ones are idioms such as `opt.zero_grad()` that the harness uses too)."""
    template = {line.strip() for p in (ROOT / "student_template").glob("*.py") for line in p.read_text().splitlines()}
    lines = set()
    for path in REFERENCE.glob("*.py"):
        for line in path.read_text().splitlines():
            text = line.strip()
            if text not in template and len(text) >= 24 and not text.startswith(("#", "import ", "from ")):
                lines.add(text)
    return lines


def test_the_kit_holds_no_line_of_the_solution(kit):
    secret = solution_lines()
    assert len(secret) > 80
    for path in kit.rglob("*"):
        if path.suffix in (".py", ".md", ".yaml", ".json"):
            text = path.read_text()
            leaked = [line for line in secret if line in text]
            assert not leaked, (path.name, leaked[:5])


def test_the_kit_holds_no_answer(kit):
    assert (kit / "answers.yaml").read_text() == (ROOT / "student_template" / "answers.yaml").read_text()

    def leaves(tree):
        return [v for value in tree.values() for v in (leaves(value) if isinstance(value, dict) else [value])]
    answers = [str(a) for a in leaves(yaml.safe_load((REFERENCE / "answers.yaml").read_text())) if len(str(a)) > 4]
    for path in kit.rglob("*"):
        if path.suffix in (".py", ".md", ".yaml", ".json"):
            text = path.read_text()
            assert not [a for a in answers if a in text], path.name


def test_the_kit_holds_no_grader_reference_or_hidden_cases(kit, tmp_path):
    names = {str(p.relative_to(kit)) for p in kit.rglob("*") if p.is_file()}
    assert not [n for n in names if n.startswith(("reference", "autograder", "tests")) or "checks/" in n
                or n.endswith(("training.py", "helpers.py"))]
    assert {f"{m}.py" for m in MODULES} | {"check.py", "answers.yaml", "README.md", "checker/course_plugin.py"} <= names
    # a test the assignment marks hidden has no public case
    assignment = (ROOT / "course.yaml").read_text()
    hidden = tmp_path / "assignment.yaml"
    hidden.write_text(assignment.replace("test_kl_standard_normal: {points: 3,",
                                         "test_kl_standard_normal: {visibility: hidden, points: 3,"))
    tests = {case["test"] for case in public_cases.record(assignment_path=hidden)}
    assert "kl_standard_normal" not in tests and "kl_diag_gaussians" in tests


def test_template_fails_every_check_and_says_not_implemented(kit):
    process = check(kit)
    assert process.returncode == 1
    assert "0 of 37 public checks pass." in process.stdout
    assert "case 1: not implemented yet" in process.stdout


def test_reference_passes_every_public_check(kit, tmp_path):
    process = check(solved(kit, tmp_path))
    assert process.returncode == 0, process.stdout
    assert "37 of 37 public checks pass. All public checks pass." in process.stdout


def test_a_mistake_fails_its_own_check_only(kit, tmp_path):
    variant = next(v for v in VARIANTS if v.name == "the ½ missing in the Gaussian KL")
    process = check(solved(kit, tmp_path, {variant.module: variant.source()}))
    assert process.returncode == 1
    failing = set(re.findall(r"^FAIL  (\w+)", process.stdout, flags=re.M))
    # the kit has no reference to serve helpers from: there, a function over the broken one fails too
    over = {f for f in courses.load().functions() if variant.must & set(serving.helpers_of(courses.load(), f))}
    assert {f.split(".")[1] for f in variant.must} <= failing <= {f.split(".")[1] for f in variant.must | over}
    assert "values differ; largest error" in process.stdout


def test_a_filter_that_matches_nothing_is_an_error(kit):
    process = check(kit, "-k", "no_such_function")
    assert process.returncode == 2 and "no public check has 'no_such_function'" in process.stderr


def test_the_check_can_be_run_from_anywhere(kit, tmp_path):
    process = subprocess.run([sys.executable, str(kit / "check.py"), "-k", "kl_standard"], cwd=tmp_path,
                             capture_output=True, text=True, timeout=600, env={"PATH": "/usr/bin:/bin"})
    assert process.returncode == 1 and "FAIL  kl_standard_normal" in process.stdout


def test_the_check_works_only_through_the_public_cases(kit, tmp_path):
    work = solved(kit, tmp_path)
    (work / "checker" / "public_cases.npz").unlink()
    process = check(work)
    assert process.returncode != 0 and "public_cases.npz" in process.stderr


def test_autograder_check_is_the_same_self_check(tmp_path):
    shutil.copytree(ROOT / "student_template", tmp_path / "template")
    process = autograder("check", tmp_path / "template", "-k", "kl_")
    assert process.returncode == 1 and "FAIL  kl_standard_normal" in process.stdout, process.stdout + process.stderr
    assert "0 of 5 public checks pass." in process.stdout  # the five with "kl_" in their names


def _leaves(node, arrays, where="value"):
    """(where, array, dtype) of every tensor in an answer tree, and (where, float) of floats."""
    if isinstance(node, dict) and "$t" in node:
        return [(where, arrays[node["$t"]], node.get("dtype"))]
    if isinstance(node, dict):
        items = node.get("$tuple", node.get("$list", node))
        items = items.items() if isinstance(items, dict) else enumerate(items)
        return [leaf for key, item in items for leaf in _leaves(item, arrays, f"{where}.{key}")]
    if isinstance(node, list):
        return [leaf for i, item in enumerate(node) for leaf in _leaves(item, arrays, f"{where}.{i}")]
    return [(where, node, "float")] if isinstance(node, float) else []


def _moved(want, rtol, atol):
    """Answers around ``want``: inside and outside the band, shifted and scaled, with NaN and inf."""
    from autograder.worker.closeness import scaled_atol
    band = scaled_atol(want, atol)
    out = [want.copy()]
    for factor in (0.3, 0.9, 1.1, 3.0):
        out += [want + factor * band, want - factor * band, want * (1 + factor * rtol), want * (1 + 2 * factor * rtol)]
    if want.size:
        for bad in (np.nan, np.inf, -np.inf):
            poisoned = want.copy()
            poisoned.flat[0] = bad
            out.append(poisoned)
    return [o.astype(want.dtype) for o in out]


def test_kit_and_grader_compare_by_one_rule(kit):
    """Every public case's answer, moved inside and outside its tolerance band, gets the
    same verdict from the kit's check and from the grader's comparison."""
    from autograder.grader.compare import Mismatch, assert_close, assert_float_close
    from autograder.grader.values import Returned
    from autograder.worker.selfcheck import differences, load_cases

    cases, _ = load_cases(kit / "checker")
    compared = disagreements = 0
    for case in cases:
        tolerance = {"rtol": case["rtol"], "atol": case["atol"]}
        for where, want, dtype in _leaves(case["answer"].get("value"), case["answer_arrays"]):
            if dtype == "float":
                candidates = [want, want + 0.5 * case["atol"], want + 3 * case["atol"] + 3 * case["rtol"] * abs(want)]
            elif dtype in ("float32", "float64"):
                candidates = _moved(want, **tolerance)
            else:
                continue
            for got in candidates:
                if dtype == "float":
                    kit_ok = differences(float(got), [], want, [], tolerance) == []
                    grader = lambda: assert_float_close(float(got), want, where, **tolerance)  # noqa: E731
                else:
                    node = {"$t": 0, "dtype": dtype}
                    kit_ok = differences(node, [got], node, [want], tolerance) == []
                    grader = lambda: assert_close(Returned(got, dtype, "cpu", False),  # noqa: E731
                                                  Returned(want, dtype, "cpu", False), where, **tolerance)
                try:
                    grader()
                    grader_ok = True
                except Mismatch:
                    grader_ok = False
                compared += 1
                disagreements += kit_ok != grader_ok
                assert kit_ok == grader_ok, (case["test"], where, dtype)
    assert compared > 1000 and disagreements == 0
