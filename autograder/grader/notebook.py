"""A notebook as the module grading imports, and where each of its lines came from.

Which of a notebook's top-level statements run while grading is decided here, in one rule
(``why_not_run``, documented in docs/authoring.md, "Notebooks"):

- every import, function and class definition runs, but an import of the student kit's
  check (``autograder_kit``) or of Colab's own module (``google.colab``): ``ELSEWHERE``;
- an assignment (or an ``if``/``try`` block of them) runs when it sets a name that a
  definition reads, directly or through other kept assignments (or a graded function's
  own name), when everything it reads is set above it by statements that run, and when its
  value is cheap: literals, arithmetic, names, attributes, lambdas, and calls of
  ``CHEAP_CALLS`` only (``torch.device``, ``torch.cuda.is_available``, ``math.*``, a small
  tensor of literals...);
- nothing else runs: loops, ``with`` blocks, calls of anything else (the student's
  functions, a model, an optimiser, a data loader, a download, ``print``), magics
  (``%matplotlib``), shell lines (``!pip``).

So ``device = torch.device('cuda' if torch.cuda.is_available() else 'cpu')`` and
``LOG_2PI = math.log(2 * math.pi)`` are kept when a definition reads them, and
``model = Net().to(device)`` never is. What is left out is listed for the student, with
why, and a graded function that reads a name only a left-out statement sets is named with
that statement's cell. Each line of the module keeps its cell and line, so that an error
reads "cell 7 (In [12]), line 3", never a line of a file the student never saw."""
import ast
import builtins
import dataclasses
import importlib.abc
import importlib.util
import linecache
import os
import re
import sys
import warnings
from collections.abc import Mapping
from pathlib import Path

# The calls a kept assignment may make: cheap constructors and functions without side
# effects (a device, a dtype's limits, a small tensor of literals, arithmetic). "module.*"
# allows every function of that module. Anything else (the student's own functions, a
# model, an optimiser, a data loader, a download, a print) is work grading does not run.
CHEAP_CALLS = frozenset({
    "math.*", "cmath.*",
    "torch.device", "torch.cuda.is_available", "torch.cuda.device_count", "torch.backends.mps.is_available",
    "torch.get_default_dtype", "torch.finfo", "torch.iinfo",
    "torch.tensor", "torch.as_tensor", "torch.zeros", "torch.ones", "torch.full", "torch.eye", "torch.arange",
    "torch.linspace",
    # modules without parameters and laws of fixed parameters: `criterion = nn.BCEWithLogitsLoss()`
    "torch.nn.BCELoss", "torch.nn.BCEWithLogitsLoss", "torch.nn.MSELoss", "torch.nn.CrossEntropyLoss",
    "torch.nn.NLLLoss", "torch.nn.KLDivLoss", "torch.nn.GaussianNLLLoss", "torch.nn.ReLU", "torch.nn.LeakyReLU",
    "torch.nn.Sigmoid", "torch.nn.Tanh", "torch.nn.Softplus", "torch.nn.Flatten",
    "torch.distributions.Normal", "torch.distributions.Bernoulli", "torch.distributions.Categorical",
    "torch.distributions.Uniform",
    "numpy.array", "numpy.asarray", "numpy.zeros", "numpy.ones", "numpy.full", "numpy.eye", "numpy.arange",
    "numpy.linspace", "numpy.log", "numpy.exp", "numpy.sqrt", "numpy.float32", "numpy.float64", "numpy.finfo",
    "int", "float", "bool", "str", "complex", "tuple", "list", "dict", "set", "frozenset", "range", "len", "abs",
    "min", "max", "round", "divmod", "slice",
    "collections.namedtuple", "functools.partial",
})
# cell magics whose body is Python that runs (timed, or with its output captured); any
# other cell magic (%%bash, %%writefile, %%html) makes its cell something else than Python
PYTHON_CELL_MAGICS = ("time", "timeit", "capture", "prun")
DEFINITIONS = (ast.Import, ast.ImportFrom, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)
SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)
MAX_LISTED, MAX_TEXT = 10, 60
# modules of the places a notebook is run in, which grading is not: an import of one does not
# run while grading (with why). The student kit's in-notebook check, whose import and calls
# are not even listed (they are the kit's lines, not the homework's), and Colab's own module
# (`from google.colab import drive`), which only a Colab runtime has.
KIT_PACKAGE = "autograder_kit"
ELSEWHERE = {KIT_PACKAGE: "the student kit's check", "google.colab": "Colab's own module, which grading runs without"}
# a notebook whose metadata holds this key, true, is a kernel's history (the kit's check wrote
# it): its code cells are the inputs the kernel ran, in the order they ran, each named by its
# In [n] alone (its place among them is no cell the student sees)
HISTORY = "autograder_kit_history"


@dataclasses.dataclass(frozen=True)
class Cell:
    """A code cell: its number among the notebook's code cells (from 1), its execution count
    when it ran, its lines as the student wrote them and as parsed (magics blanked)."""
    number: int
    count: int | None
    written: tuple
    lines: tuple
    history: bool = False  # a kernel's input (HISTORY): named by its In [n] alone

    @property
    def label(self):
        """"cell 7 (In [12])", as the student finds it in Jupyter; "In [12]" of a kernel's input."""
        if self.history and self.count is not None:
            return f"In [{self.count}]"
        return f"cell {self.number}" + (f" (In [{self.count}])" if self.count is not None else "")


@dataclasses.dataclass(frozen=True)
class Place:
    """A line of a cell."""
    cell: Cell
    line: int

    @property
    def text(self):
        return self.cell.written[self.line - 1] if self.line <= len(self.cell.written) else ""

    def __str__(self):
        return f"{self.cell.label}, line {self.line}"


@dataclasses.dataclass(frozen=True)
class LeftOut:
    """A statement (or a magic, a shell line) that does not run while grading, and why."""
    place: Place
    why: str
    text: str  # its first line (of a line holding several statements, its own part)

    def __str__(self):
        return f"{self.place} `{_short(self.text.strip())}` ({self.why})"


@dataclasses.dataclass
class Statement:
    """A top-level statement of a cell, with the names it sets and reads."""
    cell: Cell
    node: ast.stmt
    binds: frozenset  # names it sets at the top level
    now: frozenset  # names it reads when it runs (a definition: its decorators, defaults, bases)
    later: frozenset  # names the functions it defines read when they are called
    why: str | None  # why it may not run; None where it may
    kits: bool = False  # a line of the student kit's check (its import, a call of it): never listed

    @property
    def listed(self):
        """Whether leaving it out is worth telling the student: not for a bare ``x`` that
        Jupyter displays, a ``pass``, an annotation alone or the kit's check."""
        return self.why is not None and not self.kits and not _quiet(self.node)

    @property
    def definition(self):
        return isinstance(self.node, DEFINITIONS)

    @property
    def place(self):
        return Place(self.cell, _start(self.node)[0])

    @property
    def text(self):
        """Its first line, from where it starts."""
        line, column = _start(self.node)
        end = self.node.end_col_offset if self.node.end_lineno == line else None
        return _cut(self.cell.lines[line - 1], column, end)

    def left_out(self):
        return LeftOut(self.place, self.why, self.text)


@dataclasses.dataclass
class NotebookModule:
    """The module made from a notebook: its source, the cell line each of its lines came
    from, its kept top-level statements, what was left out, and notes for the student."""
    source: str = ""
    origins: tuple = ()  # per line of ``source``: a Place, or None
    body: list = dataclasses.field(default_factory=list)  # the kept top-level statements (ast nodes)
    left_out: list = dataclasses.field(default_factory=list)  # LeftOut
    notes: list = dataclasses.field(default_factory=list)
    history: bool = False  # made of a kernel's inputs (HISTORY), not of a saved notebook

    def place(self, line):
        """The cell line of ``line`` (from 1) of the module, or None."""
        return self.origins[line - 1] if 0 < line <= len(self.origins) else None

    @property
    def problems(self):
        """The notes saying the module is not what the notebook means (it does not read, a
        cell does not parse, a definition reads a name only a left-out statement sets);
        the list of what did not run is none: a training cell is meant not to run."""
        return [note for note in self.notes if note not in _left_out_note(self.left_out)]


def notebook_to_module(path, graded=()):
    """The module of the notebook at ``path``: the statements ``why_not_run`` lets run.
    ``graded``: the names of the graded functions and classes (their reads are the ones a
    left-out statement must be named for)."""
    import nbformat  # here: only a notebook needs it (the kit of a course without notebooks does not install it)

    try:
        with warnings.catch_warnings():  # notebooks from older Jupyter lack cell ids; harmless here
            warnings.simplefilter("ignore")
            notebook = nbformat.read(path, as_version=4)
    except Exception as exc:  # nbformat raises many kinds for a broken file
        return NotebookModule(notes=[f"Could not read the notebook {path.name}: {exc}"])
    module, statements = NotebookModule(), []
    code = [cell for cell in notebook.cells if cell.cell_type == "code"]
    history = module.history = notebook.metadata.get(HISTORY) is True
    for number, raw in enumerate(code, 1):
        count = raw.get("execution_count")
        cell, magics = _cell(number, count if isinstance(count, int) else None, raw.source, history)
        module.left_out += magics
        try:
            tree = ast.parse("\n".join(cell.lines))
        except SyntaxError as exc:
            module.notes.append(f"Notebook {cell.label} has a syntax error at line {exc.lineno}: {exc.msg}; "
                                "its definitions are missing.")
            continue
        statements += [_statement(cell, node) for node in tree.body]
    aliases, ours = _aliases(statements), frozenset().union(*(s.binds for s in statements if not _is_import(s.node)))
    for statement in statements:
        statement.why = why_not_run(statement.node, lambda f: _callee(f, aliases, ours))
        statement.kits = _kits(statement.node, lambda f: _callee(f, aliases, ours))
    kept = _select(statements, set(graded), star=any(_star(s.node) for s in statements))
    module.left_out += [s.left_out() for s in statements if s not in kept and s.listed]
    module.left_out.sort(key=lambda item: (item.place.cell.number, item.place.line))
    module.source, module.origins = _write(kept)
    module.body = [s.node for s in kept]
    module.notes += _left_out_note(module.left_out) + _unset_reads(statements, kept, set(graded))
    return module


_CONVERTED: dict[tuple[str, int, int], NotebookModule] = {}  # (path, mtime, size) -> NotebookModule


def reference_module(path: str | os.PathLike[str]) -> NotebookModule:
    """The module an instructor's notebook (a course's reference, or its template standing in
    for it in a student kit) makes, converted exactly as a student's notebook is, its public
    top-level definitions being the graded names; once per state of the file, as a course
    reads its reference's module many times."""
    path = Path(path)
    stat = path.stat()
    key = (str(path.resolve()), stat.st_mtime_ns, stat.st_size)
    if key not in _CONVERTED:
        first = notebook_to_module(path)
        public = [node.name for node in first.body if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef,
                                                                        ast.ClassDef))
                  and not node.name.startswith("_")]
        _CONVERTED[key] = notebook_to_module(path, public) if public else first
    return _CONVERTED[key]


class NotebookImporter(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Imports a module made from a notebook (``reference.hw3`` from ``reference/hw3.ipynb``):
    the code that runs is what grading runs of a student's notebook, and a traceback shows
    its lines. One per process, holding every course's notebooks (``register``)."""

    def __init__(self):
        self.notebooks = {}  # module name -> notebook path

    def find_spec(self, fullname, path=None, target=None):
        if fullname not in self.notebooks:
            return None
        return importlib.util.spec_from_loader(fullname, self, origin=str(self.notebooks[fullname]))

    def create_module(self, spec):
        return None  # the default module

    def exec_module(self, module):
        path = self.notebooks[module.__name__]
        source = reference_module(path).source
        filename = f"{path} (as graded)"  # not the notebook's JSON: the converted module's lines
        linecache.cache[filename] = (len(source), None, source.splitlines(keepends=True), filename)
        module.__file__ = str(path)
        exec(compile(source, filename, "exec"), module.__dict__)


IMPORTER = NotebookImporter()


def register(package: str, notebooks: Mapping[str, str | os.PathLike[str]]) -> None:
    """Make each ``{module name: notebook path}`` of the package ``package`` importable in
    this process, in place of those registered for it before (another course's reference of
    the same name, activated earlier, is no longer this one's)."""
    kept = {name: path for name, path in IMPORTER.notebooks.items() if not name.startswith(package + ".")}
    IMPORTER.notebooks = {**kept, **{name: Path(path) for name, path in notebooks.items()}}
    if IMPORTER not in sys.meta_path:
        sys.meta_path.insert(0, IMPORTER)


def why_not_run(node, callee):
    """Why the top-level statement ``node`` does not run while grading, in a few words, or
    None where it may (whether it is needed is ``_select``'s to decide). ``callee(func)``: the
    dotted name a call reaches ("torch.device"), or None for the student's own."""
    elsewhere = _elsewhere(node)
    if elsewhere is not None:
        return ELSEWHERE[elsewhere]
    if isinstance(node, DEFINITIONS):
        return None
    if isinstance(node, (ast.For, ast.AsyncFor, ast.While)):
        return "a loop"
    if isinstance(node, (ast.With, ast.AsyncWith)):
        return "a with block"
    if isinstance(node, (ast.Assign, ast.AnnAssign, ast.AugAssign)):
        targets = node.targets if isinstance(node, ast.Assign) else [node.target]
        if not all(_names_only(t) for t in targets):
            return "it sets an attribute or an item, not a name"
        return _cost(node.value, callee) if node.value is not None else "an annotation alone"
    if isinstance(node, ast.If):
        return _first([_cost(node.test, callee), *(why_not_run(n, callee) for n in node.body + node.orelse)])
    if isinstance(node, ast.Try):
        handlers = [part for h in node.handlers for part in [_cost(h.type, callee) if h.type else None,
                                                               *(why_not_run(n, callee) for n in h.body)]]
        return _first([*(why_not_run(n, callee) for n in node.body + node.orelse + node.finalbody), *handlers])
    if isinstance(node, ast.Expr):
        return _cost(node.value, callee) or "an expression"
    return "not a definition or an assignment"


def _cost(node, callee):
    """Why evaluating the expression ``node`` may do work grading does not run, or None:
    loops (comprehensions) and calls outside CHEAP_CALLS; a lambda's body runs only when
    called. Inner calls are named first (``Net().to(device)`` calls Net)."""
    if isinstance(node, (ast.ListComp, ast.SetComp, ast.DictComp, ast.GeneratorExp)):
        return "a loop (a comprehension)"
    if isinstance(node, (ast.Await, ast.Yield, ast.YieldFrom, ast.NamedExpr)):
        return "not a plain value"
    if isinstance(node, ast.Lambda):
        return _first(_cost(d, callee) for d in [*node.args.defaults, *filter(None, node.args.kw_defaults)])
    why = _first(_cost(child, callee) for child in ast.iter_child_nodes(node))
    if why is None and isinstance(node, ast.Call) and not _cheap(callee(node.func)):
        return f"calls {_short(ast.unparse(node.func), 30)}"
    return why


def _elsewhere(node):
    """The ELSEWHERE module the import ``node`` imports (``from google.colab import drive``,
    ``from google import colab``, ``import autograder_kit``), or None."""
    if isinstance(node, ast.Import):
        names = [alias.name for alias in node.names]
    elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
        names = [node.module, *(f"{node.module}.{alias.name}" for alias in node.names)]
    else:
        return None
    return next((place for place in ELSEWHERE for name in names if name == place or name.startswith(place + ".")),
                None)


def _kits(node, callee):
    """Whether ``node`` is a line of the student kit's check: its import, or a call of what
    that import binds (``check("loss")``, ``autograder_kit.check()``, ``report =
    check()``) as a statement."""
    if _elsewhere(node) == KIT_PACKAGE:
        return True
    if isinstance(node, (ast.Expr, ast.Assign)) and isinstance(node.value, ast.Call):
        reached = callee(node.value.func) or ""
        return reached == KIT_PACKAGE or reached.startswith(KIT_PACKAGE + ".")
    return False


def _cheap(name):
    return name is not None and (name in CHEAP_CALLS or f"{name.rpartition('.')[0]}.*" in CHEAP_CALLS)


def _callee(func, aliases, ours):
    """The dotted name a call of ``func`` reaches: the import it goes through ("np.log" ->
    "numpy.log"), a builtin's name, or None for the student's own objects."""
    parts = []
    while isinstance(func, ast.Attribute):
        parts.insert(0, func.attr)
        func = func.value
    if not isinstance(func, ast.Name):
        return None
    if func.id in aliases:
        return ".".join([aliases[func.id], *parts])
    if func.id in ours or not hasattr(builtins, func.id):
        return None
    return ".".join([func.id, *parts])


def _aliases(statements):
    """{name: the module or object it imports} of the notebook's top-level imports."""
    found = {}
    for statement in statements:
        node = statement.node
        if isinstance(node, ast.Import):  # import a.b binds a; import a.b as c binds c to a.b
            for alias in node.names:
                head = alias.name.split(".")[0]
                found[alias.asname or head] = alias.name if alias.asname else head
        elif isinstance(node, ast.ImportFrom) and node.module and not node.level:
            found.update({alias.asname or alias.name: f"{node.module}.{alias.name}"
                          for alias in node.names if alias.name != "*"})
    return found


def _select(statements, graded, star):
    """The statements that run, in order: every definition, and each runnable assignment
    that sets a name a definition (or a kept assignment) reads, or a graded name, when what
    it reads is set above it. A needed assignment that reads a name nothing above sets is
    left out with that reason (it would fail the whole import)."""
    needed = set(graded).union(*(s.now | s.later for s in statements if s.definition and s.why is None))
    for statement in reversed(statements):  # what assignments read is needed too, from the last to the first
        if statement.why is None and not statement.definition and statement.binds & needed:
            needed |= statement.now | statement.later
    kept, bound = [], set(dir(builtins))
    for statement in statements:
        if statement.why is not None:
            continue
        if not statement.definition:
            if not statement.binds & needed:
                continue  # runnable but nothing reads it: silently not run
            missing = sorted(statement.now - bound)
            if missing and not star:
                statement.why = f"it reads {', '.join(missing)}, not set above by a statement that runs"
                continue
        kept.append(statement)
        bound |= statement.binds
    return kept


def _unset_reads(statements, kept, graded):
    """Notes naming, for each name a graded function (or helper it reads) or a definition's
    header reads that only left-out statements set, the cell of the last of them."""
    set_by_kept = set().union(*(s.binds for s in kept))
    setters = {name: s for s in statements if s not in kept for name in s.binds}
    definitions = {name: s for s in kept if s.definition for name in s.binds}
    readers, todo, seen = {}, [(n, n) for n in sorted(graded, reverse=True) if n in definitions], set()
    while todo:  # the graded definitions and every definition they read, transitively
        name, root = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        for read in definitions[name].now | definitions[name].later:
            readers.setdefault(read, set()).add(name if name == root else f"{name} (used by {root})")
            todo += [(read, root)] if read in definitions else []
    for statement in kept:  # a definition's decorators, defaults and bases run at import
        if statement.definition:
            for read in statement.now:
                readers.setdefault(read, set()).update(n for n in statement.binds)
    notes = []
    for name in sorted(set(readers) - set_by_kept):
        if name in setters:
            setter, who = setters[name], sorted(readers[name])
            notes.append(f"{', '.join(who)} read{'s' if len(who) == 1 else ''} `{name}`, but the statement that "
                         f"sets it, {setter.place} `{_short(setter.text.strip())}`, is not run while grading "
                         f"({setter.why or 'nothing else reads it'}): set `{name}` with a cheap expression (a "
                         "literal, torch.device(...), math), or inside the function.")
    return notes


def _left_out_note(left_out):
    """One note listing what did not run (the first MAX_LISTED), or none."""
    if not left_out:
        return []
    listed = "; ".join(str(item) for item in left_out[:MAX_LISTED])
    more = f"; and {len(left_out) - MAX_LISTED} more" if len(left_out) > MAX_LISTED else ""
    return ["Not run from the notebook (grading runs its imports, definitions and the cheap assignments they "
            f"read): {listed}{more}."]


def _write(kept):
    """The module's source from the kept statements, each at its own line of its cell (a
    left-out statement leaves its lines blank), and the cell line of each source line."""
    by_cell = {}
    for statement in kept:
        lines = by_cell.setdefault(statement.cell, [""] * len(statement.cell.lines))
        (line, column), (end, end_column) = _start(statement.node), _end(statement.node)
        for number in range(line, end + 1):
            text = statement.cell.lines[number - 1]
            text = _cut(text, column if number == line else 0, end_column if number == end else None)
            joined = lines[number - 1] and number == line  # after another statement on its line: `a = 1; b = 2`
            lines[number - 1] = f"{lines[number - 1]}; {text}" if joined else text
    source, origins = [], []
    for cell, lines in by_cell.items():
        source += lines
        origins += [Place(cell, number) for number in range(1, len(lines) + 1)]
    return "\n".join(source) + "\n", tuple(origins)


def _cell(number, count, text, history=False):
    """The Cell of a code cell's source and the magics and shell lines left out of it: each
    such line is blanked (``pass`` where it is indented), so every other line keeps its number.
    ``history``: the cell is a kernel's input (HISTORY)."""
    # lines as Python counts them (str.splitlines would also split at \f or \u2028 in a string)
    written = tuple(re.sub(r"\r\n?", "\n", text).split("\n")) if text else ()
    lines = list(written)
    magic = re.match(r"%%(\w+)", written[0].strip()) if written else None
    if magic and magic.group(1) not in PYTHON_CELL_MAGICS:
        cell = Cell(number, count, written, tuple("" for _ in written), history)
        return cell, [LeftOut(Place(cell, 1), f"a %%{magic.group(1)} cell", written[0])]
    kinds = []
    for index, line in enumerate(written):
        kind = _magic_kind(line)
        if kind is not None:
            indent = line[:len(line) - len(line.lstrip())]
            lines[index] = f"{indent}pass" if indent else ""
            kinds.append((index + 1, kind))
    cell = Cell(number, count, written, tuple(lines), history)
    return cell, [LeftOut(Place(cell, line), kind, written[line - 1]) for line, kind in kinds]


def python_lines(text):
    """A code cell's lines as Python reads them: each IPython magic and shell line blanked,
    every other line at its own number (``_cell``)."""
    return list(_cell(0, None, text)[0].lines)


def _magic_kind(line):
    """What an IPython-only line is ("a shell command", "an IPython magic", "a help request"),
    or None for a Python line."""
    stripped = line.strip()
    assigned = re.match(r"[\w.,\s]+=\s*([!%])", stripped)  # files = !ls, t = %timeit -o f()
    if stripped.startswith("!") or (assigned and assigned.group(1) == "!"):
        return "a shell command"
    if stripped.startswith("%") or assigned:
        return "an IPython magic"
    if re.fullmatch(r"\?{1,2}[\w.]+|[\w.]+\?{1,2}", stripped):
        return "a help request"
    return None


def _statement(cell, node):
    now, later = _reads(node)
    return Statement(cell, node, frozenset(_bound([node])), frozenset(now), frozenset(later), None)


def _reads(node):
    """(names ``node`` reads from the module when it runs, names the functions it defines
    read when they are called): every loaded name, less each function's own locals."""
    if isinstance(node, ast.Name):
        return ({node.id} if isinstance(node.ctx, ast.Load) else set()), set()
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
        arguments = node.args
        every = [*arguments.posonlyargs, *arguments.args, *arguments.kwonlyargs,
                 *filter(None, [arguments.vararg, arguments.kwarg])]
        header = [*getattr(node, "decorator_list", []), *arguments.defaults, *filter(None, arguments.kw_defaults),
                  *(a.annotation for a in every if a.annotation), *filter(None, [getattr(node, "returns", None)])]
        now, later = _union(_reads(n) for n in header)
        body = node.body if isinstance(node.body, list) else [node.body]
        inner_now, inner_later = _union(_reads(n) for n in body)
        later |= (inner_now | inner_later) - _bound(body) - {a.arg for a in every}
        return now, later
    if isinstance(node, ast.ClassDef):
        now, later = _union(_reads(n) for n in [*node.decorator_list, *node.bases, *(k.value for k in node.keywords)])
        body_now, body_later = _union(_reads(n) for n in node.body)
        return now | (body_now - _bound(node.body)), later | body_later
    return _union(_reads(child) for child in ast.iter_child_nodes(node))


def _bound(body):
    """Names the statements ``body`` set in their own scope (assigned, imported, defined,
    caught), without those of the functions and classes they define, less ``global`` ones."""
    names, declared, todo = set(), set(), list(body)
    while todo:
        node = todo.pop()
        if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            names.add(node.id)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names.update(a.asname or a.name.split(".")[0] for a in node.names if a.name != "*")
        elif isinstance(node, ast.ExceptHandler) and node.name:
            names.add(node.name)
        elif isinstance(node, ast.Global):
            declared.update(node.names)
        if isinstance(node, SCOPES):
            if not isinstance(node, ast.Lambda):
                names.add(node.name)
                todo += [*node.decorator_list, *(node.bases + [k.value for k in node.keywords]
                                                 if isinstance(node, ast.ClassDef) else [])]
            continue
        todo += ast.iter_child_nodes(node)
    return names - declared


def _union(pairs):
    now, later = set(), set()
    for a, b in pairs:
        now |= a
        later |= b
    return now, later


def _first(reasons):
    return next((r for r in reasons if r), None)


def _names_only(target):
    return isinstance(target, ast.Name) or (isinstance(target, (ast.Tuple, ast.List))
                                             and all(_names_only(t) for t in target.elts))


def _quiet(node):
    """A statement whose leaving out changes nothing: a bare expression with no call (Jupyter
    shows its value), a ``pass``, an annotation without a value."""
    if isinstance(node, ast.AnnAssign):
        return node.value is None
    return isinstance(node, (ast.Expr, ast.Pass)) and not any(isinstance(n, ast.Call) for n in ast.walk(node))


def _is_import(node):
    return isinstance(node, (ast.Import, ast.ImportFrom))


def _star(node):
    return isinstance(node, ast.ImportFrom) and any(a.name == "*" for a in node.names)


def _start(node):
    """(line, column) where a statement's text starts: its first decorator's ``@``."""
    decorators = getattr(node, "decorator_list", [])
    if decorators:
        return min(d.lineno for d in decorators), 0
    return node.lineno, node.col_offset


def _end(node):
    return node.end_lineno, node.end_col_offset


def _cut(line, start, end):
    """``line[start:end]`` where the columns are UTF-8 byte offsets, as ast gives them."""
    encoded = line.encode()
    return encoded[start:end].decode(errors="replace")


def _short(text, width=MAX_TEXT):
    return text if len(text) <= width else text[:width - 1].rstrip() + "…"
