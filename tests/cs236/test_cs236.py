"""The CS236 HW2 course graded end to end. It proves itself with the command any author
runs: `autograder validate` grades every declared single-mistake variant (§7b: it loses
points on the functions it breaks and nowhere else) and every edition written otherwise
(full marks) of its variants/variants.yaml. Here, as an instructor grades a class with
``autograder batch``: the reference in each edition's layout and as the homework's zip
(full marks), the template and stubs (none), and the messy submissions only discovery tells
apart. The training problem is graded separately (it would double the time)."""
import json
import shutil

import pytest

from tests.corpus.corpus import lost_functions
from tests.cs236.degenerate import KINDS, degenerate_files
from tests.cs236.submissions import COURSE, REFERENCE, folder_submission, zip_submission
from tests.cs236.variants import GM_ELBO, GM_IWAE, LOG_NORMAL, MIXTURE, SAMPLE, VARIANTS, apply, changed, file_of
from tests.submissions import assignment_file, autograder

pytestmark = pytest.mark.slow
EDITIONS = COURSE / "variants"


def edition(name):
    return {str(p.relative_to(EDITIONS / name)): p.read_text() for p in (EDITIONS / name).rglob("*.py")}


def submissions(folder):
    """{name: submission folder} of the corpus."""
    built = {"reference (folder)": folder_submission(folder / "reference"),
             "reference (the homework's zip)": zip_submission(folder / "reference-zip"),
             "E18 edition (encode/decode, circular imports, torchvision)":
                 folder_submission(folder / "e18", edition("e18"), nested="stanford-cs236/hw2"),
             "XCS edition (the submission package)":
                 folder_submission(folder / "xcs", edition("xcs"), package="submission", nested="XCS236-PS2/src"),
             OWN_CIRCLE: folder_submission(folder / "own", changed(OWN_CIRCLE_VARIANT)),
             "unfilled stubs (NameError)": folder_submission(folder / "stubs", {
                 "utils.py": (COURSE / "student_template" / "codebase" / "utils.py").read_text().replace(
                     'raise NotImplementedError("sample_gaussian: not implemented yet")', "return z"),
                 **{f"models/{m}.py": (COURSE / "student_template" / "codebase" / "models" / f"{m}.py").read_text()
                    for m in ("vae", "gmvae", "ssvae")}})}
    shutil.copytree(COURSE / "student_template", folder / "template")
    built["template"] = folder / "template"
    utils = (COURSE / "reference" / "codebase" / "utils.py").read_text()
    for name in ("uniform noise", "v used as a standard deviation in log_normal", "the mixture's −log K missing"):
        utils = apply(name, utils)  # one mistake in each utils function
    built[UTILS_WRONG] = folder_submission(folder / "utils-wrong", {"utils.py": utils})
    for kind in KINDS:
        built[f"degenerate: {kind}"] = folder_submission(folder / f"degenerate-{kind}", degenerate_files(kind))
    for index, (name, (files, _)) in enumerate(MESSY.items()):
        built[name] = files(folder / f"messy-{index}")
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


def _text(file):
    return (REFERENCE / file).read_text()


def _flat_upload(folder):
    """Gradescope's drag-and-drop: the four files side by side, without their folders."""
    folder.mkdir(parents=True)
    for file in ("utils.py", "models/vae.py", "models/gmvae.py", "models/ssvae.py"):
        (folder / file.split("/")[-1]).write_text(_text(file))
    return folder


MODELS_AT_THE_TOP = "from codebase.models.gmvae import GMVAE\nfrom codebase.models.vae import VAE\n"
MESSY = {  # name: (build(folder), the contract functions that must lose points: no others may)
    "own modules: a debug.py and a model file of their own imported at the top of utils.py, import tensorflow":
        (lambda folder: folder_submission(folder, {
            "utils.py": "import tensorflow as tf\nfrom codebase import debug\nfrom codebase.models.mine import Mine\n"
                        + _text("utils.py"),
            "debug.py": "def show(*tensors):\n    print(*[t.shape for t in tensors])\n",
            "models/mine.py": "from codebase import utils as ut\n\n\nclass Mine:\n    pass\n"}), set()),
    "flat upload: utils.py, vae.py, gmvae.py, ssvae.py at the root": (_flat_upload, set()),
    "a missing models/gmvae.py, imported at the top of utils.py":
        (lambda folder: folder_submission(folder, {"utils.py": MODELS_AT_THE_TOP + _text("utils.py"),
                                                   "models/gmvae.py": None}), {GM_ELBO, GM_IWAE}),
    "a missing utils.py": (lambda folder: folder_submission(folder, {"utils.py": None}), {SAMPLE, LOG_NORMAL, MIXTURE}),
    "the VAE's IWAE calls log_normal_mixture with its (1,) prior":
        (lambda folder: folder_submission(folder, {"models/vae.py": _text("models/vae.py").replace(
            "ut.log_normal(z, self.z_prior_m, self.z_prior_v)", "ut.log_normal_mixture(z, self.z_prior_m, self.z_prior_v)")}),
         set()),
    "the GMVAE's IWAE returns a placeholder kl of shape [1, B]":
        (lambda folder: folder_submission(folder, {"models/gmvae.py": _text("models/gmvae.py").replace(
            "        return niwae, log_q_over_p.mean(), -log_px_z.mean()",
            "        return niwae, log_q_over_p.reshape(1, -1), -log_px_z.mean()")}), set()),
    "a correct mixture over a wrong log_normal": (lambda folder: folder_submission(folder, {
        "utils.py": apply("the ½ missing in log_normal")}), {LOG_NORMAL}),
}


@pytest.mark.parametrize("name", MESSY)
def test_messy_submissions_lose_exactly_their_mistakes(graded, name):
    lost, outputs = lost_functions(graded[name])
    assert lost == MESSY[name][1], {f: outputs[f][:400] for f in lost ^ MESSY[name][1] if f in outputs}


def test_the_output_says_what_was_staged_placed_and_stood_in(graded):
    own = graded[next(n for n in MESSY if n.startswith("own modules"))]["output"]
    assert "codebase/debug.py" in own and "codebase/models/mine.py" in own and "tensorflow" in own
    assert "The course's own copies replace your" in own and "models/nns/v1.py" in own
    assert "Graded vae.py as models/vae.py (it was uploaded without its folders)" in \
        graded[next(n for n in MESSY if n.startswith("flat upload"))]["output"]
    assert "codebase/ImUtil.py raised FileNotFoundError: [Errno 2] No such file or directory: './FreeMono.ttf' " \
        "(ImUtil.py, line 7" in graded[OWN_CIRCLE]["output"]
    missing = graded["a missing models/gmvae.py, imported at the top of utils.py"]
    assert "Not found in the submission: models/gmvae.py" in missing["output"]
    assert "models/gmvae.py was not found" in next(t["output"] for t in missing["tests"] if "gmvae" in t["name"])


def test_a_utils_mistake_costs_only_that_functions_tests(graded):
    lost, _ = lost_functions(graded[UTILS_WRONG])
    assert lost == {"utils.sample_gaussian", "utils.log_normal", "utils.log_normal_mixture"}


UTILS_WRONG = "every utils function wrong, the models right"
OWN_CIRCLE = "a bonus model and a debug helper in utils.py's circle of imports, the helper opening a missing font"
OWN_CIRCLE_VARIANT = ("modules of the student's own in the circle of imports (the bonus model, a debug helper that "
                      "opens a missing font at import)")
FULL = ["reference (folder)", "reference (the homework's zip)", "E18 edition (encode/decode, circular imports, "
        "torchvision)", "XCS edition (the submission package)", OWN_CIRCLE]


@pytest.mark.parametrize("name", FULL)
def test_correct_submissions_get_full_marks(graded, name):
    results = graded[name]
    lost, outputs = lost_functions(results)
    assert results["score"] == sum(t["max_score"] for t in results["tests"]), {f: outputs[f][:600] for f in lost}


@pytest.mark.parametrize("name", ["template", "unfilled stubs (NameError)", *(f"degenerate: {k}" for k in KINDS)])
def test_unfilled_and_degenerate_submissions_get_nothing(graded, name):
    assert graded[name]["score"] == 0, [(t["name"], t["score"]) for t in graded[name]["tests"] if t["score"]]


def test_the_course_proves_itself_with_validate(tmp_path):
    assert sum(v.kind == "mistake" for v in VARIANTS) >= 45
    # without the training problem, graded below on its own (it would double the time)
    policy = assignment_file(tmp_path, drop=["training"], course=COURSE)
    process = autograder("validate", "--course", COURSE, "--assignment", policy, timeout=1800)
    lines = [line for line in process.stdout.splitlines() if line.startswith(("ok   ", "FAIL "))]
    assert process.returncode == 0, "\n".join(line for line in lines if line.startswith("FAIL")) + process.stderr
    assert len(lines) == 4 + len(VARIANTS) and "the course grades rightly" in process.stdout


def test_training_checks_pass_the_reference_and_catch_a_collapsing_bound(tmp_path):
    """The training problem alone: the reference passes both runs; a VAE bound whose rec is
    averaged over pixels trains into the pixel marginals and fails the VAE's run only."""
    pixel_mean = "VAE: rec averaged over pixels"
    folder_submission(tmp_path / "export" / "reference")
    folder_submission(tmp_path / "export" / "pixel-mean", {file_of(pixel_mean): apply(pixel_mean)})
    policy = assignment_file(tmp_path, keep=["training"], course=COURSE)
    process = autograder("batch", tmp_path / "export", "--course", COURSE, "--out", tmp_path / "graded", "-j", 2,
                         "--no-progress", "--assignment", policy, timeout=1800)
    assert process.returncode == 0, process.stdout + process.stderr
    scores = {name: {t["name"].split()[0]: t["score"] for t in json.loads(
        (tmp_path / "graded" / name / "results.json").read_text())["tests"]} for name in ("reference", "pixel-mean")}
    assert scores["reference"] == {"vae_training": 7, "gmvae_training": 7}
    assert scores["pixel-mean"] == {"vae_training": 0, "gmvae_training": 7}
