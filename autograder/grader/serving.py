"""The grader's side of served helpers (worker/served.py): which graded functions serve a
call, and the server that answers the worker's helper frames with the reference.

A graded function's helpers are the other graded functions its reference reaches: the
top-level functions of the student's files named in its body, in the bodies of those, in
the methods of its class it names, in module-level tables, and in the course's scaffold
files (their networks call helpers at run time); never the function itself. A student's
function can use the grader's value of exactly what a correct one needs, and nothing else.
"""
import ast
import contextlib
import itertools
import json
import signal
import threading
import time

import numpy as np
import torch

from ..worker import protocol
from ..worker.builder import Builder
from ..worker.probes import module_of
from ..worker.served import vjp
from ..worker.tree import META, MODULE, NET, TENSOR, TUPLE, dtype_name, leaves, rebuild, tagged, torch_dtype, write
from . import assignment, memory


def _names(node):
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)} | \
           {n.attr for n in ast.walk(node) if isinstance(n, ast.Attribute)}


_BODIES: dict[tuple[object, object], tuple[dict, dict]] = {}  # (course's manifest, reference) -> its reference's bodies


def _bodies(course):
    """({"module.name": top-level function node}, {"module.Class.method" or "module.CONSTANT":
    node}) of the reference: what a reached name can lead to."""
    key = (course.manifest, course.reference)
    if key not in _BODIES:
        _BODIES[key] = _parsed(course)
    return _BODIES[key]


def _parsed(course):
    functions, others = {}, {}
    for module, file in zip(course.modules, course.files):
        for node in ast.parse(course.reference_source(file)).body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                functions[f"{module}.{node.name}"] = node
            elif isinstance(node, ast.ClassDef):
                others.update({f"{module}.{node.name}.{item.name}": item for item in node.body
                               if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef))})
            elif isinstance(node, ast.Assign):  # a table of functions: LOSSES = {"a": loss_a, ...}
                others.update({f"{module}.{t.id}": node.value for t in node.targets if isinstance(t, ast.Name)})
    return functions, others


def _scaffold_names(course):
    names = set()
    for file in course.scaffold:
        if file.endswith(".py"):
            names |= _names(ast.parse((course.reference / file).read_text()))
    return names


_HELPERS: dict[tuple[object, str], object] = {}  # (course, function) -> its helpers
_REACH: dict[tuple[object, object, str], frozenset] = {}  # (course, name) -> what it reaches
_GRADED: dict[object, set[str]] = {}  # course -> the functions its tests cover


def helpers_of(course, function):
    """The contract names ("module.helper") served while ``function`` runs: the graded
    functions (those a test of the course covers) its reference reaches."""
    key = (course.manifest, course.reference, function)
    if key not in _HELPERS:
        if course.manifest not in _GRADED:
            _GRADED[course.manifest] = set(assignment.load(course.manifest, course).graded_functions())
        _HELPERS[key] = tuple(name for name in _closure(course, function) if name in _GRADED[course.manifest])
    return _HELPERS[key]


def reach(course, name):
    """``name`` (a contract function, method or class) and every contract name its reference
    reaches (a class: its methods, and what they reach), served or not: all a grading of
    ``name`` can run of a student's code."""
    if name.startswith("answers."):
        return frozenset([name])
    key = (course.manifest, course.reference, name)
    if key not in _REACH:
        functions, others = _bodies(course)
        start = {name, *(m for m in others if m.startswith(name + "."))}
        _REACH[key] = frozenset(start.union(*(_closure(course, m) for m in start if m in functions or m in others)))
    return _REACH[key]


def _closure(course, function):
    functions, others = _bodies(course)
    by_name = {}
    for qualified in functions:
        by_name.setdefault(qualified.rpartition(".")[2], []).append(qualified)
    owner, module = function.rpartition(".")[0], module_of(function, course.modules)
    pending = [functions.get(function) or others.get(function)]
    found, seen = set(), set()
    names = set(_scaffold_names(course))
    while pending:
        node = pending.pop()
        if node is None or id(node) in seen:
            continue
        seen.add(id(node))
        names |= _names(node)
        for name in names:
            for qualified in by_name.get(name, []):
                if qualified not in found and qualified != function:
                    found.add(qualified)
                    pending.append(functions[qualified])
            pending += [others.get(f"{owner}.{name}"), others.get(f"{module}.{name}")]
    return tuple(sorted(found))


class Overtime(Exception):
    """The served calls of one request used up its time."""


@contextlib.contextmanager
def _time_limit(seconds):
    """Interrupt the block after ``seconds`` (in the main thread, where the checks run): the
    arguments of a served call are the student's, and an integer can ask for any amount of work."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def expire(signum, frame):
        raise Overtime("the served helpers used up this call's time")
    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, max(seconds, 1e-3))
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


CALL_KEYS = ("function", "args", "kwargs", "seed", "grad")  # what of a helper frame computes its value


class Server:
    """Answers one request's helper frames with the reference (a probes.Session), for the
    functions in ``allowed`` only, within the request's ``timeout`` in all. Keeps each
    differentiable call's frame until the worker lets go of its graph, and computes the call
    again for its backward pass, on the same seed: the very draw its forward made. (Keeping
    each call's graph instead cost 7.5 KB a call: a correct homework that calls a helper
    once per mixture component makes 100,000 calls a request.) A call it refuses (too slow,
    too large, rejected by the reference) runs the student's own helper."""

    MAX_KEPT = 256 << 20  # bytes of the calls kept for backward passes
    KEPT_CALL = 2048  # bytes a kept call costs besides its arrays' bytes: its frame's text, the arrays' objects
    MAX_BYTES = 256 << 20  # that one call may allocate: the reference's work on a student's shapes
    MAX_ELEMENTS = 1 << 23  # of a served value: it travels in one frame

    def __init__(self, reference, header, arrays, allowed, timeout=30.0):
        self.reference, self.allowed, self.left = reference, set(allowed), float(timeout)
        self.arrays, self.dtype = arrays, header.get("dtype", "float32")
        self.network_nodes = {node["name"]: node for node in tagged(header, MODULE)}  # the networks it builds
        self.pending = {}  # {call: (its frame, its arrays, the bytes they count)} whose backward may come
        self.kept, self.ids, self.calls = 0, itertools.count(), 0

    def __call__(self, frame, arrays):
        started = time.monotonic()
        self.calls += 1
        for call in frame.get("free") or []:  # calls whose graph the worker has let go
            self.kept -= self.pending.pop(call, (None, None, 0))[2]
        try:
            if self.left <= 0:
                raise Overtime("the served helpers used up this call's time")
            with _time_limit(self.left):
                if frame.get("event") == "helper_grad":
                    return self._backward(frame, arrays)
                return self._forward(frame, arrays)
        except Exception as exc:  # the reference rejects these inputs: the student's own helper runs
            return {"ok": False, "error": f"{type(exc).__name__}: {exc}"[:500]}, []
        finally:
            self.left -= time.monotonic() - started

    def unchecked(self):
        """None: every answer here is the grader's own, a refusal too (the student's helper
        running where this server cannot serve is the grader's rule). The student kit's
        server (kit/replay.py) returns what it could not answer as the grader would."""
        return None

    def _forward(self, frame, arrays):
        function = frame.get("function")
        if function not in self.allowed:
            raise PermissionError(f"{function} is not served in this call")
        value, inputs, shapes_only = self._compute(frame, arrays)
        size = sum(leaf.numel() for leaf in leaves(value) if isinstance(leaf, torch.Tensor))
        if size > self.MAX_ELEMENTS:
            raise ValueError(f"the value has {size} elements, more than are served")
        out = []
        if shapes_only:
            return {"ok": True, "value": _pack(value, out, shapes_only=True)}, out
        answer = {"ok": True, "value": _pack(value, out)}
        if inputs:
            size = self.KEPT_CALL + sum(a.nbytes for a in arrays)
            if self.kept + size > self.MAX_KEPT:
                raise MemoryError("too many differentiable helper calls in one request")
            self.kept += size
            answer["call"] = call = next(self.ids)
            # the frame as JSON text: a third of its dicts' size, and read back only for a backward
            self.pending[call] = (json.dumps({key: frame.get(key) for key in CALL_KEYS}), arrays, size)
        return answer, out

    def _compute(self, frame, arrays):
        """(value, the inputs whose gradients the worker asks for, whether it asked for shapes
        only) of one call of the reference, on the frame's seed."""
        inputs, shapes_only = [], []

        def ones(node):
            # the worker's meta-device run needs shapes only; the reference computes them on
            # ones of those shapes here, as the meta device would make the grader import
            # torch's compiler stack (2 s and 70 MB) for its Python meta kernels
            shapes_only.append(True)
            return torch.ones(node[META], dtype=torch_dtype(node["dtype"]))

        def tensor(node):
            value = torch.from_numpy(arrays[int(node[TENSOR])].copy())
            if "grad" in node and frame.get("grad"):
                value.requires_grad_(True)
                inputs.append(value)
            return value

        def build(node):
            return rebuild(node, {META: ones, TENSOR: tensor, NET: lambda net: self._network(net, build, inputs),
                                  TUPLE: tuple})

        reference = self.reference.resolve(frame.get("function"))
        try:
            with memory.at_most(self.MAX_BYTES):
                args, kwargs = build(frame.get("args", [])), build(frame.get("kwargs", {}))
                # the value is computed on the CPU, with the CPU generator seeded as the worker
                # asked and restored after (torch.manual_seed would seed every device too: a third
                # of a millisecond; fork_rng's checks cost three times the state's copy)
                state = torch.default_generator.get_state()
                try:
                    torch.default_generator.manual_seed(int(frame.get("seed", 0)))
                    with torch.enable_grad():
                        value = reference(*args, **kwargs)
                finally:
                    torch.default_generator.set_state(state)
        except Exception as exc:
            if memory.out_of_memory(exc):
                raise MemoryError(f"the call needs more than the {self.MAX_BYTES >> 20} MB a served call may use") \
                    from None
            raise
        return value, inputs, bool(shapes_only)

    def _network(self, node, build, inputs):
        """The network as the grader built it for this request, holding the worker's current
        weights as its parameters (the inputs whose gradients go back)."""
        built = Builder(self.arrays, "cpu", self.dtype, self.reference.networks).module(self.network_nodes[node[NET]])
        for (name, _), theirs in zip(list(built.named_parameters()), [build(p) for p in node["params"]]):
            module, _, leaf = name.rpartition(".")
            mine = torch.nn.Parameter(theirs.detach(), requires_grad=theirs.requires_grad)
            (built.get_submodule(module) if module else built)._parameters[leaf] = mine
            inputs[:] = [mine if x is theirs else x for x in inputs]
        return built

    def _backward(self, frame, arrays):
        """The gradients of one served call, once: its forward is computed again, on its seed,
        and let go with them, as the worker lets go of its graph after a backward pass (a
        second backward through it fails here as it would there)."""
        forward, forward_arrays, size = self.pending.pop(frame["call"])
        self.kept -= size
        value, inputs, _ = self._compute(json.loads(forward), forward_arrays)
        outputs = [leaf for leaf in leaves(value) if isinstance(leaf, torch.Tensor) and leaf.is_floating_point()]
        pairs = [(o, torch.from_numpy(arrays[int(c[TENSOR])].copy()))
                 for o, c in zip(outputs, frame["cotangents"]) if c is not None and o.requires_grad]
        grads = vjp(pairs, inputs) if pairs else [None] * len(inputs)
        out = []
        return {"ok": True, "grads": [None if g is None else protocol.pack(g, out) for g in grads]}, out


def _pack(value, out, shapes_only=False):
    """A served value as an answer tree; ``shapes_only`` (a meta-device run): its tensors as
    shapes, which the worker makes meta tensors of."""
    def leaf(value):
        if isinstance(value, torch.Tensor) and shapes_only:
            out.append(np.zeros(0, np.float32))  # a shape alone: the tensor stays on meta
            return {META: list(value.shape), "dtype": dtype_name(value.dtype), TENSOR: len(out) - 1}
        return protocol.pack(value, out)
    return write(value, leaf)
