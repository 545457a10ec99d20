"""Finding a submission's parts: the course's files at any depth (a file
``models/net.py`` is found wherever a folder ``models`` holds ``net.py``), the answers
file, or one notebook; or, when the folder holds none of them, the same inside a zip it
holds (as a homework's own submission step makes one). Reads files only; never imports or
executes them."""
import ast
import dataclasses
import shutil
import tempfile
import warnings
import zipfile
from pathlib import Path, PurePosixPath

import nbformat

@dataclasses.dataclass
class Submission:
    root: Path
    modules: dict = dataclasses.field(default_factory=dict)  # module ("net", "models.net") -> Path
    answers: Path | None = None
    notebook: Path | None = None
    notebook_source: str | None = None
    notes: list = dataclasses.field(default_factory=list)
    unpacked: Path | None = None  # a folder the zip was unpacked into, the grader's to remove

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
    for path in sorted(root.rglob("*"), key=lambda p: (len(p.parts), str(p))):
        parts = path.relative_to(root).parts
        if any(p.startswith(".") or p in ("__MACOSX", "__pycache__") for p in parts):
            continue
        if path.is_file() and not path.is_symlink():
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
    packages = {course.package, *course.aliases} - {None}
    found, notebooks = {}, []
    for path in _visible_files(root):
        parts = path.relative_to(root).parts
        suffix, module = next(((s, m) for s, m in wanted.items() if parts[-len(s):] == s), (None, None))
        if module is not None:
            # a copy inside the package's folder (codebase/utils.py) before any other utils.py
            in_package = len(parts) > len(suffix) and parts[-len(suffix) - 1] in packages
            found.setdefault(module, []).append((not in_package, len(parts), path))
        elif path.name == course.answers_file and submission.answers is None:
            submission.answers = path
        elif path.name.endswith(".ipynb") and course.notebook:
            notebooks.append(path)
    for module, candidates in found.items():
        graded, *ignored = sorted(candidates)
        submission.modules[module] = graded[2]
        submission.notes += [f"Ignored {path.relative_to(root)}: {graded[2].relative_to(root)} is graded."
                             for *_, path in ignored]
    if not submission.modules and not notebooks:
        archive = next((p for p in _visible_files(root) if p.suffix.lower() == ".zip"), None)
        if archive is not None and unzip:
            return _discover_in_zip(archive, root, course, submission.notes)
    if not submission.modules and notebooks:
        if len(notebooks) > 1:
            submission.notes.append("Several notebooks found; graded "
                                    f"{notebooks[0].relative_to(root)}.")
        submission.notebook = notebooks[0]
        submission.notebook_source, cell_notes = notebook_to_module(notebooks[0])
        submission.notes += cell_notes
        if submission.answers is None and course.answers_file:
            candidate = notebooks[0].with_name(course.answers_file)
            submission.answers = candidate if candidate.is_file() else None
    return submission


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
