"""``autograder new-course FOLDER``: a course folder that grades out of the box, with one
example function to replace (docs/authoring.md explains each part). With ``--notebook``,
a notebook-first course: students fill in and hand back one notebook, generated from the
reference notebook."""
import json
import re
from pathlib import Path

from .. import template
from ..course import load

MANIFEST = '''# {title}: what students write, where the reference, template and checks are, and how
# it is graded. Schema: autograder/course_schema.json; guide: docs/authoring.md.
course: {name}
title: "{title}"
student:
  files: [example.py]        # add each file students write
  package: null              # or the folder they live in (codebase), for package layouts
  answers: null              # or answers.yaml, with answer_key below
reference: reference         # the solved files, a Python package
template: student_template   # regenerate with: autograder template --course .
checks: checks               # test_*.py
variants: variants.yaml      # mistakes and alternatives `autograder validate` grades (docs/verifying.md)
total: 4
defaults:
  visibility: visible
  timeout_s: 20
problems:
  - name: example
    title: An example function (example.py)
    tests:
      test_softplus: {{points: 4, covers: [example.softplus]}}
'''

REFERENCE = '''"""The reference of {title}: one example function. Replace it with yours."""
import torch.nn.functional as F


def softplus(x):
    """log(1 + exp(x)), elementwise, finite for any finite x (a smooth ReLU).

    Args:
        x: tensor of any shape.

    Returns:
        tensor of x's shape, dtype and device.
    """
    # SOLUTION
    return F.softplus(x)
'''

CHECK = '''"""example.py: the example function's check (replace with yours)."""
import torch


def test_softplus(grader, draw):
    x = draw.normal(5, 4, scale=3.0)
    grader.values_and_float64("example.softplus", x, mistakes={{"log(exp(x)) (the 1 is missing)": x}})
    with grader.part("stable at x = ±100", needs="values"):
        grader.check("example.softplus", 100.0 * torch.sign(x))
    with grader.part("gradients"):
        grader.check_gradients("example.softplus", [x.requires_grad_()], ["x"], [draw.normal(5, 4)])
'''

VARIANTS = '''# Mistakes students make and correct submissions written otherwise, each one change of the
# reference: `autograder validate` grades every one. A mistake must lose points on the tests
# of the functions it `loses` and nowhere else; an alternative must get full marks.
# Forms of a change: docs/verifying.md.
mistakes:
  - name: log(exp(x)), the 1 missing
    file: example.py
    replace: "return F.softplus(x)"
    with: "return x.exp().log()"
    loses: [example.softplus]
alternatives:
  - name: the stable formula written out
    function: example.softplus
    source: |
      def softplus(x):
          return x.clamp(min=0) + (-x.abs()).exp().log1p()
'''

README = '''# {title}

A course for the autograder, started with `autograder new-course`. The commands below run
from this folder. Grade the reference:

    autograder grade reference --course . --results results.json

The example function is `softplus` in five places; replace it with yours, or delete it
once your first function grades: `reference/example.py`, `checks/test_example.py`, the
`example` problem and `example.py` in `student.files` of `course.yaml`, its variants in
`variants.yaml`, and `student_template/example.py` (regenerated). Then, in this order (docs/authoring.md has the
details and line counts; docs/api.md what a check can call):

1. `reference/`: the solved files students write; mark each solution with `# SOLUTION`.
2. `course.yaml`: list the files under `student.files`, the tests under `problems`.
3. `checks/test_*.py`: one check per function, written against `autograder.api`.
4. `autograder template --course .` writes `student_template/`.
5. `variants.yaml`: the mistakes students make and the correct ways they write the code,
   each one change of the reference (docs/verifying.md).
6. `autograder validate --course .`: the reference earns full marks, the template and
   degenerate submissions 0, each mistake loses exactly its function's points, each
   alternative full marks, and every check loads (`autograder build` checks it again).
   `--mutants` adds generated mistakes, `--seeds 20` other secret seeds, `--kit` the
   student kit's verdicts.
'''


NOTEBOOK_README = '''# {title}

A notebook course for the autograder, started with `autograder new-course --notebook`.
Students fill in one notebook and hand it back; the reference is that notebook solved.
The commands below run from this folder. Grade the reference:

    autograder grade reference --course . --results results.json

The example function is `softplus` in five places; replace it with yours, or delete it
once your first function grades: its cells in `reference/example.ipynb`,
`checks/test_example.py`, the `example` problem of `course.yaml`, its variants in
`variants.yaml`, and `student_template/example.ipynb` (regenerated). Rename the notebook
as you like (`hw3.ipynb`: `student.files: [hw3.ipynb]`, its functions `hw3.name` in
`covers` and in the checks). Then, in this order (docs/authoring.md, "Notebooks"):

1. `reference/example.ipynb`: the solved notebook, every cell students see (explanations,
   setup, training and plotting cells); mark each solution, in a function, with `# SOLUTION`.
2. `course.yaml`: the tests under `problems`, each covering `example.<function>`.
3. `checks/test_*.py`: one check per function, written against `autograder.api`.
4. `autograder template --course .` writes `student_template/example.ipynb`: the
   solutions stubbed, outputs cleared, every other cell kept (`--check` reports drift).
5. `variants.yaml`: the mistakes students make and the correct ways they write the code,
   each one change of the reference notebook's code (docs/verifying.md).
6. `autograder validate --course .`: the reference earns full marks, the template and
   degenerate submissions 0, each mistake loses exactly its function's points, each
   alternative full marks.
7. `autograder build --course .` (Gradescope's autograder.zip) and
   `autograder student-kit --course .` (the notebook, `check.py` and its README).
'''

NOTEBOOK_MANIFEST = MANIFEST.replace(
    "  files: [example.py]        # add each file students write\n"
    "  package: null              # or the folder they live in (codebase), for package layouts\n",
    "  files: [example.ipynb]     # the notebook students fill in and hand back; its module is `example`\n"
    "  package: null\n").replace(
    "reference: reference         # the solved files, a Python package",
    "reference: reference         # the solved notebook (reference/example.ipynb)").replace(
    "(example.py)", "(example.ipynb)")

# the example notebook's cells: (kind, source); the reference marks its solution as a .py does
NOTEBOOK_CELLS = (
    ("markdown", "# {title}\n\nFill in each function that raises `NotImplementedError`, run the notebook, save it "
                 "and hand it in. Grading runs the notebook's imports, definitions and the cheap assignments they "
                 "read, never its training or plotting cells."),
    ("code", "import torch\nimport torch.nn.functional as F"),
    ("markdown", "## Softplus\n\nA smooth ReLU: $\\log(1 + e^x)$, finite for every finite $x$."),
    ("code", REFERENCE.split("\n\n\n", 1)[1].rstrip("\n")),
    ("markdown", "Try it (this cell is yours: grading does not run it)."),
    ("code", "x = torch.linspace(-100, 100, 5)\nprint(softplus(x))"),
)


def reference_notebook(title):
    """The example reference notebook's JSON text, as Jupyter writes a notebook."""
    cells = []
    for kind, source in NOTEBOOK_CELLS:
        cell = {"cell_type": kind, "metadata": {}, "source": source.format(title=title).splitlines(keepends=True)}
        if kind == "code":
            cell.update(execution_count=None, outputs=[])
        cells.append(cell)
    notebook = {"cells": cells, "nbformat": 4, "nbformat_minor": 4,
                "metadata": {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
                             "language_info": {"name": "python"}}}
    return json.dumps(notebook, sort_keys=True, indent=1, ensure_ascii=False) + "\n"


def new_course(folder, name=None, notebook=False):
    """Write a new course into ``folder`` (which must not exist); returns the files written.
    ``notebook``: a notebook-first course (its reference and template are notebooks)."""
    folder = Path(folder)
    if folder.exists():
        raise SystemExit(f"{folder} already exists: a new course needs a new folder")
    name = name or re.sub(r"[^a-z0-9_-]", "-", folder.name.lower()).strip("-") or "course"
    title = name.replace("-", " ").replace("_", " ").capitalize()
    files = {"course.yaml": MANIFEST.format(name=name, title=title),
             "reference/__init__.py": "", "reference/example.py": REFERENCE.format(title=title),
             "checks/__init__.py": "", "checks/test_example.py": CHECK.format(), "variants.yaml": VARIANTS,
             "README.md": README.format(title=title)}
    if notebook:
        files.pop("reference/example.py")
        files.update({"course.yaml": NOTEBOOK_MANIFEST.format(name=name, title=title),
                      "reference/example.ipynb": reference_notebook(title),
                      "variants.yaml": VARIANTS.replace("file: example.py", "file: example.ipynb"),
                      "README.md": NOTEBOOK_README.format(title=title)})
    for relative, text in files.items():
        (folder / relative).parent.mkdir(parents=True, exist_ok=True)
        (folder / relative).write_text(text)
    course = load(folder)
    template.write(course)
    return sorted(folder.rglob("*.*"))
