"""A function, class or method the contract names and the submission does not define: the
worker says which file lacks which name, whatever runs it (a plain call or a plugin's
operation), as data (the contract's module and the name), and the grader's StudentError is
of kind "undefined", worded for what the student wrote (a file, a notebook, the kit's kernel),
so that the student kit reports it as not implemented."""
import types
from pathlib import Path

import pytest

from autograder.grader.discovery import Submission
from autograder.grader.notebook import NotebookModule
from autograder.grader.remote import _student_error
from autograder.worker import probes, protocol
from autograder.worker.main import describe


@pytest.fixture
def session(tmp_path, monkeypatch):
    (tmp_path / "lacking_model.py").write_text("class Model:\n    pass\n")
    monkeypatch.syspath_prepend(tmp_path)
    operations = types.SimpleNamespace(OPS={"bound": lambda session, request, builder: 0.0})
    return probes.Session({"models.model": "lacking_model"}, operations)


def test_a_function_missing_from_the_file_names_the_file_and_the_function(session):
    with pytest.raises(probes.Undefined, match=r"^models/model\.py defines no `loss`$"):
        session.call(*protocol.request("models.model.loss", [1.0]))


def test_a_method_missing_from_its_class_is_undefined_before_an_operation_runs(session):
    with pytest.raises(probes.Undefined, match=r"^models/model\.py defines no `Model\.bound`$"):
        session.call(*protocol.request("models.model.Model.bound", op="bound"))


def undefined(submission, module="vae", name="elbo"):
    try:
        raise probes.Undefined(module, name)
    except probes.Undefined as exc:
        return _student_error(f"{module}.{name}", describe(exc), submission)


def test_the_grader_reads_it_as_undefined_and_names_the_file():
    error = undefined(Submission(Path(".")), "models.vae", "VAE.elbo")
    assert (error.kind, str(error), error.error_type) == ("undefined", "models/vae.py defines no `VAE.elbo`",
                                                          "AttributeError")
    stub = _student_error("vae.elbo", {"type": "NotImplementedError", "message": ""}, Submission(Path(".")))
    assert stub.kind == "not_implemented" and str(stub).startswith("vae.elbo raised NotImplementedError")


def test_a_notebook_is_named_as_the_student_saved_it_and_a_kernel_as_a_kernel():
    notebook = Submission(Path("."), notebook=Path("hw3.ipynb"), converted=NotebookModule())
    assert str(undefined(notebook, "hw3", "wake_loss")) == "hw3.ipynb defines no `wake_loss`"
    kernel = Submission(Path("."), notebook=Path("hw3.ipynb"), converted=NotebookModule(history=True))
    assert str(undefined(kernel, "hw3", "wake_loss")) == "this kernel defines no `wake_loss`: run the cell that defines it"


def test_a_forged_undefined_answer_is_only_its_message():
    """The worker's answer is the student's data: names that are not strings are not read."""
    forged = {"type": "Undefined", "message": "vae.py defines no `elbo`", "undefined": {"module": 1, "name": None}}
    assert str(_student_error("vae.elbo", forged, Submission(Path(".")))) == "vae.py defines no `elbo`"
