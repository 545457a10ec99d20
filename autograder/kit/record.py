"""The reference's answers on the public seed, recorded for a student kit.

``autograder student-kit`` grades the reference itself, as a submission, on ``PUBLIC_SEED``
with the tests the kit runs. Every request the checks send to the reference is kept with
its answer, and so is every helper frame a worker sends while the reference's own functions
run (worker/served.py), with the grader's answer. The kit's grader replays them (replay.py)
in place of the reference: the same checks, parts, tolerances and hints as on Gradescope,
on inputs anyone may know. Values on public inputs travel; code never does. Grading draws a
secret seed per submission, so none of these inputs is ever a graded one.
"""
import hashlib
import inspect
import json
from pathlib import Path

import numpy as np

from ..worker.tree import TENSOR, pairs, rebuild
from ..worker.wire import digest

PUBLIC_SEED = 20261122
INDEX, ARRAYS, SCOPE = "record.json", "arrays.npz", "scope.json"
LITERALS = (type(None), bool, int, float, str)  # defaults a frame carries as themselves


def parameters(function):
    """The parameters of ``function`` as plain data, in order: {"name", "kind" (as
    inspect.Parameter names it), "default" where it is a literal, "other_default": true where
    it is anything else}. The kit binds a helper frame's arguments to them (replay.py), so
    that ``f(x, m=m)`` and ``f(x, m)`` are one call, as they are to the reference."""
    found = []
    for parameter in inspect.signature(function).parameters.values():
        entry = {"name": parameter.name, "kind": parameter.kind.name}
        if type(parameter.default) in LITERALS:
            entry["default"] = parameter.default
        elif parameter.default is not parameter.empty:
            entry["other_default"] = True
        found.append(entry)
    return found


def draws():
    """{"torch": its version, "kinds": {kind: digest}}: the public seed's draws of each kind
    the checks' inputs are made of (grader/draw.py's, a large and a small normal, for torch
    fills them by different routes), so that a kit run on another torch can say which of its
    inputs differ from the recorded ones, bit for bit (``changed_draws``): a torch of the
    kit's range (build.KIT_TORCH) may, as 2.3 does for ``noise seeds``."""
    import torch

    from ..grader.draw import Draw

    draw = Draw(PUBLIC_SEED, "kit:draws")
    kinds = {"normal": lambda: draw.normal(64), "normal (small)": lambda: draw.normal(5),
             "float64 normal": lambda: draw.normal(33, dtype=torch.float64), "uniform": lambda: draw.uniform(64),
             "binary": lambda: draw.binary(64), "simplex": lambda: draw.simplex(8, 5),
             "integers": lambda: torch.tensor([draw.integers(0, 1000) for _ in range(8)]),
             # the seed of a call that draws its own noise: torch.randint over [0, 2³¹ − 1), which
             # torch 2.3 draws otherwise than 2.13 (the smaller ranges of `integers` alike)
             "noise seeds": lambda: torch.tensor([draw.seed() for _ in range(4)]),
             "permutation": lambda: torch.randperm(50, generator=draw.generator)}
    found = {}
    for kind, make in kinds.items():
        draw.begin(kind)
        found[kind] = hashlib.sha256(np.ascontiguousarray(make().numpy()).tobytes()).hexdigest()[:16]
    return {"torch": torch.__version__, "kinds": found}


def changed_draws(recorded):
    """(the recording torch's version, [kinds this torch draws otherwise]) of ``recorded``
    (``draws()`` of the kit's making); (None, []) for a kit that recorded none."""
    if not recorded:
        return None, []
    now = draws()["kinds"]
    return recorded["torch"], [kind for kind, digest in recorded["kinds"].items() if now.get(kind) != digest]


class Record:
    """What a kit knows of the reference: ``answers`` {digest: (answer, arrays)}; ``frames``
    {digest of a request: [helper frame kept]}; ``helpers`` {function: the helpers served
    while it runs}; ``signatures`` {helper: its reference's parameters}; ``left_out`` {test:
    why the kit does not run it}; ``draws``: ``draws()`` of the torch that recorded it."""

    def __init__(self, answers=None, frames=None, helpers=None, left_out=None, signatures=None, draws=None):
        self.answers, self.frames = answers or {}, frames or {}
        self.helpers, self.left_out, self.signatures = helpers or {}, left_out or {}, signatures or {}
        self.draws = draws

    def save(self, folder):
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        arrays = {}

        def keep(values):
            names = [f"a{len(arrays) + i}" for i in range(len(values))]
            arrays.update(zip(names, values))
            return names
        index = {"answers": {key: {"answer": answer, "arrays": keep(out)} for key, (answer, out) in self.answers.items()},
                 "frames": {key: [{**frame, "frame_arrays": keep(frame["frame_arrays"]),
                                   "answer_arrays": keep(frame["answer_arrays"])} for frame in kept]
                            for key, kept in self.frames.items()}}
        (folder / INDEX).write_text(json.dumps(index, separators=(",", ":")))
        (folder / SCOPE).write_text(json.dumps({"helpers": self.helpers, "signatures": self.signatures,
                                                "left_out": self.left_out, "draws": self.draws}, indent=1))
        np.savez_compressed(folder / ARRAYS, **arrays)
        return folder

    @classmethod
    def load(cls, folder):
        folder = Path(folder)
        index = json.loads((folder / INDEX).read_text())
        with np.load(folder / ARRAYS, allow_pickle=False) as stored:
            arrays = {name: stored[name] for name in stored.files}

        def take(names):
            return [arrays[name] for name in names]
        answers = {key: (entry["answer"], take(entry["arrays"])) for key, entry in index["answers"].items()}
        frames = {key: [{**frame, "frame_arrays": take(frame["frame_arrays"]),
                         "answer_arrays": take(frame["answer_arrays"])} for frame in kept]
                  for key, kept in index["frames"].items()}
        scope = json.loads((folder / SCOPE).read_text())
        return cls(answers, frames, scope["helpers"], scope["left_out"], scope["signatures"], scope.get("draws"))

    @staticmethod
    def load_left_out(folder):
        """{test: why the kit does not run it}, without reading the answers."""
        return json.loads((Path(folder) / SCOPE).read_text())["left_out"]

    @staticmethod
    def load_draws(folder):
        """The ``draws()`` of the torch that recorded the kit, or None (an older kit)."""
        return json.loads((Path(folder) / SCOPE).read_text()).get("draws")


class Recording:
    """Stands in for the reference in a grading of the reference, answering as it does and
    keeping everything it answers."""

    def __init__(self, reference, record):
        self.reference, self.record = reference, record
        self.seconds = reference.seconds

    def helpers_of(self, function):
        helpers = self.reference.helpers_of(function)
        self.record.helpers[function] = list(helpers)
        for helper in helpers:
            if helper not in self.record.signatures:
                self.record.signatures[helper] = parameters(self.reference.session.resolve(helper))
        return helpers

    def answer(self, header, arrays):
        key = digest(header, arrays)
        answer, out = self.reference.answer(header, arrays)
        self.record.answers[key] = (answer, [np.array(a) for a in out])
        return answer, out

    def server(self, header, arrays, timeout):
        return _RecordingServer(self.reference.server(header, arrays, timeout),
                                self.record.frames.setdefault(digest(header, arrays), []))


class _RecordingServer:
    """A request's helper server that keeps each frame it answers: a forward frame with
    whether its answer depends on the frame's seed (a helper that draws noise), and the
    backward frames of that call (their cotangents and gradients) with it."""

    def __init__(self, server, kept):
        self.server, self.kept, self.calls_kept = server, kept, {}

    def __getattr__(self, name):  # left, calls: the grader's accounting
        return getattr(self.server, name)

    def __call__(self, frame, arrays):
        answer, out = self.server(frame, arrays)
        if frame.get("event") == "helper" and answer.get("ok"):
            again, other = self.server({**frame, "grad": False, "free": [], "seed": int(frame.get("seed", 0)) + 1}, arrays)
            seeded = not (again.get("ok") and _same(answer["value"], out, again["value"], other))
            entry = {"function": frame["function"], "args": frame.get("args"), "kwargs": frame.get("kwargs"),
                     "seed": frame.get("seed"), "seeded": seeded, "frame_arrays": [np.array(a) for a in arrays],
                     "answer": {"value": answer["value"]}, "answer_arrays": [np.array(a) for a in out], "backward": []}
            self.kept.append(entry)
            if "call" in answer:
                self.calls_kept[answer["call"]] = entry
        elif frame.get("event") == "helper_grad" and answer.get("ok") and frame.get("call") in self.calls_kept:
            start = len(self.calls_kept[frame["call"]]["frame_arrays"])  # one array list per entry
            self.calls_kept[frame["call"]]["backward"].append(
                {"cotangents": _shifted(frame["cotangents"], start), "grads": _shifted(answer["grads"], start + len(arrays))})
            self.calls_kept[frame["call"]]["frame_arrays"] += [np.array(a) for a in [*arrays, *out]]
        return answer, out


def _shifted(node, by):
    """An answer tree whose array indices are moved by ``by`` (arrays appended to a list)."""
    return rebuild(node, {TENSOR: lambda tensor: {**tensor, TENSOR: int(tensor[TENSOR]) + by}})


def _same(node, arrays, other, other_arrays):
    """Whether two answer trees hold the same values, bit for bit."""
    def same(a, b):
        if isinstance(a, dict):  # a tensor node
            return isinstance(b, dict) and TENSOR in b and np.array_equal(
                arrays[int(a[TENSOR])], other_arrays[int(b[TENSOR])], equal_nan=True)
        return a == b
    return all(pair is not None and same(*pair) for pair in pairs(node, other))
