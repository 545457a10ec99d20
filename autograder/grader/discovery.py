"""Finding a submission's parts: the course's files at any depth (a file
``models/net.py`` is found wherever a folder ``models`` holds ``net.py``), the answers
file, or one notebook; or, when the folder holds none of them, the same inside a zip it
holds (as a homework's own submission step makes one). Reads files only; never imports or
executes them."""
import ast
import collections
import dataclasses
import importlib.util
import shutil
import sys
import tempfile
import warnings
import zipfile
from pathlib import Path, PurePosixPath

from ..kit import is_kit_file
from ..sandbox.stage import own_names

@dataclasses.dataclass
class Submission:
    root: Path
    modules: dict = dataclasses.field(default_factory=dict)  # module ("net", "models.net") -> Path
    answers: Path | None = None
    notebook: Path | None = None
    notebook_source: str | None = None
    notes: list = dataclasses.field(default_factory=list)
    unpacked: Path | None = None  # a folder the zip was unpacked into, the grader's to remove
    # the student's other Python files, staged beside the graded ones: a path inside the
    # package (or, for a course without one, inside the submission's folder) -> the file
    extras: dict = dataclasses.field(default_factory=dict)
    beside: dict = dataclasses.field(default_factory=dict)  # a package course's top-level helpers: name -> file

    def remove_unpacked(self):
        if self.unpacked is not None:
            shutil.rmtree(self.unpacked, ignore_errors=True)

    def where(self, module):
        """Where a module was found, or why it was not, for messages to the student."""
        if self.notebook is not None:
            return f"the notebook {self.notebook.relative_to(self.root)}"
        if module in self.modules:
            return str(self.modules[module].relative_to(self.root))
        return f"no file named {module.replace('.', '/')}.py anywhere in the submission"


def _visible_files(root):
    """The files a grading reads: none in a hidden or system folder, no link, none of the
    student kit's own."""
    for path in sorted(root.rglob("*"), key=lambda p: (len(p.parts), str(p))):
        parts = path.relative_to(root).parts
        if any(p.startswith(".") or p in ("__MACOSX", "__pycache__") for p in parts):
            continue
        if path.is_file() and not path.is_symlink() and not is_kit_file(path):
            yield path


def discover(root, course, unzip=True):
    """Scan ``root`` for ``course``'s files; the shallowest copy of each wins (for a package
    course, the shallowest inside a folder of the package's name or an alias), and
    duplicates are noted. With ``unzip``, a folder holding none of them but a zip is graded
    from the zip's contents (one level: a zip inside that zip is not opened)."""
    root = Path(root)
    submission = Submission(root)
    if not root.is_dir():
        submission.notes.append(f"The submission folder {root} does not exist.")
        return submission
    wanted = {tuple(file.split("/")): module for file, module in zip(course.files, course.modules)}
    # a file uploaded without its folders (models/net.py as net.py), where its name is the course's only one
    names = collections.Counter(PurePosixPath(f).name for f in course.files)
    flat = {PurePosixPath(f).name: m for f, m in zip(course.files, course.modules) if "/" in f and names[PurePosixPath(f).name] == 1}
    packages = {course.package, *course.aliases} - {None}
    found, loose, notebooks, python = {}, {}, [], []
    for path in _visible_files(root):
        parts = path.relative_to(root).parts
        suffix, module = next(((s, m) for s, m in wanted.items() if parts[-len(s):] == s), (None, None))
        if module is not None:
            # a copy inside the package's folder (codebase/utils.py) before any other utils.py
            in_package = len(parts) > len(suffix) and parts[-len(suffix) - 1] in packages
            found.setdefault(module, []).append((not in_package, len(parts), path))
        elif path.name in flat:
            loose.setdefault(flat[path.name], []).append((len(parts), path))
        elif path.name == course.answers_file and submission.answers is None:
            submission.answers = path
        elif path.name.endswith(".ipynb") and course.notebook:
            notebooks.append(path)
        if path.suffix == ".py":
            python.append(path)
    homes = _choose_graded(submission, course, found, loose)
    if homes:
        _find_extras(submission, course, homes, python)
    if not submission.modules and not notebooks:
        archive = next((p for p in _visible_files(root) if p.suffix.lower() == ".zip"), None)
        if archive is not None and unzip:
            return _discover_in_zip(archive, root, course, submission.notes)
    if not submission.modules and notebooks:
        _take_notebook(submission, course, notebooks)
    return submission


def _choose_graded(submission, course, found, loose):
    """Set ``submission.modules``: of each file's copies the shallowest (``found``: (outside
    the package, depth, path)), else one uploaded without its folders (``loose``: (depth,
    path)); notes for the copies ignored. Returns {module: the folder it implies for the
    package (or the submission's top)}."""
    root, homes = submission.root, {}
    for module, candidates in found.items():
        graded, *ignored = sorted(candidates)
        submission.modules[module] = graded[2]
        homes[module] = graded[2].parents[module.count(".")]
        submission.notes += [f"Ignored {path.relative_to(root)}: {graded[2].relative_to(root)} is graded."
                             for *_, path in ignored]
    for module, candidates in loose.items():
        if module not in submission.modules:
            (_, path), *_ = sorted(candidates)
            submission.modules[module] = path
            homes[module] = path.parent
            file = course.files[course.modules.index(module)]
            submission.notes.append(f"Graded {path.relative_to(root)} as {file} (it was uploaded without its folders).")
    return homes


def _take_notebook(submission, course, notebooks):
    """Grade the first of ``notebooks`` (a submission without module files), with the answers
    file beside it where the folder's scan found none."""
    if len(notebooks) > 1:
        submission.notes.append(f"Several notebooks found; graded {notebooks[0].relative_to(submission.root)}.")
    submission.notebook = notebooks[0]
    submission.notebook_source, cell_notes = notebook_to_module(notebooks[0])
    submission.notes += cell_notes
    if submission.answers is None and course.answers_file:
        candidate = notebooks[0].with_name(course.answers_file)
        submission.answers = candidate if candidate.is_file() else None


MAX_EXTRA_FILES, MAX_EXTRA_BYTES = 64, 512 << 10
STARTUP_MODULES = {"sitecustomize", "usercustomize", "conftest"}  # loaded by name, never a student's helper


def _shadows(name, course):
    """Whether a top-level module of the student's named ``name`` would hide one the worker
    needs (the standard library, an installed package, the engine's or the course's own)."""
    if name in own_names(course) | STARTUP_MODULES or name in sys.stdlib_module_names:
        return True
    try:
        return importlib.util.find_spec(name) is not None
    except (ImportError, ValueError):
        return True


def _find_extras(submission, course, homes, python):
    """The student's other Python files: everything under the package's folder (a course
    without a package: beside its graded files) and, for a package course, the plain
    modules beside that folder; at most MAX_EXTRA_FILES of at most MAX_EXTRA_BYTES each.
    Copies of the scaffold are noted (the scaffold replaces them), so are files not staged."""
    home = collections.Counter(homes.values()).most_common(1)[0][0]
    graded = set(submission.modules.values())
    scaffold = set(course.scaffold)
    skipped, replaced = [], []
    for path in python:
        if path in graded or not path.stem.isidentifier():
            continue
        inside = path.is_relative_to(home) and (course.package or path.parent == home)
        beside = course.package and path.parent == home.parent and home != submission.root
        if not (inside or beside):
            continue
        where = path.relative_to(submission.root)
        relative = path.relative_to(home).as_posix() if inside else path.name
        if relative == "__init__.py" and not (inside and course.package):
            continue  # the top of the staged submission is the engine's package
        if inside and relative in scaffold:
            replaced.append(str(where))
        elif relative in course.files or (inside and not all(p.isidentifier() for p in PurePosixPath(relative).parent.parts)):
            continue
        elif (not inside or not course.package) and _shadows(path.stem, course):  # a top-level module
            skipped.append(f"{where} (its name would hide the module {path.stem})")
        elif path.stat().st_size > MAX_EXTRA_BYTES:
            skipped.append(f"{where} (larger than {MAX_EXTRA_BYTES >> 10} KB)")
        elif len(submission.extras) + len(submission.beside) >= MAX_EXTRA_FILES:
            skipped.append(f"{where} (more than {MAX_EXTRA_FILES} extra files)")
        else:
            (submission.extras if inside else submission.beside)[relative] = path
    staged = [*submission.extras.values(), *submission.beside.values()]
    if staged:
        submission.notes.append("Your other Python files, importable beside the graded ones: "
                                + ", ".join(str(p.relative_to(submission.root)) for p in staged) + ".")
    if replaced:
        submission.notes.append("The course's own copies replace your " + ", ".join(replaced)
                                + " (scaffold files are the course's).")
    if skipped:
        submission.notes.append("Not importable while grading: " + "; ".join(skipped) + ".")


MAX_ZIP_BYTES, MAX_ZIP_FILES = 64 << 20, 2000


def _discover_in_zip(archive, root, course, notes):
    """Unpack ``archive`` (at most MAX_ZIP_FILES files and MAX_ZIP_BYTES, written as they
    are read, so a zip bomb stops at the cap; no links, no paths leaving the folder) into a
    private folder and discover there."""
    folder = Path(tempfile.mkdtemp(prefix="agsubmission-"))  # mode 0700: not the worker's to read
    written, problem = 0, None
    try:
        with zipfile.ZipFile(archive) as opened:
            members = [m for m in opened.infolist() if not m.is_dir()]
            if len(members) > MAX_ZIP_FILES:
                problem = f"it holds more than {MAX_ZIP_FILES} files"
            for member in members[:MAX_ZIP_FILES]:
                name = PurePosixPath(member.filename.replace("\\", "/"))
                parts = [p for p in name.parts if p not in ("", ".", "..", "/")]
                if not parts or (member.external_attr >> 16) & 0o170000 == 0o120000:  # empty name, or a link
                    continue
                target = folder.joinpath(*parts)
                target.parent.mkdir(parents=True, exist_ok=True)
                with opened.open(member) as source, open(target, "wb") as sink:
                    while chunk := source.read(1 << 16):
                        written += len(chunk)
                        if written > MAX_ZIP_BYTES:
                            raise ValueError(f"it unpacks to more than {MAX_ZIP_BYTES >> 20} MB")
                        sink.write(chunk)
    except (zipfile.BadZipFile, ValueError, OSError, RuntimeError) as exc:
        problem = str(exc)
    inner = discover(folder, course, unzip=False)
    inner.unpacked = folder
    inner.notes = notes + [f"Graded the files inside {archive.relative_to(root)}."] + (
        [f"Part of {archive.name} was not unpacked: {problem}."] if problem else []) + inner.notes
    return inner


def _is_definition(node):
    if isinstance(node, (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return True
    if isinstance(node, (ast.Assign, ast.AnnAssign)) and node.value is not None:
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        names = [t.id for t in targets if isinstance(t, ast.Name)]
        if len(names) != len(targets):
            return False
        try:
            ast.literal_eval(node.value)
            return True
        except ValueError:
            # UPPER_CASE names are constants by convention; anything else may be a training run
            return all(n.isupper() for n in names) and not any(
                isinstance(n, (ast.Lambda, ast.GeneratorExp, ast.ListComp)) for n in ast.walk(node.value))
    return False


def _segment(lines, node):
    start = min([d.lineno for d in getattr(node, "decorator_list", [])] + [node.lineno])
    return "\n".join(lines[start - 1:node.end_lineno])


def notebook_to_module(path):
    """The notebook's top-level imports, definitions and constant assignments, as source.

    Cell magics and shell lines are dropped; every other statement (a training loop, a
    print) is left out, so nothing of the student's runs but definitions."""
    import nbformat  # here: only a notebook needs it (the kit of a course without notebooks does not install it)

    notes = []
    try:
        with warnings.catch_warnings():  # notebooks from older Jupyter lack cell ids; harmless here
            warnings.simplefilter("ignore")
            notebook = nbformat.read(path, as_version=4)
    except Exception as exc:  # nbformat raises many kinds for a broken file
        return "", [f"Could not read the notebook {path.name}: {exc}"]
    pieces = []
    for number, cell in enumerate(notebook.cells, 1):
        if cell.cell_type != "code":
            continue
        lines = [line for line in cell.source.splitlines() if not line.lstrip().startswith(("%", "!"))]
        source = "\n".join(lines)
        try:
            tree = ast.parse(source)
        except SyntaxError as exc:
            notes.append(f"Notebook cell {number} has a syntax error at line {exc.lineno}: {exc.msg}; "
                         "its definitions are missing.")
            continue
        kept = [_segment(lines, node) for node in tree.body if _is_definition(node)]
        if kept:
            pieces.append(f"# --- notebook cell {number}\n" + "\n\n".join(kept))
    return "\n\n\n".join(pieces) + "\n", notes
