"""The worker's directory: a copy of the worker package and of the submission's contract
files only, so that nothing else the student uploaded (sitecustomize.py, conftest.py,
*.pth, a torch.py) can ever be imported."""
import dataclasses
import os
import shutil
import tempfile
from pathlib import Path

WORKER_PACKAGE = Path(__file__).resolve().parent.parent / "worker"
NOTEBOOK_MODULE = "notebook"


@dataclasses.dataclass
class Stage:
    root: Path
    modules: dict  # contract module -> importable name in the worker

    @property
    def main(self):
        return self.root / "agworker" / "main.py"

    @property
    def scratch(self):
        return self.root / "scratch"

    def remove(self):
        shutil.rmtree(self.root, ignore_errors=True)


def build_stage(submission, contract_modules, owner=None):
    """Stage ``submission`` (a discovery.Submission) for a worker; returns a Stage.
    Everything is readable by the worker; only the scratch folder is writable, by
    ``owner`` (uid, gid) when the worker runs as another user."""
    root = Path(tempfile.mkdtemp(prefix="agworker-"))
    shutil.copytree(WORKER_PACKAGE, root / "agworker", ignore=shutil.ignore_patterns("__pycache__"))
    package = root / "submission"
    package.mkdir()
    (package / "__init__.py").write_text("")
    if submission.notebook_source is not None:
        (package / f"{NOTEBOOK_MODULE}.py").write_text(submission.notebook_source)
        modules = {name: f"submission.{NOTEBOOK_MODULE}" for name in contract_modules}
    else:
        for name, path in submission.modules.items():
            shutil.copyfile(path, package / f"{name}.py")
        modules = {name: f"submission.{name}" for name in submission.modules}
    (root / "scratch").mkdir()
    for directory, _, files in os.walk(root):
        os.chmod(directory, 0o755)
        for name in files:
            os.chmod(os.path.join(directory, name), 0o644)
    os.chmod(root / "scratch", 0o700)
    if owner is not None:
        os.chown(root / "scratch", *owner)
    return Stage(root, modules)
