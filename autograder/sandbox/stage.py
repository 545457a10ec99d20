"""The worker's directory: a copy of the worker package, the course's plugin, and the
submission's Python files (discovery.py chose them: the graded files, the student's own
modules beside them, never a name that would hide an installed module, so that no
sitecustomize.py, conftest.py, *.pth or torch.py can ever be imported). The course's
scaffold (instructor files) is laid over the student's files, replacing their copies; a
graded file the submission lacks is the template's, so the others still import."""
import dataclasses
import os
import shutil
import tempfile
from pathlib import Path

WORKER_PACKAGE = Path(__file__).resolve().parent.parent / "worker"
LAUNCHER = [Path(__file__).with_name(name) for name in ("confine.py", "landlock.py")]  # trusted, stdlib only
NOTEBOOK_MODULE = "notebook"


PREFIX = "agworker-"  # a stage's folder name in the temporary folder, which sweep() looks for
OWNER = ".grader"  # in a stage: the grading process that made it (its pid, start time and PID namespace)
PLUGIN_MODULE = "agworker.course_plugin"
ENGINE_MODULES = ("agworker", "submission")  # the worker's own top-level names: never a student's module


def own_names(course):
    """Top-level names the worker keeps for itself and the student's package."""
    return {*ENGINE_MODULES, course.package, *course.aliases} - {None}


@dataclasses.dataclass
class Stage:
    root: Path  # on the host
    modules: dict  # contract module -> importable name in the worker
    plugin: str | None = None  # importable name of the course plugin in the worker
    aliases: dict = dataclasses.field(default_factory=dict)  # another name -> the student package
    stand_ins: dict = dataclasses.field(default_factory=dict)  # imports.StandIns' arguments
    import_first: list = dataclasses.field(default_factory=list)  # modules the worker imports before any other
    own: list = dataclasses.field(default_factory=list)  # the student's ungraded modules (imports.OwnModules)
    view: Path | None = None  # where the worker sees ``root``: /worker inside bubblewrap, else ``root``

    def __post_init__(self):
        self.view = self.view or self.root

    def worker_config(self):
        return {"modules": self.modules, "plugin": self.plugin, "aliases": self.aliases,
                "stand_ins": self.stand_ins, "import_first": self.import_first, "own": self.own}

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
    root = Path(tempfile.mkdtemp(prefix=PREFIX))
    (root / OWNER).write_text(_identity(os.getpid()) or "")
    shutil.copytree(WORKER_PACKAGE, root / "agworker", ignore=shutil.ignore_patterns("__pycache__"))
    for path in LAUNCHER:
        shutil.copyfile(path, root / "agworker" / path.name)
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
        def inside(relative):
            return f"{course.package}/{relative}" if course.package else relative
        copies = {**{inside(r): p for r, p in submission.extras.items()}, **submission.beside}
        for file, module in zip(course.files, course.modules):
            if module in submission.modules:
                copies[inside(file)] = submission.modules[module]
            elif course.template is not None and course.template_file(file).is_file():
                # a missing file costs its own tests only: the template's stubs keep the others importing
                copies[inside(file)] = course.template_file(file)
        for relative, path in copies.items():
            (top / relative).parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, top / relative)
        modules = {name: f"{prefix}{name}" for name, file in zip(course.modules, course.files)
                   if (top / inside(file)).is_file()}
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
    auto = course.stand_ins == "auto"
    real = own_names(course) | {p.stem for p in top.glob("*.py")}
    stand_ins = {"names": [] if auto else list(course.stand_ins), "auto": auto, "real": sorted(real)}
    return Stage(root, modules, PLUGIN_MODULE if course.plugin is not None else None,
                 {alias: course.package for alias in course.aliases}, stand_ins,
                 [name if course.package else prefix + name for name in course.import_first],
                 own_modules(submission, course))


def own_modules(submission, course):
    """Importable names of the student's own modules, the files staged beside the graded ones
    (a debug helper, a bonus model): a package's ``__init__`` is none, as it holds the graded
    files. A course without a package stages them at the top, importable by either name."""
    inside = [".".join(Path(relative).with_suffix("").parts) for relative in submission.extras
              if Path(relative).name != "__init__.py"]
    if course.package:
        names = [f"{course.package}.{name}" for name in inside]
    else:
        names = [*inside, *(f"submission.{name}" for name in inside)]
    return names + [Path(name).stem for name in submission.beside]


def _identity(pid):
    """The process ``pid`` as one line that a reused pid does not repeat: its pid, its start
    time (in clock ticks since boot) and its PID namespace; None when it is gone."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        namespace = os.readlink("/proc/self/ns/pid")  # ours: a pid means this process only in our namespace
    except OSError:
        return None
    return f"{pid} {stat.rpartition(')')[2].split()[19]} {namespace}"


def sweep(folder=None):
    """Remove the stages whose grading process is gone: a grader killed from outside (SIGKILL,
    the platform's time limit) cannot remove its own, and a stage holds a student's files.
    Stages of another PID namespace, or without an owner's line, are left as they are (and
    all of them where /proc cannot tell whose a pid is)."""
    try:
        ours = os.readlink("/proc/self/ns/pid")
    except OSError:
        return 0
    removed = 0
    for root in Path(folder or tempfile.gettempdir()).glob(PREFIX + "*"):
        try:  # only our own folders (the temporary folder is everyone's), and a line we wrote
            if root.is_symlink() or root.stat().st_uid != os.geteuid():
                continue
            pid, started, namespace = (root / OWNER).read_text().split()
            gone = namespace == ours and _identity(int(pid)) != f"{pid} {started} {namespace}"
        except (OSError, ValueError):
            continue
        if gone:
            shutil.rmtree(root, ignore_errors=True)
            removed += 1
    return removed
