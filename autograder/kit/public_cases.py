"""Public cases for the student kit: the visible checks' calls, on public inputs.

The checks are run once with the reference on both sides and a fixed public seed; every
call they compare is kept as a plain-data request and the reference's answer. Grading
draws its inputs from a fresh secret seed per submission, so these inputs are never the
graded ones, and only the reference's outputs on them (never its source) reach the kit.
"""
import json
from pathlib import Path

import numpy as np

from .. import course as courses
from ..grader import assignment as assignment_file
from ..grader import fixtures
from ..grader.plugin import GradescopePlugin
from ..grader.calls import Outcome, StudentError, decode_reply
from ..grader.remote import Remote
from ..grader.runner import run_checks

PUBLIC_SEED = 20261122
MAX_CASE_BYTES = 256 << 10  # larger calls (MNIST-sized batches) stay out of the kit
INDEX, ARRAYS = "public_cases.json", "public_cases.npz"


class _Recorder(Remote):
    """Runs the checks with the reference standing in for the submission, keeping every
    compared call of a visible test."""

    def __init__(self, course, assignment):
        super().__init__(course, submission=None, start_worker=None)
        self.assignment, self.cases, self.test = assignment, [], None

    def run(self, function, *args, **kwargs):
        header, arrays = self.build_request(function, *args, **kwargs)
        answer, out = self.reference.answer(header, arrays)
        self._keep(function, header, arrays, answer, out)
        reply = decode_reply(answer, list(out))
        return Outcome(reply, reply)

    def _call_student(self, function, header, arrays):
        try:
            answer, out = self.reference.answer(header, arrays)
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


def record(course=None, seed=PUBLIC_SEED, assignment_path=None):
    """The public cases of ``course`` (the bundled one by default): a list of dicts
    (request, answer, their arrays, tolerances)."""
    course = courses.load(course)
    assignment = assignment_file.load(assignment_path or course.manifest, course)
    recorder = _Recorder(course, assignment)
    plugin = GradescopePlugin(assignment, recorder, seed, answers={})
    run_checks(course, [plugin, fixtures, _CurrentTest(recorder)])
    return recorder.cases


def save(cases, folder, course):
    """Write the cases as JSON plus an ``.npz`` of plain numeric arrays, with what the
    self-check needs of the course: its modules and the names of its answers."""
    folder = Path(folder)
    arrays, index = {}, []
    for n, case in enumerate(cases):
        entry = {k: v for k, v in case.items() if not k.endswith("_arrays")}
        for side in ("request", "answer"):
            names = [f"c{n}_{side}_{i}" for i in range(len(case[f"{side}_arrays"]))]
            arrays.update(zip(names, case[f"{side}_arrays"]))
            entry[f"{side}_arrays"] = names
        index.append(entry)
    (folder / INDEX).write_text(json.dumps({"modules": list(course.modules), "package": course.package,
                                            "aliases": list(course.aliases),
                                            "answers_file": course.answers_file,
                                            "answer_keys": course.answer_names(), "cases": index}, indent=1))
    np.savez_compressed(folder / ARRAYS, **arrays)
