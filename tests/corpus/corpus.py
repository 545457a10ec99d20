"""The corpus as submissions: variants, alternatives, and grading many of them at once."""
import json
import shutil
from pathlib import Path

import yaml

from tests.corpus.degenerate import KINDS, degenerate_sources
from tests.corpus.precision import float32_computation_sources, float32_constant_sources
from tests.corpus.variants import VARIANTS, replaced
from autograder.workflows.batch import Batch, Submission
from tests.submissions import ROOT, flat_source, notebook_submission, reference_submission


def _declared(folder, kind, names=None):
    """{name: submission folder} of the course's declared variants of ``kind`` (only ``names``)."""
    built = {}
    for index, variant in enumerate(v for v in VARIANTS if v.kind == kind and (names is None or v.name in names)):
        built[variant.name] = reference_submission(Path(folder) / f"{kind}-{index:02d}", replace=replaced(variant))
        if variant.answers is not None:
            (built[variant.name] / "hw3" / "answers.yaml").write_text(yaml.safe_dump(variant.answers))
    return built


def variant_submissions(folder, names=None):
    """{name: submission folder} for every declared mistake (or those named), as a student lays it out."""
    return _declared(folder, "mistake", names)


def alternative_submissions(folder, names=None):
    """The declared alternatives (or those named), and correct submissions only the engine's
    discovery tells apart: a messy folder, a notebook, float32 constants."""
    built = _declared(folder, "alternative", names)
    built["messy"] = messy_submission(Path(folder) / "messy")
    built["notebook"] = notebook_submission(Path(folder) / "notebook")
    built["float32 constants"] = reference_submission(Path(folder) / "float32-constants",
                                                      replace=float32_constant_sources())
    return built


def messy_submission(folder):
    """The reference as a student's folder really looks: a helper module of their own that
    vae.py imports, ``import tensorflow`` left at the top of iwae.py, an old copy of vae.py
    in a subfolder that does not even import, and a scratch script beside the files."""
    vae = flat_source("vae").replace(
        "    return 0.5 * (torch.exp(logvar) + mu**2 - 1.0 - logvar).sum(-1)",
        "    return halve((torch.exp(logvar) + mu**2 - 1.0 - logvar).sum(-1))")
    return reference_submission(folder, replace={
        "vae": "from my_utils import halve\n" + vae,
        "iwae": "import tensorflow as tf  # from last year's starter code\n" + flat_source("iwae")}, extra={
        "hw3/my_utils.py": "def halve(x):\n    return 0.5 * x\n",
        "hw3/old/vae.py": "this is not Python\n",
        "hw3/scratch.py": "import matplotlib.pyplot as plt\nfrom vae import elbo\nprint('plotting')\n"})


def degenerate_submissions(folder):
    """{"degenerate: KIND": submission folder} for every kind of tests/corpus/degenerate.py."""
    return {f"degenerate: {kind}": reference_submission(Path(folder) / kind, replace=degenerate_sources(kind))
            for kind in KINDS}


EXTRAS_HOSTILE = {
    # forge every results.json named on a command line, then pass as the reference would
    "divergences": flat_source("divergences") + '''
import os
for _pid in os.listdir("/proc"):
    try:
        _argv = open(f"/proc/{_pid}/cmdline", "rb").read().split(b"\\0")
        _path = _argv[_argv.index(b"--results") + 1].decode()
        open(_path, "w").write('{"score": 100, "tests": []}')
    except (OSError, ValueError, IndexError):
        pass
''',
    "gan": flat_source("gan") + "\n\ndef generator_loss_ml(fake_logits):\n    while True:\n        pass\n",
    "bigan": "import sys\nsys.exit(0)\n",
}


def extra_submissions(folder):
    """{name: (folder, kind)}: the reference, broken, blank and hostile submissions that a
    class also hands in."""
    folder = Path(folder)
    template = folder / "template"
    template.mkdir(parents=True)
    for path in (ROOT / "student_template").iterdir():
        (template / path.name).write_text(path.read_text())
    (folder / "empty").mkdir()
    return {
        "reference": (reference_submission(folder / "reference"), "correct"),
        "template": (template, "template"),
        "empty folder": (folder / "empty", "broken"),
        "syntax error in vae.py": (reference_submission(folder / "syntax", replace={"vae": "def f(:\n"}), "broken"),
        "no iwae.py, no gan.py, no answers": (reference_submission(folder / "partial", answers=False,
                                                                   replace={"iwae": None, "gan": None}), "broken"),
        "forges results, loops, exits at import": (reference_submission(folder / "hostile", replace=EXTRAS_HOSTILE),
                                                   "hostile"),
        "os._exit at import": (reference_submission(folder / "exits", replace={
            "iwae": flat_source("iwae") + "\nimport os\nos._exit(0)\n"}), "hostile"),
    }


IN_CLASS = {"variance used as the standard deviation", "the ½ missing in the Gaussian KL", "masks A and B swapped",
            "wrong closed-form answers", "distributions", "rearranged"}  # a sample: validate proves all of them


def class_export(folder):
    """A class as Gradescope's 'Export Submissions' folder (``submission_<id>/`` folders and
    ``submission_metadata.yml``): a sample of the declared variants, the submissions only
    discovery tells apart, degenerate, broken and hostile ones. Returns {folder name: (name, kind)}."""
    folder = Path(folder)
    built = {name: (path, "buggy") for name, path in variant_submissions(folder / "built" / "variants",
                                                                         IN_CLASS).items()}
    built.update({name: (path, "correct") for name, path in alternative_submissions(folder / "built" / "alt",
                                                                                    IN_CLASS).items()})
    built.update({name: (path, "degenerate") for name, path in degenerate_submissions(folder / "built" / "degenerate").items()})
    built["float32 computation"] = (reference_submission(folder / "built" / "float32-computation",
                                                         replace=float32_computation_sources()), "buggy")
    built.update(extra_submissions(folder / "built" / "extra"))
    kinds, metadata = {}, {}
    for i, (name, (path, kind)) in enumerate(built.items()):
        key = f"submission_{1000 + i}"
        shutil.copytree(path, folder / "export" / key)
        kinds[key] = (name, kind)
        metadata[key] = {":submitters": [{":name": f"Student {i}", ":email": f"s{i}@example.edu", ":sid": str(i)}],
                         ":created_at": "2026-11-20 10:00:00.000000000 -08:00", ":score": 0.0}
    (folder / "export" / "submission_metadata.yml").write_text(yaml.safe_dump(metadata))
    return kinds


def grade_all(submissions, folder, *, seed=None, jobs=2, assignment=None):
    """Grade {name: folder} with ``autograder batch``'s engine, ``jobs`` at a time; {name: results}."""
    named = {f"s{i:04d}": (name, path) for i, (name, path) in enumerate(submissions.items())}
    batch = Batch([Submission(key, Path(path)) for key, (_, path) in named.items()], Path(folder) / "graded",
                  jobs=jobs, seed=seed, assignment=assignment, progress=False)
    batch.run()
    return {name: json.loads(batch.results_path(Submission(key, path)).read_text()) for key, (name, path) in named.items()}


def lost_functions(results):
    """Contract functions covered by tests that lost points, and those tests' outputs."""
    lost, outputs = set(), {}
    for test in results["tests"]:
        if test["score"] < test["max_score"]:
            covered = test["name"].split("(", 1)[1].rstrip(")").split(", ")
            lost.update(covered)
            for function in covered:
                outputs[function] = test["output"]
    return lost, outputs
