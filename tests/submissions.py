"""Building submissions for the project's tests: the reference laid out as a student
would submit it, with files replaced, added or broken."""
import json
import re
import shutil
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = ROOT / "reference"
MODULES = ("vae", "iwae", "wake_sleep", "gmvae", "pixelcnn", "discriminator", "divergences", "gan", "bigan")
# Gradescope's default limits (768 MB, half a CPU) where the project's shared tools are beside
# it; the wrapper runs the command without limits where cgroups cannot be written
LIMITS_WRAPPER = ROOT.parent / "shared" / "tools" / "gradescope-limits"


def gradescope_limits(memory_only=False):
    """The command prefix that runs a command under Gradescope's limits, or [] where there is
    none. ``memory_only``: its 768 MB, with two CPUs (a test that several gradings share)."""
    if not LIMITS_WRAPPER.is_file():
        return []
    return [str(LIMITS_WRAPPER), *(["--cpus", "2"] if memory_only else []), "--"]


def flat_source(module):
    """A reference module as a student's flat file: sibling imports without the dot."""
    return re.sub(r"^from \.(\w+) import", r"from \1 import", (REFERENCE / f"{module}.py").read_text(), flags=re.M)


def reference_submission(folder, nested="hw3", replace=None, extra=None, answers=True):
    """Write the reference into ``folder/nested`` as a student would; ``replace`` maps a
    module name to new source (None removes it), ``extra`` maps a relative path to text."""
    target = Path(folder) / nested
    target.mkdir(parents=True, exist_ok=True)
    replace = replace or {}
    for module in MODULES:
        source = replace.get(module, flat_source(module))
        if source is not None:
            (target / f"{module}.py").write_text(source)
    if answers:
        shutil.copyfile(REFERENCE / "answers.yaml", target / "answers.yaml")
    for relative, text in (extra or {}).items():
        path = Path(folder) / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return Path(folder)


def notebook_submission(folder, extra_cells=()):
    """The reference as one notebook (plus a training loop and prints that must not run),
    with answers.yaml beside it."""
    cells = [{"cell_type": "markdown", "metadata": {}, "source": "# Homework 3"}]
    code = ["import math\nimport torch\nimport torch.nn.functional as F\nfrom torch import nn"]
    for module in MODULES:
        body = re.sub(rf"^from ({'|'.join(MODULES)}) import .*$", "", flat_source(module), flags=re.M)
        code.append(body)
    code += list(extra_cells)
    cells += [{"cell_type": "code", "id": f"cell-{i}", "metadata": {}, "execution_count": None, "outputs": [],
               "source": c} for i, c in enumerate(code)]
    cells[0]["id"] = "title"
    notebook = {"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    Path(folder).mkdir(parents=True, exist_ok=True)
    (Path(folder) / "homework.ipynb").write_text(json.dumps(notebook))
    shutil.copyfile(REFERENCE / "answers.yaml", Path(folder) / "answers.yaml")
    return Path(folder)


# a notebook homework's two functions, solutions marked as a reference's are (tests of notebook courses)
WAKE_SLEEP = '''\
def wake_loss(x, w):
    """−mean log p(x | w)."""
    # SOLUTION
    return -(x * w).mean()


def sleep_loss(z, w):
    """−mean log q(z | w)."""
    # SOLUTION
    return -(z * w).mean()
'''


def wake_sleep_manifest(student):
    """The manifest of a two-test course over WAKE_SLEEP's functions in hw3; ``student``: its
    ``student`` entry, in YAML's flow style."""
    return textwrap.dedent(f"""\
        course: hw3
        title: Wake-sleep
        student: {student}
        reference: reference
        template: student_template
        checks: checks
        total: 2
        problems:
          - name: ws
            title: Wake-sleep
            tests:
              test_wake_loss: {{points: 1, covers: [hw3.wake_loss]}}
              test_sleep_loss: {{points: 1, covers: [hw3.sleep_loss]}}
        """)


def count_tests(keep=None, drop=(), course=ROOT):
    """How many tests a course's manifest lists, in the problems ``assignment_file`` keeps."""
    import yaml

    raw = yaml.safe_load((Path(course) / "course.yaml").read_text())
    kept = [p for p in raw["problems"] if (keep is None or p["name"] in keep) and p["name"] not in drop]
    return sum(len(p["tests"]) for p in kept)


def assignment_file(folder, keep=None, drop=(), course=ROOT, timeout_s=None, sandbox=None, time_budget_s=None):
    """An assignment file: a course's grading policy (the bundled one by default) cut to some
    problems (``keep``) or without some (``drop``), its total adjusted, optionally with
    another time limit per call, other ``sandbox`` settings and another time budget for the
    whole grading; returns its path."""
    import yaml

    raw = yaml.safe_load((Path(course) / "course.yaml").read_text())
    raw["sandbox"] = {**raw.get("sandbox", {}), **(sandbox or {})}
    if timeout_s is not None:
        raw["defaults"]["timeout_s"] = timeout_s
    if time_budget_s is not None:
        raw["time_budget_s"] = time_budget_s
    raw["problems"] = [p for p in raw["problems"] if (keep is None or p["name"] in keep) and p["name"] not in drop]
    raw["total"] = sum(t["points"] for p in raw["problems"] for t in p["tests"].values())
    settings = "".join(f"-{k}-{v}" for k, v in (sandbox or {}).items())
    path = Path(folder) / f"assignment-{'-'.join(keep or ['all'])}-{'-'.join(drop) or 'none'}{settings}.yaml"
    path.write_text(yaml.safe_dump(raw, sort_keys=False))
    return path


def autograder(*args, timeout=900, cwd=None):
    """The console script ``autograder``, as a user runs it; the completed process."""
    import os
    import subprocess
    import sys

    return subprocess.run([sys.executable, "-m", "autograder.cli", *map(str, args)], capture_output=True, text=True,
                          timeout=timeout, cwd=cwd, env={**os.environ, "PYTHONPATH": str(ROOT)})


def graded_as_gradescope_does(archive, root, make_submission):
    """Unpack ``archive`` into ``root/source``, run its setup.sh into a fresh virtual
    environment, copy run_autograder to ``root``, write the submission with
    ``make_submission(root / "submission")`` and run it without arguments; returns the
    results document (and asserts each step worked)."""
    import json
    import os
    import shutil
    import subprocess
    import sys

    from autograder.workflows.package import unpack

    unpack(archive, root / "source")
    python = shutil.which("python3.11") or sys.executable
    setup = subprocess.run(["bash", str(root / "source" / "setup.sh")], capture_output=True, text=True, timeout=1200,
                           env={**os.environ, "AUTOGRADER_BASE_PYTHON": python})
    assert setup.returncode == 0, setup.stdout + setup.stderr
    assert (root / "source" / ".venv" / "bin" / "python").exists()
    shutil.copy2(root / "source" / "run_autograder", root / "run_autograder")
    make_submission(root / "submission")
    run = subprocess.run([str(root / "run_autograder")], capture_output=True, text=True, timeout=600, cwd=root,
                         env={"PATH": "/usr/bin:/bin"})
    assert run.returncode == 0, run.stdout + run.stderr
    return json.loads((root / "results" / "results.json").read_text())


def system_python_environment():
    """A virtual environment of the system's Python 3.11 (as on Gradescope's image) that
    borrows this environment's packages through a .pth file, in a folder any user can
    reach; its interpreter's path. Skips the test where there is no system Python 3.11."""
    import shutil
    import subprocess
    import sysconfig
    import tempfile

    import pytest

    system_python = shutil.which("python3.11", path="/usr/bin:/usr/local/bin")
    if system_python is None:
        pytest.skip("needs a system Python 3.11")
    venv = Path(tempfile.mkdtemp(prefix="agvenv-")) / "venv"
    venv.parent.chmod(0o755)
    subprocess.run([system_python, "-m", "venv", "--without-pip", str(venv)], check=True)
    site = subprocess.run([str(venv / "bin/python"), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          check=True, capture_output=True, text=True).stdout.strip()
    Path(site, "project.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return str(venv / "bin/python")
