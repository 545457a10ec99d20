"""How the worker imports a submission (worker/imports.py): in the order the course's own entry
points do (``student.import_first``), or, without that, again in the circle's order after a
circular-import failure; a failed attempt leaves no module of the submission behind; and a
student's own module (not graded) that raises at import becomes an inert stand-in, named in
the summary with its error and line, costing only a function that calls into it. The worker
side runs here in-process, against packages written to a temporary folder laid out as the
worker's stage."""
import itertools
import sys
import types

import pytest

from autograder.grader.discovery import Submission
from autograder.grader.remote import Remote
from autograder.sandbox.stage import own_modules
from autograder.worker import probes
from autograder.worker.imports import OwnModules, StandIns, import_cleanly
from autograder.worker.main import imported

NUMBERS = itertools.count()

# utils.py imports a model at its top and the model imports utils back, as CS236's homework
# does: it imports only when utils is imported first
CIRCLE = {
    "__init__.py": "",
    "utils.py": "open({log!r}, 'a').write(__name__ + '\\n')\nfrom {pkg}.models.model import Model\n\n\n"
                "def double(x):\n    return 2 * x\n",
    "models/__init__.py": "",
    "models/model.py": "open({log!r}, 'a').write(__name__ + '\\n')\nfrom {pkg} import utils as ut\n\n\n"
                       "class Model:\n    pass\n\n\ndef twice(x):\n    return ut.double(x)\n",
}


@pytest.fixture
def package(tmp_path, monkeypatch):
    """write(files) -> (the package's name, the stage's submission folder, the import log): a
    fresh package each time, forgotten afterwards with every finder a test placed."""
    stage, names, finders = tmp_path / "submission", [], list(sys.meta_path)
    monkeypatch.syspath_prepend(stage)
    monkeypatch.chdir(tmp_path)

    def write(files):
        name, log = f"circle{next(NUMBERS)}", tmp_path / "imported.log"
        for relative, text in files.items():
            (stage / name / relative).parent.mkdir(parents=True, exist_ok=True)
            (stage / name / relative).write_text(text.format(pkg=name, log=str(log)))
        names.append(name)
        return name, str(stage) + "/", log
    yield write
    sys.meta_path[:] = finders
    for module in [m for m in sys.modules if m.split(".")[0] in names]:
        del sys.modules[module]


def session(name, stage, import_first=()):
    return probes.Session({"utils": f"{name}.utils", "models.model": f"{name}.models.model"}, stage=stage,
                          import_first=[f"{name}.{module}" for module in import_first])


def imports(log):
    return [line.split(".", 1)[1] for line in log.read_text().splitlines()]


def test_the_modules_the_course_imports_first_come_first(package):
    name, stage, log = package(CIRCLE)
    assert session(name, stage, import_first=["utils"]).resolve("models.model.twice")(3) == 6
    assert imports(log) == ["utils", "models.model"]  # no failed attempt before


def test_without_a_declaration_a_circular_import_is_retried_in_the_circles_order(package):
    name, stage, log = package(CIRCLE)
    model = session(name, stage).load("models.model")
    assert imports(log) == ["models.model", "utils", "utils", "models.model"]
    assert model.ut is sys.modules[f"{name}.utils"] and model.twice(3) == 6


def test_a_failed_import_leaves_no_module_of_the_submission_behind(package, tmp_path):
    (tmp_path / "library_beside").mkdir()
    (tmp_path / "library_beside" / "a_library_of_theirs.py").write_text("")
    sys.path.insert(0, str(tmp_path / "library_beside"))
    try:
        name, stage, _ = package({**CIRCLE, "utils.py": "import a_library_of_theirs\n"
                                                        "from {pkg}.models import model\nraise RuntimeError('late')\n"})
        __import__(name)
        with pytest.raises(RuntimeError, match="late"):
            import_cleanly(f"{name}.utils", stage)
    finally:
        sys.path.remove(str(tmp_path / "library_beside"))
    # the model imported whole, holding the utils module that stopped half-way: gone too, and
    # unbound from its package, so that a later import runs it afresh
    assert [m for m in sys.modules if m.startswith(name + ".")] == []
    assert not hasattr(sys.modules[name], "models")
    assert "a_library_of_theirs" in sys.modules  # a library imported whole stays (some cannot load twice)
    del sys.modules["a_library_of_theirs"]


DEBUG_HELPER = {
    **CIRCLE,
    "ImUtil.py": "from {pkg} import utils as ut\n\nFONT = open('./FreeMono.ttf', 'rb')\n\n\n"
                 "def label(x):\n    return x\n",
    "models/model.py": CIRCLE["models/model.py"].replace("from {pkg} import utils as ut\n",
                                                         "from {pkg} import utils as ut\nfrom {pkg} import ImUtil\n")
    + "\n\ndef labelled(x):\n    return ImUtil.label(x)\n",
}


class Worker:
    """The worker's import answers, computed here (worker/main.py's own function)."""

    alive, layers = True, None

    def __init__(self, answer):
        self.answer = answer

    def request(self, header, timeout):
        return {"ok": True, **self.answer(header["module"])}, []


def test_an_own_module_that_raises_at_import_stands_in_and_the_summary_names_it(package):
    name, stage, _ = package(DEBUG_HELPER)
    own = OwnModules([f"{name}.ImUtil"], stage)
    sys.meta_path.insert(0, own)
    worker = session(name, stage, import_first=["utils"])
    submission = types.SimpleNamespace(notebook=None, modules={"models.model": None}, where=lambda module: module,
                                       place=Submission(stage).place)
    remote = Remote(None, submission, lambda: Worker(lambda module: imported(worker, module, StandIns(), own)),
                    reference=types.SimpleNamespace(seconds={}))
    remote._import("models.model", "models.model.twice")

    assert worker.resolve("models.model.twice")(3) == 6  # a graded function that does not call into it
    with pytest.raises(RuntimeError, match=rf"{name}/ImUtil.py raised FileNotFoundError when it was imported"):
        worker.resolve("models.model.labelled")(3)  # one that does
    [line] = remote.stood_in_own()
    assert line.startswith(f"{name}/ImUtil.py raised FileNotFoundError: [Errno 2] No such file or directory: "
                           "'./FreeMono.ttf' (ImUtil.py, line 3: `FONT = open('./FreeMono.ttf', 'rb')`)")


def test_a_graded_module_that_raises_at_import_still_fails(package):
    name, stage, _ = package({**DEBUG_HELPER, "models/model.py": "raise ValueError('not yet')\n"})
    sys.meta_path.insert(0, OwnModules([f"{name}.ImUtil"], stage))
    with pytest.raises(ValueError, match="not yet"):
        session(name, stage).load("models.model")


def test_own_modules_are_the_students_other_files_but_a_packages_init():
    submission = types.SimpleNamespace(extras={"ImUtil.py": None, "models/fsvae.py": None, "debug/__init__.py": None},
                                       beside={"plots.py": None})
    course = types.SimpleNamespace(package="codebase")
    assert own_modules(submission, course) == ["codebase.ImUtil", "codebase.models.fsvae", "plots"]
    assert own_modules(types.SimpleNamespace(extras={"helper.py": None}, beside={}),
                       types.SimpleNamespace(package=None)) == ["helper", "submission.helper"]
