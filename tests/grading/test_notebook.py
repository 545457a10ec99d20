"""A notebook submission graded fairly: the course's deliverable is graded when a notebook
and .py files both define the graded functions; of several notebooks, the one named as the
course's before its copies; the notebook state graded code reads is kept (and only that);
errors name the cell and line the student sees. Discovery and conversion only, except the
one end-to-end grading at the bottom (slow)."""
import json

import nbformat
import pytest

from autograder import course as courses
from autograder.course import CourseError
from autograder.grader.discovery import Submission, _naming, discover
from autograder.grader.notebook import CHEAP_CALLS, notebook_to_module
from autograder.grader.remote import _format_error
from autograder.template import stub_module
from tests.submissions import ROOT, WAKE_SLEEP, wake_sleep_manifest

TINY = ROOT / "tests" / "courses" / "tiny"
HW3 = '"""Wake-sleep, as a TA\'s notebook homework has it."""\nimport torch\n\n\n' + WAKE_SLEEP
SOLVED = "def wake_loss(x, w):\n    return -(x * w).mean()\n\n\ndef sleep_loss(z, w):\n    return -(z * w).mean()\n"


def write_notebook(path, cells, counts=None):
    """A notebook of code ``cells`` (their execution counts: ``counts``, or None each)."""
    notebook = nbformat.v4.new_notebook()
    notebook.cells = [nbformat.v4.new_markdown_cell("# Homework 3")]
    for index, source in enumerate(cells):
        cell = nbformat.v4.new_code_cell(source)
        cell.execution_count = counts[index] if counts else None
        notebook.cells.append(cell)
    path.parent.mkdir(parents=True, exist_ok=True)
    nbformat.write(notebook, path)
    return path


def hw3_course(folder, notebook_in_template=False, **student):
    """A course like the TA's: students write hw3.py's functions (wake_loss, sleep_loss), the
    kit hands out hw3.py unsolved, and maybe a notebook too; ``student``: more of its keys
    (``deliverable="notebook"``)."""
    (folder / "reference").mkdir(parents=True)
    (folder / "reference" / "hw3.py").write_text(HW3)
    (folder / "student_template").mkdir()
    (folder / "student_template" / "hw3.py").write_text(stub_module(HW3))
    if notebook_in_template:
        write_notebook(folder / "student_template" / "hw3.ipynb", [stub_module(HW3)])
    (folder / "checks").mkdir()
    student = json.dumps({"files": ["hw3.py"], "answers": None, **student})  # YAML's flow style
    (folder / "course.yaml").write_text(wake_sleep_manifest(student))
    return courses.load(folder)


# trap 1: a .py beside the notebook

def test_a_declared_notebook_deliverable_is_graded_over_a_py_beside_it(tmp_path):
    course = hw3_course(tmp_path / "course", deliverable="notebook")
    write_notebook(tmp_path / "sub" / "hw3.ipynb", ["import torch", SOLVED])
    (tmp_path / "sub" / "hw3.py").write_text("import torch\n" + SOLVED)
    found = discover(tmp_path / "sub", course)
    assert found.notebook == tmp_path / "sub" / "hw3.ipynb" and not found.modules
    assert "Ignored hw3.py: this course grades the notebook when a notebook and .py files are both handed in." \
        in found.notes


def test_the_kits_unsolved_py_never_wins_over_a_solved_notebook(tmp_path):
    course = hw3_course(tmp_path / "course")  # no deliverable declared, no notebook in the template: files
    assert course.deliverable == "files"
    write_notebook(tmp_path / "sub" / "hw3.ipynb", ["import torch", SOLVED])
    (tmp_path / "sub" / "hw3.py").write_text(stub_module(HW3))
    found = discover(tmp_path / "sub", course)
    assert found.notebook == tmp_path / "sub" / "hw3.ipynb" and not found.modules
    assert ("Ignored hw3.py: none of its graded functions is written (each is the template's stub), "
            "while hw3.ipynb writes 2.") in found.notes


def test_written_py_files_are_the_deliverable_by_default_and_the_notebook_is_named_as_ignored(tmp_path):
    course = hw3_course(tmp_path / "course")
    write_notebook(tmp_path / "sub" / "hw3.ipynb", ["import torch", SOLVED])
    write_notebook(tmp_path / "sub" / "plots.ipynb", ["import matplotlib"])
    (tmp_path / "sub" / "hw3.py").write_text("import torch\n" + SOLVED)
    found = discover(tmp_path / "sub", course)
    assert found.notebook is None and found.modules == {"hw3": tmp_path / "sub" / "hw3.py"}
    assert ("Ignored hw3.ipynb, plots.ipynb: this course grades the .py files when a notebook and .py files are "
            "both handed in.") in found.notes


def test_the_deliverable_defaults_to_the_notebook_the_template_hands_out(tmp_path):
    assert hw3_course(tmp_path / "a", notebook_in_template=True).deliverable == "notebook"
    assert courses.load(TINY).deliverable == "files"
    with pytest.raises(CourseError, match="deliverable: notebook, but student.notebook is false"):
        hw3_course(tmp_path / "b", notebook=False, deliverable="notebook")


# trap 2: several notebooks

def test_the_notebook_named_as_the_course_is_graded_over_its_copies(tmp_path):
    course = hw3_course(tmp_path / "course")
    for name in ("hw3-Copy1", "Copy of hw3", "hw3 (1)", "hw3_old", "hw3"):
        write_notebook(tmp_path / "sub" / f"{name}.ipynb", ["import torch", SOLVED])
    found = discover(tmp_path / "sub", course)
    assert found.notebook == tmp_path / "sub" / "hw3.ipynb"
    [note] = [n for n in found.notes if n.startswith("Several notebooks")]
    assert note.startswith("Several notebooks: graded hw3.ipynb; ignored ")
    for name in ("hw3-Copy1", "Copy of hw3", "hw3 (1)", "hw3_old"):
        assert f"{name}.ipynb (a copy, by its name)" in note


def test_an_unsolved_original_loses_to_its_solved_copy_and_a_tie_says_so(tmp_path):
    course = hw3_course(tmp_path / "course")
    write_notebook(tmp_path / "a" / "hw3.ipynb", [stub_module(HW3)])
    write_notebook(tmp_path / "a" / "hw3-Copy1.ipynb", ["import torch", SOLVED])
    found = discover(tmp_path / "a", course)
    assert found.notebook.name == "hw3-Copy1.ipynb"
    assert "ignored hw3.ipynb (none of its graded functions is written)" in found.notes[0]
    write_notebook(tmp_path / "b" / "mine.ipynb", ["import torch", SOLVED])
    write_notebook(tmp_path / "b" / "final.ipynb", ["import torch", SOLVED])
    found = discover(tmp_path / "b", course)
    assert found.notebook.name == "final.ipynb"  # by name: upload times say nothing
    assert "mine.ipynb (nothing told them apart" in found.notes[0] and "Hand in one notebook" in found.notes[0]


@pytest.mark.parametrize("name, naming", [
    ("hw3", 0), ("HW3", 0), ("hw3-Copy1", 2), ("Copy of hw3", 2), ("hw3 (2)", 2), ("hw3_old", 2), ("hw3 copy", 2),
    ("hw3-backup2", 2), ("Untitled1", 2), ("solutions", 1), ("hw3_final", 1)])
def test_names_of_copies(tmp_path, name, naming):
    course = hw3_course(tmp_path / "course")
    assert _naming(tmp_path / f"{name}.ipynb", course) == naming


# trap 3: the notebook state graded code reads

DEVICE = "device = torch.device('cuda' if torch.cuda.is_available() else 'cpu')"


def test_state_a_graded_function_reads_is_kept_and_runs(tmp_path):
    path = write_notebook(tmp_path / "hw3.ipynb", [
        "!pip install torchvision\n%matplotlib inline\nimport math\nimport torch\nimport numpy as np",
        f"{DEVICE}\nLOG_2PI = math.log(2 * math.pi)\nHALF = LOG_2PI / 2\nEPOCHS = 10",
        "def helper(x):\n    return x * SCALE\n\nSCALE = np.sqrt(4.0)",
        "def wake_loss(x, w):\n    x = x.to(device)\n    return -(x * w).mean() + HALF + helper(w).sum() * 0",
        "model = torch.nn.Linear(2, 2).to(device)\nfor epoch in range(EPOCHS):\n    pass\nprint('done')",
    ])
    module = notebook_to_module(path, {"wake_loss"})
    namespace = {}
    exec(compile(module.source, "notebook.py", "exec"), namespace)  # noqa: S102 - the test's own notebook
    import torch
    assert float(namespace["wake_loss"](torch.ones(3), torch.ones(3))) == pytest.approx(-1 + 0.5 * 1.8378770664)
    assert {"device", "LOG_2PI", "HALF", "SCALE"} <= set(namespace)
    assert not {"EPOCHS", "model", "epoch"} & set(namespace)  # nothing reads EPOCHS but the loop
    [listing] = [n for n in module.notes if n.startswith("Not run from the notebook")]
    for left in ("cell 1, line 1 `!pip install torchvision` (a shell command)",
                 "cell 1, line 2 `%matplotlib inline` (an IPython magic)",
                 "cell 5, line 1 `model = torch.nn.Linear(2, 2).to(device)` (calls torch.nn.Linear)",
                 "cell 5, line 2 `for epoch in range(EPOCHS):` (a loop)",
                 "cell 5, line 4 `print('done')` (calls print)"):
        assert left in listing


def test_a_graded_function_reading_a_name_only_left_out_code_sets_names_the_cell(tmp_path):
    path = write_notebook(tmp_path / "hw3.ipynb", [
        "import torch", "def pick():\n    return 'cpu'", "device = pick()",
        "def wake_loss(x, w):\n    return helper(x) * w", "def helper(x):\n    return x.to(device)",
        "def sleep_loss(z, w, scale=SCALE):\n    return z", "SCALE = load_scale()"], counts=[1, 2, 5, 3, 4, 9, 8])
    notes = notebook_to_module(path, {"wake_loss", "sleep_loss"}).notes
    assert ("helper (used by wake_loss) reads `device`, but the statement that sets it, cell 3 (In [5]), line 1 "
            "`device = pick()`, is not run while grading (calls pick): set `device` with a cheap expression (a "
            "literal, torch.device(...), math), or inside the function.") in notes
    assert any(n.startswith("sleep_loss reads `SCALE`, but the statement that sets it, cell 7 (In [8])") for n in notes)


@pytest.mark.parametrize("statement, runs", [
    (DEVICE, True), ("device = 'cuda:0'", True), ("A = torch.tensor([1.0, 2.0])", True),
    ("L = [1, 2]; D = {1: L}", True),
    ("f = lambda x: x + 1", True), ("N = np.log(2) * math.pi", True), ("A = torch.nn.BCEWithLogitsLoss()", True),
    ("A = torch.randn(3)", False), ("A = train()", False), ("A = [i for i in range(3)]", False),
    ("A = open('data.txt').read()", False), ("A = torch.load('w.pt')", False), ("A = B", False),
])
def test_which_assignments_run_is_one_rule(tmp_path, statement, runs):
    path = write_notebook(tmp_path / "n.ipynb", ["import math\nimport torch\nimport numpy as np", statement,
                                                 "def wake_loss(x):\n    return (device, A, L, D, f, N, x)"])
    source = notebook_to_module(path, {"wake_loss"}).source
    assert (statement in source) == runs
    assert "torch.device" in CHEAP_CALLS and "torch.randn" not in CHEAP_CALLS


def test_statements_sharing_a_line_and_a_with_block_keep_their_lines(tmp_path):
    path = write_notebook(tmp_path / "n.ipynb", ["import torch\nmodel = train(); K = 3\nwith torch.no_grad():\n"
                                                 "    Z = 1\ndef wake_loss(x):\n    return x * K * Z"])
    module = notebook_to_module(path, {"wake_loss"})
    assert module.source.splitlines()[:5] == ["import torch", "K = 3", "", "", "def wake_loss(x):"]
    assert "`with torch.no_grad():` (a with block)" in module.notes[0]


def test_the_kits_check_and_colabs_module_are_not_imported_while_grading(tmp_path):
    """A notebook checked from inside (the kit's `autograder_kit`) and run on Colab (Drive
    mounted, the kit put on the path) is graded as it reads: neither import runs (neither
    module is where grading runs), the kit's lines are not even listed, Colab's are, and a
    graded function reading what Colab's import binds names that cell."""
    path = write_notebook(tmp_path / "hw3.ipynb", [
        "from google.colab import drive\ndrive.mount('/content/drive')\nimport sys; sys.path.append('/content/kit')",
        "import torch\nfrom autograder_kit import check\nimport autograder_kit as kit",
        "def wake_loss(x, w):\n    return -(x * w).mean()\n\n\ndef sleep_loss(z, w):\n    return drive(z)",
        "check('wake_loss')\nkit.check()\nreport = check()"])
    module = notebook_to_module(path, {"wake_loss", "sleep_loss"})
    assert "google" not in module.source and "autograder_kit" not in module.source
    assert "import torch" in module.source and "def wake_loss" in module.source
    [listing] = [n for n in module.notes if n.startswith("Not run from the notebook")]
    assert "cell 1, line 1 `from google.colab import drive` (Colab's own module, which grading runs without)" \
        in listing
    assert "check" not in listing.replace("sys.path", "")  # the kit's import and calls are the kit's
    assert any(n.startswith("sleep_loss reads `drive`, but the statement that sets it, cell 1, line 1") for n in
               module.notes)


def test_a_kernels_history_names_its_inputs_by_in_n_alone(tmp_path):
    """The in-notebook check's notebook of the kernel's inputs (its metadata says so): a cell
    is named by the In [n] the student saw, never by its place among the inputs."""
    path = write_notebook(tmp_path / "kernel.ipynb", ["import torch", "for i in range(3):\n    pass",
                                                      "def wake_loss(x, w):\n    return x @ w"], counts=[1, 2, 3])
    notebook = nbformat.read(path, as_version=4)
    notebook.metadata["autograder_kit_history"] = True
    nbformat.write(notebook, path)
    module = notebook_to_module(path, {"wake_loss"})
    assert "In [2], line 1 `for i in range(3):` (a loop)" in module.notes[0] and "cell 2" not in module.notes[0]
    assert str(module.place(len(module.source.splitlines()))) == "In [3], line 2"


# trap 4: errors name the cell and line

def test_an_error_in_a_notebook_names_its_cell_and_line(tmp_path):
    path = write_notebook(tmp_path / "hw3.ipynb", ["import torch", "print('hi')", "EPOCHS = 3",
                                                   "# the loss\ndef wake_loss(x, w):\n    return x @ w"],
                          counts=[1, 2, 3, 12])
    submission = Submission(tmp_path, notebook=path, converted=notebook_to_module(path, {"wake_loss"}))
    namespace = {}
    exec(compile(submission.notebook_source, "notebook.py", "exec"), namespace)  # noqa: S102
    import traceback

    import torch
    try:
        namespace["wake_loss"](torch.ones(2, 3), torch.ones(4))
    except RuntimeError as exc:
        line = traceback.extract_tb(exc.__traceback__)[-1].lineno
    error = {"type": "RuntimeError", "message": "shapes", "where": {"file": "notebook.py", "line": line, "code": "?"}}
    assert _format_error(error, submission) == ("RuntimeError: shapes (cell 4 (In [12]), line 3: "
                                                "`return x @ w`)")
    plain = Submission(tmp_path)
    assert plain.place("hw3.py", 3, "return x") == "hw3.py, line 3: `return x`"


@pytest.mark.slow
def test_a_notebook_graded_end_to_end_keeps_its_device_and_names_a_cell(tmp_path, grade):
    """The tiny course as one notebook: log_sigmoid reads the notebook's `device` (full
    marks), sampling is the reference's, and the coupling fails at a line the output names
    by cell."""
    reference = TINY / "reference" / "toolkit"
    sampling = (reference / "dist" / "sampling.py").read_text()
    write_notebook(tmp_path / "sub" / "tiny.ipynb", [
        "!pip install tqdm\nimport torch\nimport tqdm",
        DEVICE,
        "def log_sigmoid(x):\n    assert device.type in ('cpu', 'cuda')\n"
        "    return torch.clamp(x, max=0) - torch.log1p(torch.exp(-x.abs()))",
        sampling,
        "def affine_coupling(x, mask, log_scale, shift):\n    y = mask * x\n"
        "    return y, log_scale.view(-1, 7).sum(-1)",
        "model = torch.nn.Linear(2, 2).to(device)\nfor step in range(10**9):\n    pass",
    ], counts=[1, 2, 3, 4, 7, 8])
    (tmp_path / "sub" / "answers.yaml").write_text((TINY / "reference" / "answers.yaml").read_text())
    results = grade(tmp_path / "sub", "--course", str(TINY))
    scores = {name: (t["score"], t["max_score"]) for name, t in results["by_test"].items()}
    assert scores["log_sigmoid"] == (4, 4) and scores["sample_exponential"] == (4, 4), results["output"]
    assert scores["affine_coupling"][0] == 0
    where = "(cell 5 (In [7]), line 3: `return y, log_scale.view(-1, 7).sum(-1)`)"
    assert where in results["by_test"]["affine_coupling"]["output"]
    assert "Graded the notebook tiny.ipynb." in results["output"]
    assert "cell 6 (In [8]), line 2 `for step in range(10**9):` (a loop)" in results["output"]
