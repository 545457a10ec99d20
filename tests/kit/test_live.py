"""The student kit's check from inside a notebook (autograder/kit/live.py, shipped as the
kit's ``autograder_kit``): it judges the functions as the live kernel defines them, saved or
not, in a process of its own, with check.py's checks; and the kit installs on a torch within
a range. Fast, but for the one test in a real Jupyter kernel (slow)."""
import json
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from autograder import course as courses
from autograder.grader import assignment as assignment_file
from autograder.grader import notebook, runner
from autograder.grader.discovery import KIT, is_kit_file
from autograder.kit import build, live, selfcheck
from autograder.kit.record import PUBLIC_SEED
from tests.workflows.test_notebook_course import notebook_course


def wake_sleep_kit(folder):
    """The wake-sleep notebook course (hw3.ipynb; wake_loss and sleep_loss, a point each) and
    its kit, unpacked: (the course, the kit's folder)."""
    course = notebook_course(folder / "course")
    build.build(folder / "kit.zip", course)
    with zipfile.ZipFile(folder / "kit.zip") as archive:
        archive.extractall(folder / "kit")
    return course, folder / "kit"


def test_the_live_check_names_the_kits_layout_as_the_engine_does():
    """live.py imports nothing of the engine (it runs in the student's kernel): its names are copies."""
    from autograder.grader.discovery import CHECK

    assert (live.HISTORY, live.CHECK) == (notebook.HISTORY, CHECK)
    assert notebook.KIT_PACKAGE == "autograder_kit"


def test_the_history_notebook_is_converted_with_its_in_numbers(tmp_path):
    inputs = [(1, "import torch"), (2, "def wake_loss(x, w):\n    return x @ w"), (3, "for i in range(3):\n    pass"),
              (4, "def wake_loss(x, w):\n    return -(x * w).mean()"), (5, "from autograder_kit import check\ncheck()")]
    path = tmp_path / "kernel.ipynb"
    path.write_text(json.dumps(live.as_notebook(inputs)))
    module = notebook.notebook_to_module(path, {"wake_loss"})
    assert module.notes == ["Not run from the notebook (grading runs its imports, definitions and the cheap "
                            "assignments they read): In [3], line 1 `for i in range(3):` (a loop)."]
    namespace = {}
    exec(compile(module.source, "kernel.py", "exec"), namespace)  # noqa: S102 - the test's own code
    import torch
    assert float(namespace["wake_loss"](torch.ones(2), torch.ones(2))) == -1  # the later definition, as in the kernel
    assert selfcheck.judged(path).startswith("Judged the functions as this kernel defines them now, saved or not: "
                                             "the 5 inputs it ran (In [1] to In [5]), in the order it ran them")


def test_the_kernels_history_is_checked_as_the_courses_notebook_with_its_answers(tmp_path, monkeypatch):
    """check.py --kernel names the history as the course's notebook, and takes the answers
    file from the kernel's folder, or else from the kit's (Colab's kernel runs in /content)."""
    from types import SimpleNamespace

    kit = tmp_path / "kit"
    (kit / KIT / "course").mkdir(parents=True)
    (kit / "answers.yaml").write_text("part1: 1\n")
    course = SimpleNamespace(answers_file="answers.yaml", notebook_file="hw3.ipynb", template=None,
                             root=kit / KIT / "course")
    history = tmp_path / "scratch" / "kernel.ipynb"
    history.parent.mkdir()
    history.write_text(json.dumps(live.as_notebook([(1, "import torch")])))
    monkeypatch.chdir(tmp_path)
    named = selfcheck.folder_of(history, course, tmp_path / "named", kernel=True)
    assert sorted(p.name for p in named.iterdir()) == ["answers.yaml", "hw3.ipynb"]
    (tmp_path / "answers.yaml").write_text("part1: 2\n")  # the kernel's folder first
    named = selfcheck.folder_of(history, course, tmp_path / "again", kernel=True)
    assert (named / "answers.yaml").read_text() == "part1: 2\n"
    saved = selfcheck.folder_of(history, course, tmp_path / "saved")  # a saved notebook: its own name, its folder's
    assert sorted(p.name for p in saved.iterdir()) == ["kernel.ipynb"]


def test_a_reference_notebook_may_hold_check_cells_for_students(tmp_path):
    """As an Otter master notebook holds grader.check cells: the template keeps the kit's
    check cells, and the reference (which the engine imports) does not run them."""
    import importlib

    from tests.workflows.test_notebook_course import SETUP, SOLUTIONS, cell, reference_notebook

    checking = 'from autograder_kit import check\ncheck("wake_loss")'
    text = reference_notebook([cell("code", SETUP, 1), cell("code", SOLUTIONS, 2), cell("code", checking, 3)])
    course = notebook_course(tmp_path / "course", notebook=text)
    handed_out = json.loads((course.template / "hw3.ipynb").read_text())["cells"]
    assert "".join(handed_out[-1]["source"]) == checking
    module = importlib.import_module(course.activate().reference_modules()["hw3"])
    assert not hasattr(module, "check") and module.wake_loss is not None


def test_outside_a_kernel_the_check_says_where_it_runs(tmp_path):
    (tmp_path / "check.py").write_text("")
    with pytest.raises(RuntimeError, match="runs in a notebook's cell; elsewhere run python check.py"):
        live.check(kit=tmp_path)
    with pytest.raises(RuntimeError, match="no check.py in"):
        live.check(kit=tmp_path / "elsewhere")


def test_the_kits_package_is_the_kits_and_not_the_students(tmp_path):
    package = tmp_path / "autograder_kit" / "__init__.py"
    package.parent.mkdir()
    package.write_text("")
    assert not is_kit_file(package)  # a folder of that name that is no kit's is the student's
    (tmp_path / KIT).mkdir()
    assert is_kit_file(package) and not is_kit_file(tmp_path / "hw3.py")


def test_the_readme_of_a_notebook_course_shows_the_check_from_inside_and_on_colab(tmp_path):
    course = notebook_course(tmp_path / "course")
    assignment = assignment_file.load(course.manifest, course)
    text = build.readme(course, assignment, {"hw3.ipynb": course.template / "hw3.ipynb"})
    assert "## Checking from inside the notebook" in text and "    from autograder_kit import check " in text
    assert '    check("wake_loss") ' in text and "saved or not" in text
    assert 'import sys; sys.path.append("/content/drive/MyDrive/KIT")' in text
    assert "`check.py` and `autograder_kit/` may come along; the grader ignores them" in text
    bundled = courses.load(None)
    files = {str(p.relative_to(bundled.template)): p for p in bundled.template.rglob("*") if p.is_file()}
    assert "autograder_kit" not in build.readme(bundled, assignment_file.load(bundled.manifest, bundled), files)


KERNEL_CELLS = [
    "import torch",
    # a wrong wake_loss (its sign), and a sleep_loss that raises: neither is ever saved
    "def wake_loss(x, w):\n    return (x * w).mean()\n\n\n"
    "def sleep_loss(z, w):\n    \"\"\"−mean log q(z | w).\"\"\"\n    return -(z * w).mean(dim=1)",
    "from autograder_kit import check, history\nfirst = check()\nfirst_inputs = history()",
    "def wake_loss(x, w):\n    return -(x * w).mean()",  # fixed in the kernel, not saved
    "second = check('wake_loss')\nsecond_inputs = history()",
    "import json\nprint(json.dumps({'first': [first.status, first.verdicts, first_inputs], "
    "'second': [second.status, second.verdicts, second_inputs]}))",
]


def run_in_kernel(cells, folder):
    """The notebook of ``cells`` run in a real Jupyter kernel (nbclient) whose working folder
    is ``folder``, as a student runs it; skipped unless nbclient and ipykernel are installed
    and a Python kernel starts here (a failure after it started is the test's)."""
    pytest.importorskip("nbclient")
    pytest.importorskip("ipykernel")
    import nbformat
    from nbclient import NotebookClient

    session = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source) for source in cells])
    client = NotebookClient(session, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(folder)}})
    try:
        client.km = client.create_kernel_manager()
        client.start_new_kernel()
        client.start_new_kernel_client()
    except Exception as exc:  # noqa: BLE001 - whatever keeps a kernel from starting here
        client._cleanup_kernel()
        pytest.skip(f"no Jupyter kernel starts here: {type(exc).__name__}: {exc}")
    client.execute()  # on the kernel just started, which it shuts down
    return session


def graders(course, inputs, tests, folder):
    """{test: score} of the grader itself (the course's reference, not the kit's record) on a
    notebook of the kernel's ``inputs``, on the kit's public seed."""
    folder.mkdir()
    (folder / "hw3.ipynb").write_text(json.dumps(live.as_notebook([tuple(i) for i in inputs])))
    results = runner.grade(folder, folder.parent / f"{folder.name}.json", course=course, device="cpu",
                           seed=PUBLIC_SEED, log=lambda *_: None, tests=tests)
    return {t["name"].split(" ")[0]: t["score"] for t in results["tests"]}, results


@pytest.mark.slow
def test_in_a_real_kernel_the_check_judges_the_kernels_functions_as_the_grader_does(tmp_path):
    """A student's session: a wrong wake_loss and a sleep_loss that raises, checked from the
    notebook (both fail, the error named by its In [n]); wake_loss fixed in a later cell and
    never saved, checked again: judged fixed, though the saved notebook is still the kit's
    unsolved one. Each verdict is the grader's own on the same kernel state. The kernel runs
    in a folder of its own, as on Colab (/content), the kit found by the one line the README
    gives."""
    course, kit = wake_sleep_kit(tmp_path)
    assert (kit / "autograder_kit" / "__init__.py").read_text() == Path(live.__file__).read_text()
    (tmp_path / "content").mkdir()
    session = run_in_kernel([f"import sys; sys.path.append({str(kit)!r})", *KERNEL_CELLS], tmp_path / "content")
    printed = lambda cell: "".join(o.get("text", "") for o in cell.outputs if o.output_type == "stream")  # noqa: E731
    found = json.loads(printed(session.cells[-1]))

    status, verdicts, inputs = found["first"]
    by_test = {v["test"]: v for v in verdicts}
    assert status == 1 and {t: (v["status"], v["earned"]) for t, v in by_test.items()} == {
        "test_wake_loss": ("FAIL", 0), "test_sleep_loss": ("FAIL", 0)}
    assert "(In [3], line 7: `return -(z * w).mean(dim=1)`)" in by_test["test_sleep_loss"]["detail"]
    report = printed(session.cells[3])
    assert "Judged the functions as this kernel defines them now, saved or not: the 4 inputs it ran (In [1] to " \
           "In [4])" in report and "Graded the notebook" not in report and "check()" not in report
    assert "This torch" not in report  # the kit's torch draws the recorded inputs
    scores, _ = graders(course, inputs, None, tmp_path / "first")
    assert scores == {"wake_loss": 0, "sleep_loss": 0}

    status, verdicts, inputs = found["second"]
    assert status == 0 and [(v["test"], v["status"], v["earned"]) for v in verdicts] == [("test_wake_loss", "ok", 1)]
    scores, _ = graders(course, inputs, ["test_wake_loss"], tmp_path / "second")
    assert scores == {"wake_loss": 1}

    history = tmp_path / "kernel.ipynb"  # a kernel that never ran sleep_loss's cell
    history.write_text(json.dumps(live.as_notebook([(1, "import torch"), (2, KERNEL_CELLS[3])])))
    done = selfcheck.check(history, kit / KIT / "course", "sleep_loss", kernel=True)
    assert [(v.status, v.detail) for v in done.verdicts] == [
        ("not implemented", "this kernel defines no `sleep_loss`: run the cell that defines it")]

    saved = subprocess.run([sys.executable, str(kit / "check.py"), str(kit / "hw3.ipynb")], capture_output=True,
                           text=True, timeout=600)  # the saved notebook: still the kit's, unsolved
    assert saved.returncode == 1 and "not implemented" in saved.stdout, saved.stdout + saved.stderr
