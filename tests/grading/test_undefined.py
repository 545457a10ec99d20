"""A function, class or method the contract names and the submission does not define: the
worker says which file lacks which name, whatever runs it (a plain call or a plugin's
operation), and the grader's StudentError is of kind "undefined" with that message alone,
so that the student kit reports it as not implemented."""
import types
from pathlib import Path

import pytest

from autograder.grader.discovery import Submission
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


def test_the_grader_reads_it_as_undefined_with_the_workers_message():
    try:
        raise probes.Undefined("vae.py defines no `elbo`")
    except probes.Undefined as exc:
        error = _student_error("vae.elbo", describe(exc), Submission(Path(".")))
    assert (error.kind, str(error), error.error_type) == ("undefined", "vae.py defines no `elbo`", "AttributeError")
    stub = _student_error("vae.elbo", {"type": "NotImplementedError", "message": ""}, Submission(Path(".")))
    assert stub.kind == "not_implemented" and str(stub).startswith("vae.elbo raised NotImplementedError")
