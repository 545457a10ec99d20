"""The worker's directory: a copy of the worker package, the course's plugin, and the
submission's contract files only, so that nothing else the student uploaded
(sitecustomize.py, conftest.py, *.pth, a torch.py) can ever be imported. The course's
scaffold (instructor files) is laid over the student's files, replacing their copies."""
import dataclasses
import os
import shutil
import tempfile
from pathlib import Path

WORKER_PACKAGE = Path(__file__).resolve().parent.parent / "worker"
LAUNCHER = Path(__file__).with_name("confine.py")
NOTEBOOK_MODULE = "notebook"


PLUGIN_MODULE = "agworker.course_plugin"


@dataclasses.dataclass
class Stage:
    root: Path  # on the host
    modules: dict  # contract module -> importable name in the worker
    plugin: str | None = None  # importable name of the course plugin in the worker
    aliases: dict = dataclasses.field(default_factory=dict)  # another name -> the student package
    stand_ins: tuple = ()  # modules imported inert where not installed
    view: Path = None  # where the worker sees ``root``: /worker inside bubblewrap, else ``root``

    def __post_init__(self):
        self.view = self.view or self.root

    def worker_config(self):
        return {"modules": self.modules, "plugin": self.plugin, "aliases": self.aliases,
                "stand_ins": list(self.stand_ins)}

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


def build_stage(submission, course):
    """Stage ``submission`` (a discovery.Submission) of ``course`` for a worker; returns a
    Stage. Everything is readable by the worker; only the scratch folder will be writable."""
    root = Path(tempfile.mkdtemp(prefix="agworker-"))
    shutil.copytree(WORKER_PACKAGE, root / "agworker", ignore=shutil.ignore_patterns("__pycache__"))
    shutil.copyfile(LAUNCHER, root / "agworker" / "confine.py")
    if course.plugin is not None:
        shutil.copyfile(course.plugin, root / "agworker" / "course_plugin.py")
    top = root / "submission"
    package = top / course.package if course.package else top
    package.mkdir(parents=True)
    prefix = f"{course.package}." if course.package else "submission."
    if submission.notebook_source is not None:
        (package / f"{NOTEBOOK_MODULE}.py").write_text(submission.notebook_source)
        modules = {name: f"{prefix}{NOTEBOOK_MODULE}" for name in course.modules}
    else:
        for name, path in submission.modules.items():
            target = package / (name.replace(".", "/") + ".py")
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, target)
        modules = {name: f"{prefix}{name}" for name in submission.modules}
    for file in course.scaffold:  # instructor files: theirs, whatever the student sent
        (package / file).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(course.reference / file, package / file)
    for folder in [top, *(p for p in package.rglob("*") if p.is_dir())]:
        if not (folder / "__init__.py").exists():
            (folder / "__init__.py").write_text("")
    (root / "scratch").mkdir()
    for directory, _, files in os.walk(root):
        os.chmod(directory, 0o755)
        for name in files:
            os.chmod(os.path.join(directory, name), 0o644)
    os.chmod(root / "scratch", 0o700)
    return Stage(root, modules, PLUGIN_MODULE if course.plugin is not None else None,
                 {alias: course.package for alias in course.aliases}, course.stand_ins)
