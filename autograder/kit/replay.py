"""The reference of a student kit: its answers recorded on the public seed (record.py).

A request the checks send is answered when it is exactly one the reference was sent while
the kit was built; any other (one built from the student's own results) raises
``NotRecorded``, and the part that sent it is reported as not checked here, never as
passed or failed. A helper frame is answered with the recorded answer of a frame of the
same helper whose arguments match within float32 round-off (and whose seed is the same,
for a helper that draws noise), and its backward pass with the recorded gradients for
matching cotangents. A frame nothing matches runs the student's own helper (its forward
pass, or its gradients), as the grader does with a frame it cannot serve.
"""
import numpy as np

from ..grader.parts import Unchecked
from ..worker import protocol
from .record import Record, digest

RTOL, ATOL = 1e-4, 1e-5  # of matching arguments: float32 round-off of another summation order


class NotRecorded(Unchecked):
    """The reference was asked something the kit did not record."""


class RecordedReference:
    """Answers for the reference from a course's ``record`` folder."""

    def __init__(self, course):
        self.course, self.record = course, Record.load(course.record)
        self.seconds = {"reference": 0.0}

    def helpers_of(self, function):
        return tuple(self.record.helpers.get(function, ()))

    def answer(self, header, arrays):
        found = self.record.answers.get(digest(header, arrays))
        if found is None:
            raise NotRecorded(f"the reference's answer to this call of {header.get('function') or header.get('op')} "
                              "depends on your results, so only the grader can check it")
        answer, out = found
        return answer, [a.copy() for a in out]

    def server(self, header, arrays, timeout):
        return RecordedServer(self.record.frames.get(digest(header, arrays), []), timeout)


class RecordedServer:
    """Answers one request's helper frames from the frames recorded for it."""

    def __init__(self, kept, timeout):
        self.kept, self.left, self.calls, self.served = kept, timeout, 0, []

    def __call__(self, frame, arrays):
        self.calls += 1
        if frame.get("event") == "helper_grad":
            return self._backward(frame, arrays)
        for entry in self.kept:
            if entry["function"] == frame.get("function") and (not entry["seeded"] or entry["seed"] == frame.get("seed")) \
                    and _matches([frame.get("args"), frame.get("kwargs")], arrays,
                                 [entry["args"], entry["kwargs"]], entry["frame_arrays"]):
                answer = {"ok": True, "value": entry["answer"]["value"]}
                if frame.get("grad"):
                    answer["call"] = len(self.served)
                    self.served.append(entry)
                return answer, [a.copy() for a in entry["answer_arrays"]]
        return {"ok": False, "error": "not recorded for the public inputs"}, []

    def _backward(self, frame, arrays):
        """The recorded gradients where the cotangents match; else the worker takes its own
        helper's (``own``), as a frame no record matches runs the student's own helper."""
        entry = self.served[frame["call"]] if 0 <= int(frame.get("call", -1)) < len(self.served) else None
        for backward in entry["backward"] if entry else ():
            if _matches(frame.get("cotangents"), arrays, backward["cotangents"], entry["frame_arrays"]):
                out = []
                return {"ok": True, "grads": _gathered(backward["grads"], entry["frame_arrays"], out)}, out
        return {"ok": False, "own": True, "error": "no recorded gradients for these cotangents"}, []


def _gathered(node, arrays, out):
    """An answer tree whose arrays are copied from ``arrays`` into ``out``, renumbered."""
    if isinstance(node, dict) and protocol.TENSOR in node:
        out.append(arrays[int(node[protocol.TENSOR])].copy())
        return {**node, protocol.TENSOR: len(out) - 1}
    if isinstance(node, dict):
        return {k: _gathered(v, arrays, out) for k, v in node.items()}
    if isinstance(node, list):
        return [_gathered(v, arrays, out) for v in node]
    return node


def _matches(node, arrays, want, want_arrays):
    if isinstance(want, dict) and protocol.TENSOR in want:
        if not (isinstance(node, dict) and protocol.TENSOR in node):
            return False
        got, expected = arrays[int(node[protocol.TENSOR])], want_arrays[int(want[protocol.TENSOR])]
        if got.shape != expected.shape or got.dtype != expected.dtype:
            return False
        if not np.issubdtype(expected.dtype, np.floating):
            return bool(np.array_equal(got, expected))
        scale = max(1.0, float(np.abs(expected).max(initial=0.0)))
        return bool(np.allclose(got, expected, rtol=RTOL, atol=ATOL * scale, equal_nan=False))
    if isinstance(want, dict):
        keys = set(want) - {"grad", "device"}
        return isinstance(node, dict) and keys == set(node) - {"grad", "device"} and all(
            _matches(node[k], arrays, want[k], want_arrays) for k in keys)
    if isinstance(want, list):
        return isinstance(node, list) and len(node) == len(want) and all(
            _matches(a, arrays, b, want_arrays) for a, b in zip(node, want))
    if isinstance(want, float) and isinstance(node, (int, float)):
        return bool(np.isclose(node, want, rtol=RTOL, atol=ATOL))
    return node == want and type(node) is type(want)

