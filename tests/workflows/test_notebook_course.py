"""A notebook as the course's source of truth: the reference is a notebook whose solutions
are marked as a .py reference's are (``student.files: [hw3.ipynb]``), the template notebook
is generated from it, the engine imports the reference's functions from it as a student's
notebook is converted, and the student kit hands out the notebook. Fast, except those
marked slow (they grade whole submissions)."""
import importlib
import json
import zipfile

import pytest
import torch

from autograder import course as courses
from autograder import template
from autograder.course import CourseError
from autograder.grader import assignment as assignment_file
from autograder.kit import build
from tests.submissions import WAKE_SLEEP, autograder, wake_sleep_manifest

SETUP = "%matplotlib inline\nimport torch\n\nDEVICE = torch.device('cpu')"
SOLUTIONS = WAKE_SLEEP
TRAINING = "for step in range(1000):\n    loss = wake_loss(torch.ones(3), torch.ones(3))\nprint(loss)"
STUBBED = '''\
def wake_loss(x, w):
    """−mean log p(x | w)."""
    raise NotImplementedError("wake_loss: not implemented yet")


def sleep_loss(z, w):
    """−mean log q(z | w)."""
    raise NotImplementedError("sleep_loss: not implemented yet")
'''


CHECKS = '''\
def test_wake_loss(grader, draw):
    grader.values_and_float64("hw3.wake_loss", draw.normal(4), draw.normal(4))


def test_sleep_loss(grader, draw):
    grader.values_and_float64("hw3.sleep_loss", draw.normal(4), draw.normal(4))
'''


def cell(kind, source, count=None, outputs=()):
    found = {"cell_type": kind, "metadata": {}, "source": source.splitlines(keepends=True)}
    if kind == "code":
        found.update(execution_count=count, outputs=list(outputs))
    return found


KERNEL = {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"}}
OUTPUT = {"output_type": "stream", "name": "stdout", "text": ["tensor(-1.)\n"]}


def reference_notebook(cells=None):
    """The TA's solved notebook, run: markdown, a setup cell with a magic, the solutions, a
    training cell, with execution counts and outputs."""
    cells = cells or [cell("markdown", "# Homework 3\n\nWake-sleep."), cell("code", SETUP, 1),
                      cell("code", SOLUTIONS, 2), cell("markdown", "## Training"),
                      cell("code", TRAINING, 3, [OUTPUT])]
    return json.dumps({"cells": cells, "metadata": KERNEL, "nbformat": 4,
                       "nbformat_minor": 4}, indent=1)


def notebook_course(folder, files="[hw3.ipynb]", notebook=None, student="", generate=True):
    """A notebook-first course: reference/hw3.ipynb, checks, the manifest; its template
    generated unless ``generate`` is false."""
    (folder / "reference").mkdir(parents=True)
    (folder / "reference" / "hw3.ipynb").write_text(notebook or reference_notebook())
    (folder / "checks").mkdir()
    (folder / "checks" / "test_hw3.py").write_text(CHECKS)
    (folder / "course.yaml").write_text(wake_sleep_manifest(f"{{files: {files}, answers: null{student}}}"))
    course = courses.load(folder)
    if generate:
        template.write(course)
    return course


def sources(notebook_text):
    return [(c["cell_type"], "".join(c["source"])) for c in json.loads(notebook_text)["cells"]]


def test_the_manifest_names_the_notebook_and_its_module_is_graded(tmp_path):
    course = notebook_course(tmp_path / "course")
    assert (course.files, course.modules, course.notebook_file) == (("hw3.py",), ("hw3",), "hw3.ipynb")
    assert course.deliverable == "notebook"
    assert course.functions() == {"hw3.wake_loss", "hw3.sleep_loss"}
    module = importlib.import_module(course.activate().reference_modules()["hw3"])
    assert module.wake_loss(torch.tensor(2.0), torch.tensor(3.0)) == -6.0
    # what no definition reads does not run, as in a student's notebook: the training cell, DEVICE
    assert not hasattr(module, "loss") and not hasattr(module, "DEVICE")


def test_a_reference_notebook_generates_the_template_notebook(tmp_path):
    course = notebook_course(tmp_path / "course", generate=False)
    generated = template.render(course)
    assert list(generated) == ["hw3.ipynb"]
    cells = json.loads(generated["hw3.ipynb"])["cells"]
    assert sources(generated["hw3.ipynb"]) == [("markdown", "# Homework 3\n\nWake-sleep."), ("code", SETUP),
                                               ("code", STUBBED), ("markdown", "## Training"), ("code", TRAINING)]
    assert all(c["outputs"] == [] and c["execution_count"] is None for c in cells if c["cell_type"] == "code")
    assert json.loads(generated["hw3.ipynb"])["metadata"] == KERNEL
    # the reference itself is left as it is
    assert sources((course.reference / "hw3.ipynb").read_text())[2] == ("code", SOLUTIONS)


def test_template_check_reports_drift_of_the_notebook(tmp_path):
    course = notebook_course(tmp_path / "course")
    assert template.drift(course) == []
    assert autograder("template", "--check", "--course", course.root).returncode == 0
    solved = reference_notebook().replace("# SOLUTION\\n", "")  # the template handed out with solutions
    (course.template / "hw3.ipynb").write_text(solved)
    assert template.drift(course) == ["hw3.ipynb"]
    process = autograder("template", "--check", "--course", course.root)
    assert process.returncode == 1 and "hw3.ipynb" in process.stdout, process.stdout


def test_a_magic_in_a_solution_cell_keeps_its_lines(tmp_path):
    text = reference_notebook([cell("code", "%%time\n" + SOLUTIONS, 1)])
    course = notebook_course(tmp_path / "course", notebook=text, generate=False)
    assert sources(template.render(course)["hw3.ipynb"]) == [("code", "%%time\n" + STUBBED)]


@pytest.mark.parametrize("files, student, error", [
    ("[hw3.ipynb, utils.py]", "", "files: hw3.ipynb is a notebook, which holds every graded function: list it alone"),
    ("[hw3.ipynb]", ", package: codebase", "a notebook course has no package"),
    ("[hw3.ipynb]", ", deliverable: files", "deliverable: files, but student.files names the notebook hw3.ipynb"),
    ("[hw3.ipynb]", ", notebook: false", "student.notebook is false"),
])
def test_a_notebook_in_the_manifest_is_the_courses_only_file(tmp_path, files, student, error):
    with pytest.raises(CourseError, match=error):
        notebook_course(tmp_path / "course", files=files, student=student, generate=False)


def test_a_reference_function_reading_what_a_training_cell_sets_is_a_course_error(tmp_path):
    text = reference_notebook([cell("code", "import torch\nscale = torch.randn(())"),
                               cell("code", "def wake_loss(x, w):\n    # SOLUTION\n    return scale * x\n\n\n"
                                            "def sleep_loss(z, w):\n    # SOLUTION\n    return z")])
    with pytest.raises(CourseError, match=r"does not grade as it reads:\n.*`scale`.*cell 1, line 2"):
        notebook_course(tmp_path / "course", notebook=text, generate=False)


def test_a_notebook_only_template_of_a_py_reference_stands_in_as_its_module(tmp_path):
    """The TA's first try: reference/hw3.py, a hand-made template notebook and no hw3.py in
    the template. The kit's stand-in for the reference is the module the notebook makes, and
    its README says to hand in the notebook."""
    folder = tmp_path / "course"
    notebook_course(folder, generate=False)
    (folder / "reference" / "hw3.ipynb").unlink()
    (folder / "reference" / "hw3.py").write_text("import torch\n\n\n" + SOLUTIONS)
    (folder / "student_template").mkdir()
    (folder / "student_template" / "hw3.ipynb").write_text(template.stub_notebook(reference_notebook()))
    manifest = folder / "course.yaml"
    manifest.write_text(manifest.read_text().replace("files: [hw3.ipynb]", "files: [hw3.py]"))
    course = courses.load(folder)
    assert course.deliverable == "notebook"
    stand_in = build.stand_ins(course)["hw3.py"]
    assert 'raise NotImplementedError("wake_loss' in stand_in and "for step" not in stand_in
    readme = build.readme(course, assignment_file.load(course.manifest, course),
                          {"hw3.ipynb": course.template / "hw3.ipynb"})
    assert "Fill in the notebook `hw3.ipynb` here" in readme and "python check.py path/to/hw3.ipynb" in readme
    assert "Upload your notebook (`hw3.ipynb`), saved," in readme and "`hw3.py`" not in readme


def test_a_kit_without_its_template_notebook_is_no_zip_and_says_why(tmp_path):
    course = notebook_course(tmp_path / "course")
    (course.template / "hw3.ipynb").unlink()
    with pytest.raises(build.KitError, match=r"has no hw3.ipynb: write it with `autograder template"):
        build.build(tmp_path / "kit.zip", course)
    assert list(tmp_path.glob("*.zip*")) == [] and list(tmp_path.glob(".kit.zip*")) == []


def test_a_kit_build_failing_midway_leaves_no_zip(tmp_path, monkeypatch):
    missing = tmp_path / "gone.py"
    monkeypatch.setattr(build, "files", lambda *_: {"a.txt": "written first", "z.py": missing})
    (tmp_path / "kit.zip").write_text("an older kit")  # kept: a failed build replaces nothing
    with pytest.raises(build.KitError, match="gone.py"):
        build.build(tmp_path / "kit.zip", tmp_path)
    assert (tmp_path / "kit.zip").read_text() == "an older kit"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["kit.zip"]


@pytest.mark.slow
def test_the_kit_of_a_notebook_course_hands_out_the_notebook_and_checks_it(tmp_path):
    assert autograder("new-course", "--notebook", tmp_path / "course").returncode == 0
    process = autograder("student-kit", "--course", tmp_path / "course", "--output", tmp_path / "kit.zip")
    assert process.returncode == 0, process.stderr
    with zipfile.ZipFile(tmp_path / "kit.zip") as archive:
        names = set(archive.namelist())
        readme = archive.read("README.md").decode()
        archive.extractall(tmp_path / "kit")
    assert {"example.ipynb", "README.md", "check.py", ".kit/course/scaffold/reference/example.ipynb"} <= names
    assert not names & {"example.py", ".kit/course/template/example.py", ".kit/course/scaffold/reference/example.py"}
    assert "Upload your notebook (`example.ipynb`), saved," in readme
    solved = tmp_path / "elsewhere" / "mine.ipynb"
    solved.parent.mkdir()
    solved.write_text((tmp_path / "course" / "reference" / "example.ipynb").read_text())
    from tests.kit.kits import check

    done = check(tmp_path / "kit", solved)
    assert done.returncode == 0 and "Graded the notebook mine.ipynb." in done.stdout, done.stdout + done.stderr
    blank = check(tmp_path / "kit")
    assert blank.returncode == 1 and "not implemented" in blank.stdout, blank.stdout + blank.stderr


@pytest.mark.slow
def test_a_new_notebook_course_validates_at_once(tmp_path):
    assert autograder("new-course", "--notebook", tmp_path / "fresh").returncode == 0
    assert autograder("template", "--check", "--course", tmp_path / "fresh").returncode == 0
    process = autograder("validate", "--course", tmp_path / "fresh")
    assert process.returncode == 0 and "the course grades rightly" in process.stdout, process.stdout
    assert "ok   reference → full marks → 4 / 4" in process.stdout
