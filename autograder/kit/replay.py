"""The reference of a student kit: its answers recorded on the public seed (record.py).

A request the checks send is answered when it is exactly one the reference was sent while
the kit was built; any other (one built from the student's own results) raises
``NotRecorded``, and the part that sent it is reported as not checked here, never as
passed or failed.

A helper frame is answered with the recorded answer of a frame of the same helper whose
arguments match within float32 round-off (and whose seed is the same, for a helper that
draws noise), and its backward pass with the recorded gradients for matching cotangents.
Arguments are matched as the reference binds them: by parameter, so that a keyword and a
position are one argument and a literal default left out is the default given; never
across shapes that only broadcast alike. A frame the reference's signature rejects runs
the student's own helper, as the grader's does. Any other frame nothing matches (a helper
called on arguments, or differentiated at cotangents, the reference never met) runs the
student's own helper too, so that the call completes; but the grader would have served
it, so the request's outcome is the grader's to judge: the server remembers the helper,
and the request raises ``NotRecorded`` when it ends (``RecordedServer.unchecked``).
"""
import inspect

import numpy as np

from ..grader.parts import Unchecked
from ..worker.closeness import magnitude
from ..worker.tree import TENSOR, pairs, rebuild
from .record import Record, digest

RTOL, ATOL = 1e-4, 1e-5  # of matching arguments: float32 round-off of another summation order
_OTHER = object()  # a default that is not a literal: a call that leaves it out matches none that gives it


class NotRecorded(Unchecked):
    """The reference was asked something the kit did not record."""


class RecordedReference:
    """Answers for the reference from a course's ``record`` folder."""

    def __init__(self, course):
        self.course, self.record = course, Record.load(course.record)
        self.seconds = {"reference": 0.0}
        self.signatures = {name: signature(found) for name, found in self.record.signatures.items()}

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
        return RecordedServer(self.record.frames.get(digest(header, arrays), []),
                              {helper: self.signatures[helper] for helper in header["helpers"]}, timeout)


def signature(parameters):
    """The inspect.Signature of a helper's recorded ``parameters`` (record.parameters)."""
    def default(entry):
        return entry["default"] if "default" in entry else _OTHER if entry.get("other_default") \
            else inspect.Parameter.empty
    return inspect.Signature([inspect.Parameter(entry["name"], getattr(inspect.Parameter, entry["kind"]),
                                                default=default(entry)) for entry in parameters])


def bound(signature, args, kwargs):
    """[[parameter, argument node], ...] of a call, in the signature's order, its literal
    defaults filled in; None when the signature rejects the call (a TypeError in Python)."""
    try:
        call = signature.bind(*args, **kwargs)
    except TypeError:
        return None
    call.apply_defaults()
    return [[name, list(value) if isinstance(value, tuple) else value]  # *args: a tuple of nodes
            for name, value in call.arguments.items() if value is not _OTHER]


class RecordedServer:
    """Answers one request's helper frames from the frames recorded for it, for the helpers
    in ``signatures`` {helper: its reference's inspect.Signature} (the request's), and
    remembers the helpers it left to the student where the grader would have answered."""

    def __init__(self, kept, signatures, timeout):
        self.kept, self.signatures, self.left, self.calls = kept, signatures, timeout, 0
        self.served = []  # per differentiable call: (its entry, [the entry's input of each of the frame's inputs])
        self.missed = []  # helpers, each once, in the order they were missed

    def __call__(self, frame, arrays):
        self.calls += 1
        if frame.get("event") == "helper_grad":
            return self._backward(frame, arrays)
        return self._forward(frame, arrays)

    def unchecked(self):
        """None when every helper frame got the answer the grader would give it; else the
        NotRecorded that makes the request's part not checked here."""
        if not self.missed:
            return None
        names = _listed([f"`{helper.rpartition('.')[2]}`" for helper in self.missed])
        return NotRecorded(f"depends on your {names} called with arguments the kit has no answer for, so only "
                           f"the grader can check it; make sure {names} "
                           f"{'itself passes' if len(self.missed) == 1 else 'pass'} here, or submit to see")

    def _forward(self, frame, arrays):
        function = frame.get("function")
        if function not in self.signatures:  # refused, as the grader's server refuses it
            return {"ok": False, "error": f"{function} is not served in this call"}, []
        call = bound(self.signatures[function], frame.get("args", []), frame.get("kwargs", {}))
        if call is None:  # the grader's reference raises TypeError on these arguments: the student's own runs there too
            return {"ok": False, "error": f"TypeError: {function} does not take these arguments"}, []
        for entry in self.kept:
            if entry["function"] != function or (entry["seeded"] and entry["seed"] != frame.get("seed")):
                continue
            inputs = {}
            if _matches(call, arrays, bound(self.signatures[function], entry["args"], entry["kwargs"]),
                        entry["frame_arrays"], inputs):
                answer = {"ok": True, "value": entry["answer"]["value"]}
                if frame.get("grad"):
                    answer["call"] = len(self.served)
                    self.served.append((entry, [inputs[i] for i in range(len(inputs))]))
                return answer, [a.copy() for a in entry["answer_arrays"]]
        return self._miss(function, "not recorded for the public inputs")

    def _backward(self, frame, arrays):
        """The recorded gradients where the cotangents match and the reference's call took
        the gradient of every input the student's call does."""
        entry, inputs = self.served[frame["call"]]
        for backward in entry["backward"] if None not in inputs else ():
            if _matches(frame.get("cotangents"), arrays, backward["cotangents"], entry["frame_arrays"], {}):
                out = []
                grads = [_gathered(backward["grads"][i], entry["frame_arrays"], out) for i in inputs]
                return {"ok": True, "grads": grads}, out
        return self._miss(entry["function"], "no recorded gradients for these cotangents")

    def _miss(self, function, why):
        """The reply that runs the student's own helper (its value, or its gradients:
        ``own``), remembering the helper for ``unchecked``."""
        if function not in self.missed:
            self.missed.append(function)
        return {"ok": False, "own": True, "error": why}, []


def _listed(names):
    """"a", "a and b", "a, b and c"."""
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def _gathered(node, arrays, out):
    """An answer tree whose arrays are copied from ``arrays`` into ``out``, renumbered."""
    def gather(tensor):
        out.append(arrays[int(tensor[TENSOR])].copy())
        return {**tensor, TENSOR: len(out) - 1}
    return rebuild(node, {TENSOR: gather})


def _matches(node, arrays, want, want_arrays, inputs):
    """Whether a frame's tree (``node``, its ``arrays``) holds the recorded one's values
    within float32 round-off, shape for shape. Fills ``inputs`` {the frame's input index
    ("grad" of a tensor node): the recorded frame's at the same place, or None where the
    reference's did not take its gradient}."""
    def close(want, node):
        if isinstance(want, dict):  # a tensor node
            return _close_tensors(node, arrays, want, want_arrays, inputs)
        if isinstance(want, float) and isinstance(node, (int, float)):
            return bool(np.isclose(node, want, rtol=RTOL, atol=ATOL))
        return node == want and type(node) is type(want)
    return all(pair is not None and close(*pair) for pair in pairs(want, node))


def _close_tensors(node, arrays, want, want_arrays, inputs):
    if not (isinstance(node, dict) and TENSOR in node):
        return False
    got, expected = arrays[int(node[TENSOR])], want_arrays[int(want[TENSOR])]
    if got.shape != expected.shape or got.dtype != expected.dtype:
        return False
    if "grad" in node:
        inputs[int(node["grad"])] = want.get("grad")
    if not np.issubdtype(expected.dtype, np.floating):
        return bool(np.array_equal(got, expected))
    return bool(np.allclose(got, expected, rtol=RTOL, atol=ATOL * magnitude(expected), equal_nan=False))
