"""The CS236 HW2 course graded end to end, as an instructor grades a class with
``autograder batch``: the reference in each edition's layout and as the homework's zip gets
full marks, the template none, every alternative correct submission (every ambiguity the
contract's §7a lists, written as students write) full marks, and every single-mistake
variant (§7b) loses points on the functions it breaks and nowhere else. The training
problem is graded separately (it would double the time)."""
import json
import shutil
from pathlib import Path

import pytest

from tests.corpus.corpus import lost_functions
from tests.cs236.degenerate import KINDS, degenerate_files
from tests.cs236.submissions import COURSE, folder_submission, zip_submission
from tests.cs236.variants import VARIANTS, combined
from tests.submissions import assignment_file, autograder

pytestmark = pytest.mark.slow
ALTERNATIVES = Path(__file__).resolve().parent / "alternatives"


def edition(name):
    return {str(p.relative_to(ALTERNATIVES / name)): p.read_text() for p in (ALTERNATIVES / name).rglob("*.py")}


def submissions(folder):
    """{name: submission folder} of the corpus."""
    built = {"reference (folder)": folder_submission(folder / "reference"),
             "reference (the homework's zip)": zip_submission(folder / "reference-zip"),
             "E18 edition (encode/decode, circular imports, torchvision)":
                 folder_submission(folder / "e18", edition("e18"), nested="stanford-cs236/hw2"),
             "XCS edition (the submission package)":
                 folder_submission(folder / "xcs", edition("xcs"), package="submission", nested="XCS236-PS2/src"),
             "unfilled stubs (NameError)": folder_submission(folder / "stubs", {
                 "utils.py": (COURSE / "student_template" / "codebase" / "utils.py").read_text().replace(
                     'raise NotImplementedError("sample_gaussian: not implemented yet")', "return z"),
                 **{f"models/{m}.py": (COURSE / "student_template" / "codebase" / "models" / f"{m}.py").read_text()
                    for m in ("vae", "gmvae", "ssvae")}})}
    shutil.copytree(COURSE / "student_template", folder / "template")
    built["template"] = folder / "template"
    utils = (COURSE / "reference" / "codebase" / "utils.py").read_text()
    for name in ("uniform noise", "v used as a standard deviation in log_normal", "the mixture's −log K missing"):
        utils = next(v for v in VARIANTS if v.name == name).apply(utils)  # one mistake in each utils function
    built[UTILS_WRONG] = folder_submission(folder / "utils-wrong", {"utils.py": utils})
    for kind in KINDS:
        built[f"degenerate: {kind}"] = folder_submission(folder / f"degenerate-{kind}", degenerate_files(kind))
    for index, (members, files) in enumerate(combined()):
        path = folder_submission(folder / f"variants-{index:02d}", files)
        built.update({v.name: path for v in members})
    return built


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    folder = tmp_path_factory.mktemp("cs236")
    built = submissions(folder / "export")
    assignment = assignment_file(folder, drop=["training"], course=COURSE)
    process = autograder("batch", folder / "export", "--course", COURSE, "--out", folder / "graded", "-j", 3,
                         "--no-progress", "--assignment", assignment, timeout=3600)
    assert process.returncode == 0, process.stdout + process.stderr
    return {name: json.loads((folder / "graded" / path.name / "results.json").read_text())
            for name, path in built.items()}


def test_a_utils_mistake_costs_only_that_functions_tests(graded):
    lost, _ = lost_functions(graded[UTILS_WRONG])
    assert lost == {"utils.sample_gaussian", "utils.log_normal", "utils.log_normal_mixture"}


UTILS_WRONG = "every utils function wrong, the models right"
FULL = ["reference (folder)", "reference (the homework's zip)", "E18 edition (encode/decode, circular imports, "
        "torchvision)", "XCS edition (the submission package)"]


@pytest.mark.parametrize("name", FULL)
def test_correct_submissions_get_full_marks(graded, name):
    results = graded[name]
    lost, outputs = lost_functions(results)
    assert results["score"] == sum(t["max_score"] for t in results["tests"]), {f: outputs[f][:600] for f in lost}


@pytest.mark.parametrize("name", ["template", "unfilled stubs (NameError)", *(f"degenerate: {k}" for k in KINDS)])
def test_unfilled_and_degenerate_submissions_get_nothing(graded, name):
    assert graded[name]["score"] == 0, [(t["name"], t["score"]) for t in graded[name]["tests"] if t["score"]]


@pytest.mark.parametrize("variant", VARIANTS, ids=[v.name for v in VARIANTS])
def test_variant_loses_points_on_its_functions_only(graded, variant):
    lost, outputs = lost_functions(graded[variant.name])
    assert variant.must <= lost, f"not caught on {sorted(variant.must - lost)}"
    group = next(members for members, _ in combined() if variant in members)
    allowed = set().union(*(m.functions for m in group))  # the other variants of its submission
    assert lost <= allowed, f"also lost points on {sorted(lost - allowed)}: {[outputs[f][:400] for f in lost - allowed]}"
    for function in variant.must:
        assert function.split(".")[-1] in outputs[function], outputs[function]


def test_training_checks_pass_the_reference_and_catch_a_collapsing_bound(tmp_path):
    """The training problem alone: the reference passes both runs; a VAE bound whose rec is
    averaged over pixels trains into the pixel marginals and fails the VAE's run only."""
    pixel_mean = next(v for v in VARIANTS if v.name == "VAE: rec averaged over pixels")
    folder_submission(tmp_path / "export" / "reference")
    folder_submission(tmp_path / "export" / "pixel-mean", {pixel_mean.file: pixel_mean.apply()})
    policy = assignment_file(tmp_path, keep=["training"], course=COURSE)
    process = autograder("batch", tmp_path / "export", "--course", COURSE, "--out", tmp_path / "graded", "-j", 2,
                         "--no-progress", "--assignment", policy, timeout=1800)
    assert process.returncode == 0, process.stdout + process.stderr
    scores = {name: {t["name"].split()[0]: t["score"] for t in json.loads(
        (tmp_path / "graded" / name / "results.json").read_text())["tests"]} for name in ("reference", "pixel-mean")}
    assert scores["reference"] == {"vae_training": 7, "gmvae_training": 7}
    assert scores["pixel-mean"] == {"vae_training": 0, "gmvae_training": 7}
