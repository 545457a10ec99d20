"""A course's student template, generated from its reference: one source for both.

In a reference function, everything from a ``# SOLUTION`` line to the end of the function
is the solution; the template keeps the signature and docstring and raises
NotImplementedError instead. In a flat course, relative imports of sibling modules are
dropped (students import as they like); scaffold files are copied as they are; the answer
key becomes a blank answers file. A reference notebook's code cells are stubbed the same
way, cell by cell; its outputs and execution counts are cleared, and every other cell
(markdown, setup, training) is kept as it is.
"""
import ast
import json

import yaml

MARKER = "# SOLUTION"
STUB = 'raise NotImplementedError("{name}: not implemented yet")'


def stub_module(source, flat=True, parsed=None):
    """The template version of one reference module's source. ``parsed``: the source as
    Python reads it, line for line (a notebook cell's, its IPython magics blanked)."""
    lines = source.splitlines()
    tree = ast.parse(source if parsed is None else parsed)
    cuts = []  # (first line to remove, last line, indent, name), 1-based
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            for number in range(node.lineno, node.end_lineno + 1):
                if lines[number - 1].strip() == MARKER:
                    indent = lines[number - 1][:len(lines[number - 1]) - len(lines[number - 1].lstrip())]
                    cuts.append((number, node.end_lineno, indent, node.name))
                    break
    for first, last, indent, name in sorted(cuts, reverse=True):
        lines[first - 1:last] = [indent + STUB.format(name=name)]
    kept = [line for line in lines if not (flat and line.startswith("from ."))]
    return "\n".join(kept).rstrip() + "\n"


def stub_notebook(text):
    """The template version of a reference notebook's JSON text: each code cell stubbed
    (``stub_module``), its outputs and execution count cleared; written as Jupyter writes a
    notebook, so that a template saved unchanged in Jupyter does not drift."""
    from .grader.notebook import python_lines

    notebook = json.loads(text)
    for number, cell in enumerate((c for c in notebook.get("cells", []) if c.get("cell_type") == "code"), 1):
        source = "".join(cell.get("source", ""))
        if MARKER in source:
            try:
                stubbed = stub_module(source, parsed="\n".join(python_lines(source)))
            except SyntaxError as exc:
                raise SyntaxError(f"code cell {number}, line {exc.lineno}: {exc.msg}") from None
            source = stubbed if source.endswith("\n") else stubbed.rstrip("\n")
        cell["source"] = source.splitlines(keepends=True)
        cell["outputs"], cell["execution_count"] = [], None
        cell.get("metadata", {}).pop("execution", None)  # run times, as JupyterLab records them
    return json.dumps(notebook, sort_keys=True, indent=1, ensure_ascii=False) + "\n"


def blank_answers(key_text, help_text=""):
    key = yaml.safe_load(key_text)

    def blank(value):
        return {k: blank(v) for k, v in value.items()} if isinstance(value, dict) else ""

    header = "".join(f"# {line}\n" for line in f"Your answers. {help_text}".strip().splitlines())
    return header + yaml.safe_dump(blank(key), sort_keys=False)


def render(course):
    """{relative path: text} of every generated template file of ``course``."""
    prefix = f"{course.package}/" if course.package else ""
    files = {prefix + file: stub_module((course.reference / file).read_text(), flat=not course.package)
             for file in course.files if file == course.source_of(file)}
    if course.notebook_file:
        files[course.notebook_file] = stub_notebook((course.reference / course.notebook_file).read_text())
    files.update({prefix + file: (course.reference / file).read_text() for file in course.scaffold})
    if course.answer_key is not None and course.answers_file:
        files[course.answers_file] = blank_answers(course.answer_key.read_text(), course.answers_help)
    return files


def write(course):
    for name, text in render(course).items():
        (course.template / name).parent.mkdir(parents=True, exist_ok=True)
        (course.template / name).write_text(text)


def drift(course):
    """Names of generated files whose committed copy differs from the generator's output."""
    return [name for name, text in render(course).items()
            if not (course.template / name).is_file() or (course.template / name).read_text() != text]
