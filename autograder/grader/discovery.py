"""Finding a submission's parts: the course's files at any depth (a file
``models/net.py`` is found wherever a folder ``models`` holds ``net.py``), the answers
file, or one notebook; or, when the folder holds none of them, the same inside a zip it
holds (as a homework's own submission step makes one). When a notebook and .py files both
define the graded functions, the course's deliverable (``student.deliverable``) is graded;
of several notebooks, the one named as the course's before copies. Reads files only; never
imports or executes them."""
import ast
import collections
import dataclasses
import importlib.util
import re
import shutil
import sys
import tempfile
import zipfile
from pathlib import Path, PurePosixPath

from ..sandbox.stage import NOTEBOOK_MODULE, own_names
from .notebook import KIT_PACKAGE, NotebookModule, notebook_to_module

KIT, CHECK = ".kit", "check.py"  # a student kit's folder (the engine, the course's checks) and its launcher


def is_kit_file(path):
    """Whether ``path`` is a student kit's own and not the student's: its launcher, or a file
    of its in-notebook check's package (``autograder_kit/``), beside its folder (a dot-folder,
    which no grading reads), so that no grading lists or stages it."""
    if path.name == CHECK and (path.parent / KIT).is_dir():
        return True
    return any(folder.name == KIT_PACKAGE and (folder.parent / KIT).is_dir() for folder in path.parents)

@dataclasses.dataclass
class Submission:
    root: Path
    modules: dict = dataclasses.field(default_factory=dict)  # module ("net", "models.net") -> Path
    answers: Path | None = None
    notebook: Path | None = None
    converted: NotebookModule | None = None  # the graded notebook as the module the worker imports
    notes: list = dataclasses.field(default_factory=list)
    unpacked: Path | None = None  # a folder the zip was unpacked into, the grader's to remove
    # the student's other Python files, staged beside the graded ones: a path inside the
    # package (or, for a course without one, inside the submission's folder) -> the file
    extras: dict = dataclasses.field(default_factory=dict)
    beside: dict = dataclasses.field(default_factory=dict)  # a package course's top-level helpers: name -> file

    def remove_unpacked(self):
        if self.unpacked is not None:
            shutil.rmtree(self.unpacked, ignore_errors=True)

    @property
    def notebook_source(self):
        """The source staged for a graded notebook, or None."""
        return None if self.converted is None else self.converted.source

    def lacks(self, module, name):
        """"models/net.py defines no `Model.loss`": a contract name the submission does not
        define, said of what the student wrote: the file, the notebook, or, for the kit's
        in-notebook check, the kernel (whose module the student never sees)."""
        if self.converted is not None and self.converted.history:
            return f"this kernel defines no `{name}`: run the cell that defines it"
        if self.notebook is not None:
            return f"{self.notebook.name} defines no `{name}`"
        return f"{module.replace('.', '/')}.py defines no `{name}`"

    def where(self, module):
        """Where a module was found, or why it was not, for messages to the student."""
        if self.notebook is not None:
            return f"the notebook {self.notebook.relative_to(self.root)}"
        if module in self.modules:
            return str(self.modules[module].relative_to(self.root))
        return f"no file named {module.replace('.', '/')}.py anywhere in the submission"

    def place(self, file, line, code=""):
        """Where an error happened, as the student can find it: "cell 7 (In [12]), line 3:
        `code`" in a graded notebook (its cell and line, never the module made from it), else
        "file, line N: `code`"."""
        if self.converted is not None and file == f"{NOTEBOOK_MODULE}.py" and isinstance(line, int):
            found = self.converted.place(line)
            if found is not None:
                return f"{found}: `{found.text.strip()}`"
        return f"{file}, line {line}" + (f": `{code}`" if code else "")


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
    files = _choose_graded(root, course, found, loose)
    ranked = _rank_notebooks(notebooks, course) if notebooks else []
    if not files.modules and not ranked:
        archive = next((p for p in _visible_files(root) if p.suffix.lower() == ".zip"), None)
        if archive is not None and unzip:
            return _discover_in_zip(archive, root, course, submission.notes)
    _files_or_notebook(submission, course, files, ranked, python)
    return submission


def _files_or_notebook(submission, course, files, ranked, python):
    """Grade the .py ``files`` or the first of the ``ranked`` notebooks (where there are both,
    ``_notebook_or_files`` decides), saying which was ignored and why."""
    root = submission.root
    if ranked and files.modules:
        notebook, why = _notebook_or_files(course, files, ranked[0])
    else:
        notebook, why = bool(ranked), ""
    if notebook:
        if files.modules:
            submission.notes.append(f"Ignored {_listed(files.modules.values(), root)}: {why}.")
        _take_notebook(submission, course, ranked)
        return
    submission.modules = files.modules
    submission.notes += files.notes
    if ranked:
        submission.notes.append(f"Ignored {_listed((n.path for n in ranked), root)}: {why}.")
    if files.homes:
        _find_extras(submission, course, files.homes, python)


@dataclasses.dataclass
class Files:
    """The .py files chosen to grade, and what choosing them ignored."""
    modules: dict  # module -> Path
    homes: dict  # module -> the folder it implies for the package (or the submission's top)
    notes: list


def _choose_graded(root, course, found, loose):
    """Of each file's copies the shallowest (``found``: (outside the package, depth,
    path)), else one uploaded without its folders (``loose``: (depth, path)); notes for
    the copies ignored."""
    files = Files({}, {}, [])
    for module, candidates in found.items():
        graded, *ignored = sorted(candidates)
        files.modules[module] = graded[2]
        files.homes[module] = graded[2].parents[module.count(".")]
        files.notes += [f"Ignored {path.relative_to(root)}: {graded[2].relative_to(root)} is graded."
                        for *_, path in ignored]
    for module, candidates in loose.items():
        if module not in files.modules:
            (_, path), *_ = sorted(candidates)
            files.modules[module] = path
            files.homes[module] = path.parent
            file = course.files[course.modules.index(module)]
            files.notes.append(f"Graded {path.relative_to(root)} as {file} (it was uploaded without its folders).")
    return files


def graded_names(course):
    """{module: the graded names it defines, relative to it ("loss", "Model.loss")}: the
    functions, classes and methods of the course's contract."""
    names = {module: set() for module in course.modules}
    for name in course.functions():
        module = next(m for m in sorted(course.modules, key=len, reverse=True) if name.startswith(m + "."))
        names[module].add(name[len(module) + 1:])
    return names


def written(body, names):
    """(the ``names`` the top-level statements ``body`` define, those of them written): a
    definition is written unless it is a stub (nothing but a docstring, ``pass``, ``...``,
    or a ``raise NotImplementedError`` among its top-level statements, as the template's);
    a class is written when one of its methods is."""
    found = {}
    for node in body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            found[node.name] = node
        if isinstance(node, ast.ClassDef):
            found.update({f"{node.name}.{item.name}": item for item in node.body
                          if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef))})
    defined = {name for name in names if name in found}
    return defined, {name for name in defined if not _stub(found[name])}


def _stub(node):
    if isinstance(node, ast.ClassDef):
        methods = [n for n in node.body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]
        return bool(methods) and all(_stub(m) for m in methods)
    body = node.body[1:] if ast.get_docstring(node) is not None else node.body
    placeholder = all(isinstance(n, ast.Pass) or (isinstance(n, ast.Expr) and isinstance(n.value, ast.Constant)
                                                  and n.value.value is Ellipsis) for n in body)
    return placeholder or any(isinstance(n, ast.Raise) and n.exc is not None and "NotImplementedError" in
                              ast.unparse(n.exc).split("(")[0] for n in body)


@dataclasses.dataclass(frozen=True)
class Candidate:
    """A notebook of the submission, read: how many graded functions it defines and writes,
    and whether its name is the course's (0), another (1) or a copy's (2)."""
    path: Path
    module: NotebookModule
    defined: int
    written: int
    naming: int

    def rank(self):
        """Its place among the submission's notebooks: the lowest is graded. Upload times
        decide nothing (an upload or an unzip sets them all)."""
        return (self.defined == 0, self.written == 0, self.naming, -self.written, len(self.path.parts), str(self.path))


# the names a copy of a notebook gets: Jupyter's "-Copy1", Colab's and Drive's "Copy of",
# a browser's " (1)", a Finder's " copy", and the student's own "_old", "_backup"...
COPY_NAME = re.compile(r"^copy of |[-_ ]copy([-_ ]?\d+)?$|\s*\(\d+\)$|^untitled\d*$"
                       r"|[-_ ](old|bak|backup|orig|original|draft|scratch|test|tmp|checkpoint)[-_ ]?\d*$",
                       re.IGNORECASE)


def _naming(path, course):
    """0: the notebook is named as the course (``hw3.ipynb`` for a course whose file is
    hw3.py, or whose name is hw3); 2: its name is a copy's; 1: any other name."""
    stem = path.stem.strip().lower()
    if stem in {PurePosixPath(f).stem.lower() for f in course.files} | {course.name.lower()}:
        return 0
    return 2 if COPY_NAME.search(stem) else 1


def _rank_notebooks(notebooks, course):
    """The notebooks read and ranked, the one to grade first."""
    names = set().union(*graded_names(course).values())
    tops = {name.split(".")[0] for name in names}
    candidates = []
    for path in notebooks:
        module = notebook_to_module(path, tops)
        defined, done = written(module.body, names)
        candidates.append(Candidate(path, module, len(defined), len(done), _naming(path, course)))
    return sorted(candidates, key=Candidate.rank)


def _files_written(files, course):
    """How many graded functions the chosen .py files write; None when one does not parse
    (then nothing is known of it)."""
    names, count = graded_names(course), 0
    for module, path in files.modules.items():
        try:
            count += len(written(ast.parse(path.read_bytes()).body, names[module])[1])
        except (SyntaxError, ValueError, OSError):
            return None
    return count


def _notebook_or_files(course, files, best):
    """Whether the notebook ``best`` is graded rather than the .py ``files`` (both found),
    and why the other is ignored, for the student. The course's deliverable decides, unless
    it writes none of the graded functions (the template's copy, handed in unchanged) while
    the other writes some: a student is graded on the work they handed in."""
    if best.defined == 0:
        return False, "it defines none of the graded functions"
    in_files = _files_written(files, course)
    if course.deliverable == "notebook":
        if best.written == 0 and in_files:
            return False, ("none of the graded functions in it is written (each is the template's stub), "
                           "while the .py files write some")
        return True, "this course grades the notebook when a notebook and .py files are both handed in"
    if in_files == 0 and best.written > 0:
        their = "its" if len(files.modules) == 1 else "their"
        return True, (f"none of {their} graded functions is written (each is the template's stub), "
                      f"while {best.path.name} writes {best.written}")
    return False, "this course grades the .py files when a notebook and .py files are both handed in"


def _take_notebook(submission, course, ranked):
    """Grade the first of the ``ranked`` notebooks, saying why each other was ignored, with
    the answers file beside it where the folder's scan found none."""
    chosen, root = ranked[0], submission.root
    if len(ranked) > 1:
        ignored = ", ".join(f"{n.path.relative_to(root)} ({WHY_NOT_CHOSEN[_differs(n, chosen)](n, chosen)})"
                            for n in ranked[1:])
        tied = any(_differs(n, chosen) == len(WHY_NOT_CHOSEN) - 1 for n in ranked[1:])
        submission.notes.append(f"Several notebooks: graded {chosen.path.relative_to(root)}; ignored {ignored}."
                                + (" Hand in one notebook to choose." if tied else ""))
    submission.notebook, submission.converted = chosen.path, chosen.module
    submission.notes += chosen.module.notes
    if submission.answers is None and course.answers_file:
        candidate = chosen.path.with_name(course.answers_file)
        submission.answers = candidate if candidate.is_file() else None


# why a notebook ranks after the graded one, by the first part of their ranks that differs
WHY_NOT_CHOSEN = (
    lambda other, chosen: "it defines none of the graded functions",
    lambda other, chosen: "none of its graded functions is written",
    lambda other, chosen: "a copy, by its name" if other.naming == 2 else "the graded one is named as the course's",
    lambda other, chosen: f"fewer graded functions written: {other.written}, against {chosen.written}",
    lambda other, chosen: "deeper in the folders",
    lambda other, chosen: "nothing told them apart, so the first by name is graded; upload times are not reliable",
)


def _differs(other, chosen):
    """The first part of ``other``'s rank that differs from ``chosen``'s."""
    return next(i for i, (a, b) in enumerate(zip(other.rank(), chosen.rank())) if a != b)


def _listed(paths, root):
    return ", ".join(str(Path(p).relative_to(root)) for p in paths)


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
