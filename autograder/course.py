"""A course: a folder whose manifest (``course.yaml``) says what students write, where its
reference, template, checks, worker plugin, answer key and data are, and how it is
graded (problems, points, visibility, tolerances, limits).

The manifest is validated against ``course_schema.json``; an error names its line. The
bundled course's folder is the project's root: ``course.yaml``, ``reference/``,
``student_template/`` and ``checks/`` there.
"""
import ast
import dataclasses
import importlib
import json
import re
import os
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from pathlib import Path
from types import ModuleType
from typing import Any, Literal

import jsonschema
import yaml

ROOT = Path(__file__).resolve().parent.parent
BUNDLED = ROOT
MANIFEST = "course.yaml"
SCHEMA: dict[str, Any] = json.loads((Path(__file__).with_name("course_schema.json")).read_text())


# the 1-based line of the item at a JSON path (keys and indices) in a YAML file (read_yaml)
LineOf = Callable[[Sequence[str | int]], int]


# libyaml's parser where PyYAML was built with it: a grading reads its manifest 3 times, and
# the pure-Python parser took 0.28 s of it
SAFE_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class CourseError(ValueError):
    """A manifest (or assignment file) is invalid; the message says where."""


def read_yaml(path: str | os.PathLike[str]) -> tuple[Any, LineOf]:
    """(data, line of) for a YAML file: ``line_of(path)`` is the 1-based line of the item at
    a JSON path (keys and indices), or of its nearest ancestor that has one."""
    text = Path(path).read_text()
    try:
        data = yaml.load(text, Loader=SAFE_LOADER)
    except yaml.YAMLError as exc:
        raise CourseError(f"{path}: not valid YAML: {exc}") from None

    def line_of(where: Sequence[str | int]) -> int:
        node, line = yaml.compose(text, Loader=SAFE_LOADER), 1  # wanted for an error's message only
        for key in where:
            if isinstance(node, yaml.MappingNode):
                pair = next(((k, v) for k, v in node.value if k.value == str(key)), None)
                if pair is None:
                    return line
                line, node = int(pair[0].start_mark.line) + 1, pair[1]  # a key's line, not its value's
            elif isinstance(node, yaml.SequenceNode) and isinstance(key, int) and key < len(node.value):
                node = node.value[key]
                line = int(node.start_mark.line) + 1
            else:
                return line
        return line
    return data, line_of


def validate(data: object, line_of: LineOf, path: str | os.PathLike[str], schema: Mapping[str, Any] = SCHEMA) -> None:
    """Raise CourseError listing every schema violation with its line."""
    errors = sorted(jsonschema.Draft202012Validator(schema).iter_errors(data), key=lambda e: list(e.absolute_path))
    if errors:
        lines = [f"{path}:{line_of(list(e.absolute_path))}: {'/'.join(map(str, e.absolute_path)) or '(top)'}: "
                 f"{e.message}" for e in errors]
        raise CourseError("invalid course manifest:\n  " + "\n  ".join(lines))


def _public_names(source: str, prefix: str) -> set[str]:
    """Contract names a module's source defines: top-level functions and classes, and the
    methods of those classes (``prefix.Class.method``), read without importing it."""
    names = set()
    for node in ast.parse(source).body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and not node.name.startswith("_"):
            names.add(f"{prefix}.{node.name}")
            if isinstance(node, ast.ClassDef):
                names.update(f"{prefix}.{node.name}.{item.name}" for item in node.body
                             if isinstance(item, ast.FunctionDef) and not item.name.startswith("_"))
    return names


@dataclasses.dataclass(frozen=True)
class Course:
    root: Path
    manifest: Path
    name: str
    title: str
    files: tuple[str, ...]  # the student's files, as paths inside their package: "net.py", "models/net.py"
    package: str | None  # the folder those files live in, in the student's layout
    aliases: tuple[str, ...]  # other names that package is imported by
    answers_file: str | None
    notebook: bool
    packages: tuple[str, ...]
    # modules imported but never used in grading, inert where not installed; or "auto"
    stand_ins: tuple[str, ...] | Literal["auto"]
    import_first: tuple[str, ...]  # the student's modules imported before any other, as the course's run scripts do
    reference: Path
    template: Path
    checks: Path
    scaffold: tuple[str, ...]  # instructor files, as paths inside the reference package
    plugin: Path | None
    answer_key: Path | None
    symbols: dict[str, dict[str, bool]]  # {answer symbol: its sympy assumptions ("positive": True)}
    choices: dict[str, tuple[str, ...]]  # {answer: the choices it is one of}
    answers_help: str
    data: tuple[Path, ...]
    record: Path | None = None  # a student kit's recorded reference answers (kit/record.py)
    variants: Path | None = None  # declared mistakes and alternatives (verify/variants.py); not shipped
    experiment: Path | None = None  # the reference's experiment, run by `autograder experiment`; not shipped
    # (like the variants, it may be absent from a shipped copy whose manifest still names it)
    # what is graded when a notebook and .py files both define the graded functions
    deliverable: Literal["notebook", "files"] = "files"
    # a notebook-first course: the notebook student.files names ("hw3.ipynb"); the reference
    # and the template hold it in place of the module's file ("hw3.py", in ``files``)
    notebook_file: str | None = None

    @property
    def modules(self) -> tuple[str, ...]:
        """Importable names of the student's modules, as the checks call them: "net", "models.net"."""
        return tuple(f.removesuffix(".py").replace("/", ".") for f in self.files)

    def source_of(self, file: str) -> str:
        """The reference's and the template's name of the student file ``file``: a
        notebook-first course's notebook for its module ("hw3.py" -> "hw3.ipynb"), else itself."""
        return self.notebook_file if self.notebook_file and file == self.files[0] else file

    def reference_source(self, file: str) -> str:
        """The Python source of the reference's ``file``: the file's text or, from a
        notebook, the module grading makes of it (as of a student's notebook)."""
        path = self.reference / self.source_of(file)
        if path.suffix == ".ipynb":
            from .grader.notebook import reference_module  # nbformat: only a notebook course needs it

            return reference_module(path).source
        return path.read_text()

    def template_file(self, file: str) -> Path:
        """The template's copy of a student file ("models/net.py")."""
        return self.template / (f"{self.package}/{file}" if self.package else file)

    def module_file(self, name: str) -> Path | None:
        """The reference's file of a module as the student's code imports it: "codebase.utils"
        (the package's name or an alias first), "net" for a course without a package; None for
        a name outside the student's package."""
        head, _, rest = name.partition(".")
        if self.package and head not in {self.package, *self.aliases}:
            return None
        path = self.reference / (rest if self.package else name).replace(".", "/")
        return path / "__init__.py" if path.is_dir() else path.with_suffix(".py")

    def reference_modules(self) -> dict[str, str]:
        """{module: its importable name in the reference package}."""
        return {m: f"{self.reference.name}.{m}" for m in self.modules}

    def functions(self) -> set[str]:
        """Every contract name ("net.loss", "models.net.Model.loss")."""
        names: set[str] = set()
        for module, file in zip(self.modules, self.files):
            if (self.reference / self.source_of(file)).is_file():
                names |= _public_names(self.reference_source(file), module)
        return names

    def coverable(self) -> set[str]:
        """Every name a test may cover: the contract's functions, and its answers alone or by
        group ("answers.part1" covers "answers.part1.a" and "answers.part1.b")."""
        return self.functions() | {"answers." + ".".join(name.split(".")[:i]) for name in self.answer_names()
                                   for i in range(1, name.count(".") + 2)}

    def answer_names(self) -> list[str]:
        if self.answer_key is None:
            return []

        def walk(tree: Mapping[str, object], prefix: str = "") -> Iterator[str]:
            for key, value in tree.items():
                yield from walk(value, f"{prefix}{key}.") if isinstance(value, dict) else [f"{prefix}{key}"]
        return list(walk(yaml.safe_load(self.answer_key.read_text()) or {}))

    def check_names(self) -> dict[str, Path]:
        """{test function name: file} of the checks, read without importing them."""
        found: dict[str, Path] = {}
        for path in sorted(self.checks.glob("test_*.py")):
            source = path.read_text()
            try:
                names = [node.name for node in ast.parse(source).body
                         if isinstance(node, ast.FunctionDef) and node.name.startswith("test_")]
            except SyntaxError:  # its tests exist; grading reports them as not loaded, naming the error
                names = re.findall(r"^def (test_\w+)\(", source, re.M)
            found.update(dict.fromkeys(names, path))
        return found

    def activate(self) -> "Course":
        """Make the course's packages (reference, checks) importable in this process, and
        forget those of another course imported before (one course per process at a time)."""
        for folder in (self.reference, self.checks):
            loaded = sys.modules.get(folder.name)
            origin = getattr(loaded, "__path__", [None])[0] if loaded is not None else None
            if origin is not None and Path(origin).resolve() != folder:
                for name in [n for n in sys.modules if n == folder.name or n.startswith(folder.name + ".")]:
                    del sys.modules[name]
        for parent in {str(self.checks.parent), str(self.reference.parent)}:
            if parent in sys.path:
                sys.path.remove(parent)
            sys.path.insert(0, parent)
        from .grader.notebook import register  # stdlib only; nbformat is imported when a notebook is read

        register(self.reference.name, {f"{self.reference.name}.{self.modules[0]}": self.reference / self.notebook_file}
                 if self.notebook_file else {})
        importlib.invalidate_caches()
        return self

    def load_plugin(self) -> ModuleType | None:
        """The worker plugin, imported here (instructor code), or None."""
        if self.plugin is None:
            return None
        self.activate()
        relative = self.plugin.relative_to(self.checks.parent).with_suffix("")
        return importlib.import_module(".".join(relative.parts))


def default_deliverable(course: Course) -> Literal["notebook", "files"]:
    """What a course's students hand in, when its manifest does not say: the notebook when
    the template they start from holds one (an instructor who hands out a notebook expects
    it back), else the .py files (a notebook beside them is the student's scratch work)."""
    if course.notebook_file:
        return "notebook"
    template = course.template
    if course.notebook and template is not None and template.is_dir() and any(template.rglob("*.ipynb")):
        return "notebook"
    return "files"


def _notebook_file(student: Mapping[str, Any], manifest: Path, line_of: LineOf) -> str | None:
    """The notebook ``student.files`` names (a notebook-first course), or None. It is the
    course's only file (a notebook holds every graded function at once), of a course without
    a package, that accepts notebooks."""
    notebooks: list[str] = [f for f in student["files"] if f.endswith(".ipynb")]
    if not notebooks:
        return None
    where = f"{manifest}:{line_of(['student', 'files'])}: files: {notebooks[0]}"
    if len(student["files"]) > 1:
        raise CourseError(f"{where} is a notebook, which holds every graded function: list it alone")
    if student.get("package"):
        raise CourseError(f"{where} is a notebook: a notebook course has no package (package: null)")
    if student.get("notebook") is False:
        raise CourseError(f"{where} is a notebook, but student.notebook is false (notebooks are not accepted)")
    return notebooks[0]


def _check_reference_notebook(course: Course, line_of: LineOf) -> None:
    """A reference notebook must be graded as it reads: every cell parses, and no graded
    function reads a name that only a statement grading leaves out (a training loop) sets."""
    if not course.notebook_file:
        return
    from .grader.notebook import reference_module

    problems = reference_module(course.reference / course.notebook_file).problems
    if problems:
        raise CourseError(f"{course.manifest}:{line_of(['student', 'files'])}: the reference "
                          f"{course.notebook_file} does not grade as it reads:\n  " + "\n  ".join(problems))


def find_manifest(path: str | os.PathLike[str] | None = None) -> Path:
    path = Path(path) if path is not None else BUNDLED
    manifest = path / MANIFEST if path.is_dir() else path
    if not manifest.is_file():
        raise CourseError(f"no course manifest at {manifest} (a course is a folder with {MANIFEST})")
    return manifest.resolve()


def load(path: "str | os.PathLike[str] | Course | None" = None) -> Course:
    """The course of a folder (or manifest file); the bundled course by default; a loaded
    Course as it is."""
    if isinstance(path, Course):
        return path
    manifest = find_manifest(path)
    data, line_of = read_yaml(manifest)
    validate(data, line_of, manifest)
    root = manifest.parent
    student = data.get("student") or {}
    missing = [key for key in ("student", "reference", "template", "checks") if key not in data]
    if missing:
        raise CourseError(f"{manifest}: a course manifest needs {', '.join(missing)} (see docs/authoring.md)")

    def folder(key: str, required: bool = True) -> Path | None:
        value = data.get(key)
        if value is None:
            return None
        found = (root / str(value)).resolve()
        if required and not found.exists():
            raise CourseError(f"{manifest}:{line_of([key])}: {key}: {found} does not exist")
        return found

    def given(key: str, required: bool = True) -> Path:  # a folder the manifest must name (checked above)
        path = folder(key, required)
        if path is None:
            raise CourseError(f"{manifest}:{line_of([key])}: {key}: a folder is needed")
        return path
    key = data.get("answer_key") or None
    notebook_file = _notebook_file(student, manifest, line_of)
    course = Course(
        root=root, manifest=manifest, name=data.get("course", root.name), title=data["title"],
        files=tuple(Path(f).with_suffix(".py").name if f == notebook_file else f for f in student["files"]),
        notebook_file=notebook_file, package=student.get("package"), aliases=tuple(student.get("aliases", ())),
        answers_file=student.get("answers"),
        notebook=student.get("notebook", True), packages=tuple(student.get("packages", ())),
        stand_ins=student["stand_ins"] if student.get("stand_ins") == "auto" else tuple(student.get("stand_ins", ())),
        import_first=tuple(student.get("import_first", ())),
        reference=given("reference"), template=given("template", required=False), checks=given("checks"),
        scaffold=tuple(data.get("scaffold", ())), plugin=folder("plugin"),
        answer_key=(root / key["file"]).resolve() if key else None, symbols=(key or {}).get("symbols", {}),
        choices={k: tuple(v) for k, v in (key or {}).get("choices", {}).items()},
        answers_help=(key or {}).get("help", ""), data=tuple((root / d).resolve() for d in data.get("data", ())),
        record=folder("record"), variants=folder("variants", required=False),
        experiment=folder("experiment", required=False))
    course = dataclasses.replace(course, deliverable=student.get("deliverable") or default_deliverable(course))
    _check(course, line_of)
    return course


def _check(course: Course, line_of: LineOf) -> None:
    """Raise CourseError, naming the manifest's line, where a loaded course contradicts
    itself or its files: a deliverable notebooks cannot be, a student file or module the
    reference lacks, aliases without a package, a plugin outside the checks, no answer key."""
    manifest = course.manifest
    if course.deliverable == "notebook" and not course.notebook:
        raise CourseError(f"{manifest}:{line_of(['student', 'deliverable'])}: deliverable: notebook, but "
                          "student.notebook is false (notebooks are not accepted)")
    if course.notebook_file and course.deliverable != "notebook":
        raise CourseError(f"{manifest}:{line_of(['student', 'deliverable'])}: deliverable: files, but "
                          f"student.files names the notebook {course.notebook_file}, which students hand in")
    for key, listed in (("student", course.files), ("scaffold", course.scaffold)):
        for i, file in enumerate(listed):
            file = course.source_of(file) if key == "student" else file
            if not (course.reference / file).is_file():
                where: list[str | int] = ["student", "files", i] if key == "student" else ["scaffold", i]
                raise CourseError(f"{manifest}:{line_of(where)}: the reference has no {file}")
    _check_reference_notebook(course, line_of)
    if course.aliases and not course.package:
        raise CourseError(f"{manifest}:{line_of(['student', 'aliases'])}: aliases name a package: set student.package")
    for i, name in enumerate(course.import_first):
        module_file = course.module_file(name)
        if module_file is None or not module_file.is_file():
            raise CourseError(f"{manifest}:{line_of(['student', 'import_first', i])}: import_first: the reference has no "
                              f"module {name} (a module of the student's package, as its code imports it)")
    if course.plugin is not None and not course.plugin.is_relative_to(course.checks):
        raise CourseError(f"{manifest}:{line_of(['plugin'])}: the plugin must live in the checks folder")
    if course.answer_key is not None and not course.answer_key.is_file():
        raise CourseError(f"{manifest}:{line_of(['answer_key', 'file'])}: {course.answer_key} does not exist")
