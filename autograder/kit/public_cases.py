"""Public cases for the student kit: the visible checks' calls, on public inputs.

The checks are run once with the reference on both sides and a fixed public seed; every
call they compare is kept as a plain-data request and the reference's answer. Grading
draws its inputs from a fresh secret seed per submission, so these inputs are never the
graded ones, and only the reference's outputs on them (never its source) reach the kit.
"""
import contextlib
import io
import json
import os
from pathlib import Path

import numpy as np
import pytest
import yaml

from ..grader import assignment as assignment_file
from ..grader.plugin import GradescopePlugin
from ..grader.remote import Outcome, Remote, StudentError, decode_reply
from ..grader import fixtures
from ..grader.runner import ANSWER_KEY, CHECKS

PUBLIC_SEED = 20261122
MAX_CASE_BYTES = 256 << 10  # larger calls (MNIST-sized batches) stay out of the kit
INDEX, ARRAYS = "public_cases.json", "public_cases.npz"


class _Recorder(Remote):
    """Runs the checks with the reference standing in for the submission, keeping every
    compared call of a visible test."""

    def __init__(self, assignment):
        super().__init__(submission=None, start_worker=None)
        self.assignment, self.cases, self.test = assignment, [], None

    def run(self, function, *args, **kwargs):
        header, arrays = self._request(function, *args, **kwargs)
        answer, out = self.reference_answer(header, arrays)
        self._keep(function, header, arrays, answer, out)
        reply = decode_reply(answer, list(out))
        return Outcome(reply, reply)

    def _call_student(self, function, header, arrays):
        try:
            answer, out = self.reference_answer(header, arrays)
        except Exception as exc:  # noqa: BLE001 - checks that expect an error get it as from a worker
            raise StudentError(f"{function} raised {type(exc).__name__}: {exc}", "error", type(exc).__name__) from None
        return decode_reply(answer, out)

    def _keep(self, function, header, arrays, answer, out):
        spec = self.assignment.tests.get(self.test)
        size = sum(a.nbytes for a in [*arrays, *out])
        if spec is None or spec.visibility != "visible" or size > MAX_CASE_BYTES:
            return
        wide = header.get("dtype") == "float64" or any(a.dtype == np.float64 for a in arrays)
        self.cases.append({"test": self.test.removeprefix("test_"), "function": function,
                           "request": header, "answer": answer, "request_arrays": [a.copy() for a in arrays],
                           "answer_arrays": list(out), **spec.tolerance("float64" if wide else "float32")})

    def output(self):
        return ""


class _CurrentTest:
    def __init__(self, recorder):
        self.recorder = recorder

    def pytest_runtest_setup(self, item):
        self.recorder.test = item.originalname


def record(seed=PUBLIC_SEED, assignment_path=None):
    """The public cases: a list of dicts (request, answer, their arrays, tolerances)."""
    assignment = assignment_file.load(assignment_path or assignment_file.DEFAULT_PATH)
    recorder = _Recorder(assignment)
    plugin = GradescopePlugin(assignment, recorder, seed, answers={})
    os.environ["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    with contextlib.redirect_stdout(io.StringIO()):
        pytest.main([str(CHECKS), "-c", str(CHECKS / "pytest.ini"), "--rootdir", str(CHECKS), "-p",
                     "no:cacheprovider", "--import-mode=importlib", "--assert=plain", "-q",
                     "-W", "ignore::DeprecationWarning"], plugins=[plugin, fixtures, _CurrentTest(recorder)])
    return recorder.cases


def answer_keys(key_file=ANSWER_KEY):
    """The dotted names of the answers (the names only: the template shows them too)."""
    def walk(tree, prefix=""):
        for key, value in tree.items():
            yield from walk(value, f"{prefix}{key}.") if isinstance(value, dict) else [f"{prefix}{key}"]
    return list(walk(yaml.safe_load(Path(key_file).read_text())))


def save(cases, folder, keys=()):
    """Write the cases as JSON plus an ``.npz`` of plain numeric arrays."""
    folder = Path(folder)
    arrays, index = {}, []
    for n, case in enumerate(cases):
        entry = {k: v for k, v in case.items() if not k.endswith("_arrays")}
        for side in ("request", "answer"):
            names = [f"c{n}_{side}_{i}" for i in range(len(case[f"{side}_arrays"]))]
            arrays.update(zip(names, case[f"{side}_arrays"]))
            entry[f"{side}_arrays"] = names
        index.append(entry)
    (folder / INDEX).write_text(json.dumps({"answer_keys": list(keys), "cases": index}, indent=1))
    np.savez_compressed(folder / ARRAYS, **arrays)
