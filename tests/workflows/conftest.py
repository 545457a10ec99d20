import json
import os
import subprocess
import sys

import pytest
import yaml

from tests.corpus.corpus import ALTERNATIVES
from tests.corpus.variants import VARIANTS
from tests.submissions import ROOT, flat_source, notebook_submission, reference_submission

HOSTILE = {
    # forge every results.json it can find, then pass as the reference would
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


def class_export(folder):
    """A Gradescope 'Export Submissions' folder of 20 submissions: correct, buggy, broken
    and hostile ones; returns {folder name: what it is}."""
    kinds = {}

    def add(kind, build):
        name = f"submission_{1000 + len(kinds)}"
        build(folder / name)
        kinds[name] = kind

    add("correct", reference_submission)
    add("correct", notebook_submission)
    for alternative in sorted(p for p in ALTERNATIVES.iterdir() if p.is_dir())[:2]:
        replace = {path.stem: path.read_text() for path in alternative.glob("*.py")}
        add("correct", lambda f, r=replace: reference_submission(f, replace=r))
    for variant in VARIANTS[:10]:
        add("buggy", lambda f, v=variant: reference_submission(f, replace={v.module: v.source()}))
    add("broken", lambda f: reference_submission(f, replace={"vae": "def sample_gaussian(mu, logvar:\n"}))
    add("broken", lambda f: f.mkdir(parents=True))
    add("broken", lambda f: reference_submission(f, answers=False, replace={m: None for m in ("iwae", "gan")}))
    add("template", lambda f: (f.mkdir(parents=True), [(f / p.name).write_text(p.read_text())
                                                      for p in (ROOT / "student_template").iterdir()]))
    add("hostile", lambda f: reference_submission(f, replace=HOSTILE))
    add("hostile", lambda f: reference_submission(f, replace={"iwae": flat_source("iwae") + "\nimport os\nos._exit(0)\n"}))
    metadata = {name: {":submitters": [{":name": f"Student {i}", ":email": f"s{i}@example.edu", ":sid": str(i)}],
                       ":created_at": "2026-11-20 10:00:00 -0800", ":score": 0.0}
                for i, name in enumerate(kinds)}
    (folder / "submission_metadata.yml").write_text(yaml.safe_dump(metadata))
    return kinds


def autograder(*args, timeout=900, cwd=None):
    """The console script, as a user runs it."""
    return subprocess.run([sys.executable, "-m", "autograder.cli", *map(str, args)], capture_output=True, text=True,
                          timeout=timeout, cwd=cwd, env={**os.environ, "PYTHONPATH": str(ROOT)})


@pytest.fixture(scope="session")
def graded_class(tmp_path_factory):
    """The 20-submission export graded by ``autograder batch -j 2``."""
    folder = tmp_path_factory.mktemp("class")
    kinds = class_export(folder / "export")
    process = autograder("batch", folder / "export", "--out", folder / "graded", "-j", 2, "--seed", 5)
    assert process.returncode == 0, process.stdout + process.stderr
    results = {name: json.loads((folder / "graded" / name / "results.json").read_text()) for name in kinds}
    return {"folder": folder, "kinds": kinds, "results": results, "process": process}
