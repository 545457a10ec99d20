"""The worker's directory: a copy of the worker package and of the submission's contract
files only, so that nothing else the student uploaded (sitecustomize.py, conftest.py,
*.pth, a torch.py) can ever be imported."""
import dataclasses
import os
import shutil
import tempfile
from pathlib import Path

WORKER_PACKAGE = Path(__file__).resolve().parent.parent / "worker"
LAUNCHER = Path(__file__).with_name("confine.py")
NOTEBOOK_MODULE = "notebook"


@dataclasses.dataclass
class Stage:
    root: Path  # on the host
    modules: dict  # contract module -> importable name in the worker
    view: Path = None  # where the worker sees ``root``: /worker inside bubblewrap, else ``root``

    def __post_init__(self):
        self.view = self.view or self.root

    @property
    def main(self):
        return self.view / "agworker" / "main.py"

    @property
    def launcher(self):
        return self.view / "agworker" / "confine.py"

    @property
    def scratch(self):
        return self.view / "scratch"

    def give_scratch(self, owner):
        """The host-side scratch folder (used without the view) to the worker's (uid, gid)."""
        os.chown(self.root / "scratch", *owner)

    def remove(self):
        shutil.rmtree(self.root, ignore_errors=True)


def build_stage(submission, contract_modules):
    """Stage ``submission`` (a discovery.Submission) for a worker; returns a Stage.
    Everything is readable by the worker; only the scratch folder will be writable."""
    root = Path(tempfile.mkdtemp(prefix="agworker-"))
    shutil.copytree(WORKER_PACKAGE, root / "agworker", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copyfile(LAUNCHER, root / "agworker" / "confine.py")
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
    return Stage(root, modules)
