"""The student template, generated from the reference: one source for both.

In a reference function, everything from a ``# SOLUTION`` line to the end of the function
is the solution; the template keeps the signature and docstring and raises
NotImplementedError instead. Imports of sibling modules are dropped (students import as
they like), and the answer key becomes a blank answers.yaml.
"""
import ast
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
REFERENCE = ROOT / "reference"
TEMPLATE = ROOT / "student_template"
MARKER = "# SOLUTION"
STUB = 'raise NotImplementedError("{name}: not implemented yet")'


def stub_module(source):
    """The template version of one reference module's source."""
    lines = source.splitlines()
    tree = ast.parse(source)
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
    kept = [line for line in lines if not line.startswith("from .")]
    return "\n".join(kept).rstrip() + "\n"


def blank_answers(key_text):
    key = yaml.safe_load(key_text)

    def blank(value):
        return {k: blank(v) for k, v in value.items()} if isinstance(value, dict) else ""

    header = ("# Your answers. Formulas are read by sympy (symbols theta, t, a, mu, sigma; exp, log, sqrt, Abs, oo),\n"
              "# receptive fields are lists of pixel labels like [11, 12], bound_order is R1 or R2.\n")
    return header + yaml.safe_dump(blank(key), sort_keys=False)


def render():
    """{relative path: text} of every generated template file."""
    files = {}
    for path in sorted(REFERENCE.glob("*.py")):
        if path.name != "__init__.py":
            files[path.name] = stub_module(path.read_text())
    files["answers.yaml"] = blank_answers((REFERENCE / "answers.yaml").read_text())
    return files


def write(target=TEMPLATE):
    for name, text in render().items():
        (target / name).write_text(text)


def drift(target=TEMPLATE):
    """Names of generated files whose committed copy differs from the generator's output."""
    return [name for name, text in render().items()
            if not (target / name).is_file() or (target / name).read_text() != text]
