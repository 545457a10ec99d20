"""A course's declared variants: the mistakes students make and the correct ways they write
the code, kept as data beside the checks (the manifest's ``variants:``, docs/verifying.md).

Each variant is the reference with one change:
- ``file`` + ``replace`` + ``with``: a text edit that must apply exactly once;
- ``function`` + ``source``: a whole function or method replaced;
- ``files``: a folder whose files replace the reference's (paths inside the package; a
  notebook course's whole notebook, as a student hands it in);
- ``answers``: the answers file, as a student writes it.

A mistake names the contract functions it breaks (``loses``): each must lose points on a
test that covers it, and no test that covers none of them may lose any; ``hint`` lists
words the messages of its losing tests must contain; ``may_also_lose`` names functions whose
tests may lose points too, where the engine cannot keep them apart (a training run calls the
student's own step, and the step the student's own helpers). A mistake whose code does not
even run (a NameError, a missing import) proves nothing and fails, unless it says ``raises``.
An alternative must get full marks. ``judge`` says whether a grading did what the variant says.
"""
import ast
import dataclasses
import shutil
import textwrap
from pathlib import Path

import yaml

from ..course import CourseError, read_yaml, validate
from ..grader.serving import reach

MISTAKE, ALTERNATIVE = "mistake", "alternative"
# errors that say the variant's own code is broken (a misspelt name, an import it lacks),
# not a mistake of the kind a check must catch: it would lose its points to anything
BROKEN = {"NameError", "UnboundLocalError", "ImportError", "ModuleNotFoundError"}
_CHANGE = {"file": {"type": "string"}, "replace": {"type": "string"}, "with": {"type": "string"},
           "function": {"type": "string"}, "source": {"type": "string"}, "files": {"type": "string"},
           "answers": {"type": "object"}, "name": {"type": "string"}, "why": {"type": "string"}}
_ENTRY = {"type": "object", "required": ["name"], "additionalProperties": False, "properties": _CHANGE}
SCHEMA = {"type": "object", "additionalProperties": False, "properties": {
    "mistakes": {"type": "array", "items": {**_ENTRY, "required": ["name", "loses"], "properties": {
        **_CHANGE, "loses": {"type": "array", "items": {"type": "string"}, "minItems": 1},
        "hint": {"type": "array", "items": {"type": "string"}},
        "may_also_lose": {"type": "array", "items": {"type": "string"}}, "raises": {"type": "boolean"}}}},
    "alternatives": {"type": "array", "items": _ENTRY}}}


@dataclasses.dataclass(frozen=True)
class Variant:
    name: str
    kind: str  # MISTAKE or ALTERNATIVE
    changed: dict  # {file inside the package: its whole new text}
    answers: dict | None = None  # the answers file's content, where the variant changes it
    loses: frozenset = frozenset()  # mistakes: the contract names whose tests must lose points
    may_also_lose: frozenset = frozenset()  # and those whose tests may (a training run of the student's own step)
    hint: tuple = ()  # words the message of some test it loses must contain (its name in the student's terms)
    why: str = ""  # an alternative's reason (an accepted mutant says why it is correct)
    where: str = ""  # "variants.yaml:12", for messages
    edit: tuple = ()  # (file, old, new) of a text edit, to apply it over other edits too
    raises: bool = False  # a mistake that is meant to raise a NameError or ImportError (a missing import)

    @property
    def expected(self):
        return "full marks" if self.kind == ALTERNATIVE else "loses " + ", ".join(sorted(self.loses))

    def submission(self, course, target):
        """The reference as a student submits it, with this variant's change, in ``target``."""
        target = reference_submission(course, Path(target))
        for file, text in self.changed.items():
            write_module(course, target, file, text)
        if self.answers is not None:
            (target / course.answers_file).write_text(yaml.safe_dump(self.answers, allow_unicode=True))
        return target

    def judge(self, assignment, graded):
        """(whether ``graded``, a verify.grading.Graded, is what this variant says, what it got, in words)."""
        records = {t: graded.records.get(t) or {"name": t, "score": 0.0, "max_score": spec.points,
                                                "output": "(no result)"} for t, spec in assignment.tests.items()}
        lost = {t: r for t, r in records.items() if r["score"] < r["max_score"]}
        if self.kind == ALTERNATIVE:
            got = f"{graded.score:g} / {assignment.total:g}" + listed([_short(r) for r in lost.values()])
            return not lost and not graded.course_errors, got
        # each function it breaks loses points on a test of its own; no test of another function does
        # (a test may cover several functions: a training run over a step, a group of answers)
        covering = {f: {t for t, spec in assignment.tests.items() if f in spec.covers} for f in self.loses}
        got = "lost " + (", ".join(_covers(assignment, t) for t in lost) or "nothing")
        notes = [f"{f} kept its points" for f, tests in sorted(covering.items()) if not tests & set(lost)]
        notes += [f"{function} raised {error}: the variant itself does not run (a mistake a check must catch "
                  "computes a wrong value; say `raises: true` where raising is the mistake)"
                  for function, error in graded.raised if error in BROKEN and not self.raises]
        notes += [_short(r) for t, r in lost.items()
                  if not set(assignment.tests[t].covers) & (self.loses | self.may_also_lose)]
        # named where some test it loses says so: a training run's message tells the dynamics
        # that went wrong (a loss off its band), which fit many causes, and must not claim one
        own = {t: r for t, r in lost.items() if set(assignment.tests[t].covers) & self.loses}
        if self.hint and own and not any(all(word.lower() in r["output"].lower() for word in self.hint)
                                         for r in own.values()):
            notes += [f"no message of the tests it lost says {', '.join(map(repr, self.hint))}: "
                      + "; ".join(f"{_covers(assignment, t)}: {first_failure(r['output'])}" for t, r in own.items())]
        return not notes and not graded.course_errors, got + listed(notes)

    def regraded(self, course, assignment):
        """The test ids whose verdicts this variant may change: those whose covered functions
        reach what it changes (``touches``) or may also cost; None (every test) for a wider
        change. No other test can run the changed code, so on any seed its verdict is the
        reference's on that seed."""
        touched = self.touches(course)
        if touched is None:
            return None
        touched |= self.may_also_lose
        return tuple(t for t, spec in assignment.tests.items()
                     if any(reach(course, name) & touched for name in spec.covers)) or None

    def touches(self, course):
        """The contract names this variant may change the results of: the functions and
        methods whose definitions differ from the reference's, every function of a file whose
        other code differs (imports, constants, a helper of the student's own), the answers
        where it changes them; None (everything) where it adds a file of its own."""
        names = {n for n in course.coverable() if n.startswith("answers.")} if self.answers is not None else set()
        module_of = dict(zip(course.files, course.modules))
        for file, text in self.changed.items():
            module = module_of.get(file)
            if module is None or not (course.reference / course.source_of(file)).is_file():
                return None
            before, after = _definitions(course.reference_source(file)), _definitions(text)
            changed = {f"{module}.{q}" for q in before.keys() | after.keys() if before.get(q) != after.get(q)}
            if changed - course.functions():  # module-level code, or a function outside the contract
                changed = {name for name in course.functions() if name.startswith(module + ".")}
            names |= changed
        return frozenset(names)


def _definitions(text):
    """{qualname: its syntax tree, dumped} of a module's functions and methods; "" holds
    everything else (imports, constants, class bodies), which no single function owns."""
    found, rest = {}, []
    for node in ast.parse(text).body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            found[node.name] = ast.dump(node)
        elif isinstance(node, ast.ClassDef):
            for item in node.body:
                if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    found[f"{node.name}.{item.name}"] = ast.dump(item)
            rest += [node.name, *map(ast.dump, [*node.bases, *node.keywords, *node.decorator_list]),
                     *(ast.dump(item) for item in node.body if not isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)))]
        else:
            rest.append(ast.dump(node))
    return {**found, "": "\n".join(rest)}


def listed(notes, shown=3):
    """"; a; b; c; and 4 more": the first few notes, after what was got."""
    more = [f"and {len(notes) - shown} more"] if len(notes) > shown else []
    return "".join(f"; {n}" for n in [*notes[:shown], *more])


def _covers(assignment, test_id):
    return ", ".join(assignment.tests[test_id].covers)


def first_failure(output):
    """What a test's message says first about its failure: the first failed part's line
    (after the list of those that passed), else its first line, with the hint under it."""
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    at = next((i for i, line in enumerate(lines) if line.startswith("failed")), 0)
    shown = lines[at:at + 1] + [line for line in lines[at + 1:at + 4] if line.lower().startswith("hint")]
    return " ".join(shown)[:500]


def _short(record):
    return f"{record['name']} scored {record['score']:g} of {record['max_score']:g}: {first_failure(record['output'])}"


def reference_submission(course, target):
    """The reference laid out as a student submits it: its package (or files) and, for a
    course with an answer key, the key as the answers file."""
    inside = target / course.package if course.package else target
    shutil.copytree(course.reference, inside, ignore=shutil.ignore_patterns("__pycache__"), dirs_exist_ok=True)
    if course.answer_key is not None and not (target / course.answers_file).exists():
        shutil.copyfile(course.answer_key, target / course.answers_file)
    return target


def write_module(course, target, file, text):
    """Write ``text`` as the student file ``file`` of the submission in ``target``. A
    notebook-first course's module is written as its .py file, in place of the reference's
    notebook (removed: of a notebook and .py files, the notebook would be graded)."""
    inside = target / course.package if course.package else target
    (inside / file).parent.mkdir(parents=True, exist_ok=True)
    (inside / file).write_text(text)
    if course.source_of(file) != file:
        (inside / course.source_of(file)).unlink(missing_ok=True)


def replace_function(text, qualname, source):
    """``text`` with the function (or method) ``qualname`` ("f", "Class.method") replaced by
    ``source``, re-indented to its place; decorators included."""
    lines, owner, node = text.splitlines(keepends=True), ast.parse(text), None
    for part in qualname.split("."):
        body = owner.body if node is None else node.body
        node = next((n for n in body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
                     and n.name == part), None)
        if node is None:
            raise KeyError(qualname)
    first = min([node.lineno, *(d.lineno for d in node.decorator_list)])
    indent = lines[first - 1][:len(lines[first - 1]) - len(lines[first - 1].lstrip())]
    new = textwrap.indent(textwrap.dedent(source).strip("\n") + "\n", indent)
    return "".join(lines[:first - 1]) + new + "".join(lines[node.end_lineno:])


def load(course):
    """The course's declared variants, in file order (mistakes first); [] without a
    ``variants:`` entry. Raises CourseError, naming the line, for an entry that does not
    apply to the reference or names no function of the course."""
    if course.variants is None:
        return []
    if not course.variants.is_file():
        raise CourseError(f"{course.manifest}: variants: {course.variants} does not exist")
    data, line_of = read_yaml(course.variants)
    validate(data or {}, line_of, course.variants, schema=SCHEMA)
    known, found = course.coverable(), []
    for key, kind in (("mistakes", MISTAKE), ("alternatives", ALTERNATIVE)):
        for index, entry in enumerate((data or {}).get(key) or []):
            where = f"{course.variants.name}:{line_of([key, index])}"

            def fail(why, where=where, entry=entry):
                raise CourseError(f"{course.variants}:{where.split(':')[1]}: {entry['name']}: {why}")
            unknown = sorted((set(entry.get("loses", ())) | set(entry.get("may_also_lose", ()))) - known)
            if unknown:
                fail(f"loses {', '.join(unknown)}, which is no function of the course's reference nor an answer")
            changed = _changes(course, entry, fail)
            if not changed and "answers" not in entry:
                fail("changes nothing: give file/replace/with, function/source, files or answers")
            edit = (entry.get("file"), entry["replace"], entry["with"]) if "replace" in entry else ()
            found.append(Variant(entry["name"], kind, changed, entry.get("answers"), frozenset(entry.get("loses", ())),
                                 frozenset(entry.get("may_also_lose", ())), tuple(entry.get("hint", ())),
                                 entry.get("why", ""), where, edit, entry.get("raises", False)))
    names = [v.name for v in found]
    twice = sorted({n for n in names if names.count(n) > 1})
    if twice:
        raise CourseError(f"{course.variants}: variant names must be unique: {', '.join(twice)}")
    return found


def _changes(course, entry, fail):
    """{file: new text} of one entry's edit, replacement or overlay."""
    changed = {}
    if "files" in entry:
        folder = (course.variants.parent / entry["files"]).resolve()
        if not folder.is_dir():
            fail(f"files: {folder} is not a folder")
        changed.update({str(p.relative_to(folder)): p.read_text() for p in sorted(folder.rglob("*"))
                        if p.suffix in (".py", ".ipynb") and "__pycache__" not in p.parts})
    if "replace" in entry or "source" in entry:
        file = entry.get("file") or _file_of(course, entry.get("function", ""))
        file = {course.source_of(f): f for f in course.files}.get(file, file)  # hw3.ipynb: its module hw3.py
        if file not in course.files:
            fail(f"file: {file!r} is not one of the student's files ({', '.join(course.files)})")
        text = changed.get(file) or course.reference_source(file)
        if "replace" in entry:
            if "with" not in entry:
                fail("replace needs its `with`")
            count = text.count(entry["replace"])
            if count != 1:
                fail(f"the text to replace occurs {count} times in {file}, not once (has the reference changed?)")
            changed[file] = text.replace(entry["replace"], entry["with"])
        else:
            qualname = entry["function"].removeprefix(file.removesuffix(".py").replace("/", ".") + ".")
            try:
                changed[file] = replace_function(text, qualname, entry["source"])
            except KeyError:
                fail(f"function: {entry['function']} is not defined in {file}")
            except SyntaxError as exc:
                fail(f"the reference's {file} does not parse: {exc}")
        try:
            ast.parse(changed[file])
        except SyntaxError as exc:
            fail(f"the changed {file} does not parse (line {exc.lineno}: {exc.msg})")
    return changed


def _file_of(course, function):
    """The student file that defines a contract name ("models.net.Model.f" → "models/net.py")."""
    for module, file in sorted(zip(course.modules, course.files), key=lambda mf: -len(mf[0])):
        if function.startswith(module + "."):
            return file
    return None
