"""Fingerprints of wrong answers on a class-wide probe input set, for the instructor's
similarity report (workflows/similarity.py).

After a grading's checks, ``batch --similarity`` runs them again on the batch's probe seed
with the same worker (runner.grade's ``again``); this module's ``ProbeWatch`` sees each call
of that pass and keeps, per graded function, whether its replies differ from the
reference's answers and, where they do, one fingerprint of what it answered wrongly. Two
submissions that answer a probe input wrongly in the same way, to the last digits kept,
share that fingerprint. The probe pass's verdicts never reach the results (``grade``
builds them from the grading seed's checks), and the fingerprints go to a file of their
own, which the student never sees.

The rule, in one place (``canonical``): every floating-point array is written as integers
on a grid of ``DIGITS`` significant digits of that array's largest finite magnitude
(its power of ten), NaN and infinities by name, other values as they are. Why so:
- a copy renamed and reformatted runs the same operations, so its values are the same to
  the bit; a copy that reorders a sum differs by a few units in the last place (1e-7 of
  the magnitude in float32), far below the grid (1e-3 of the magnitude), so its hash is the
  same unless a value falls within that noise of a cell's edge (a chance of about 1e-4 per
  value): then a shared mistake is missed, never invented;
- one grid for the whole array, not digits per value: values near zero computed as the
  difference of large ones carry noise in all their digits, and the grid rounds them to 0;
- a mistake changes its values by far more than 0.1 % of their magnitude (a wrong sign, a
  missing term, a wrong reduction, a mean for a sum), so different mistakes differ.
A reply is wrong only where it differs from the reference's answer by more than half a cell
of that grid somewhere (``agrees``): a correct output, however computed, is never evidence.

A function whose reference answer changes with the torch seed of the request draws its own
noise: its answers cannot be compared across submissions, so its calls are skipped and the
function is named (checks that inject the noise themselves pass it as an argument, and
those calls are deterministic). So is one whose reference does not even equal itself.

Every submission's probe pass makes the same requests of the reference (the same seed draws
the same inputs), and a request is the whole of what the reference computes from: so the
reference's answers on the probe seed, and which forms of call can be compared, are
computed once for the class and kept in the batch folder (``ProbeCache``), not once per
submission. A grade never reads them: the grading seed's pass asks the reference itself.
"""
import dataclasses
import hashlib
import io
import json
import math
import os
import re
import tempfile
from pathlib import Path

import numpy as np

from ..worker import wire
from .calls import StudentError, decode_reply
from .values import Returned

FILE = "fingerprints.json"  # beside a submission's results.json in a batch folder, never inside it
DIGITS = 3  # significant digits of an array's magnitude that a fingerprint keeps
VERSION = 2  # of the fingerprint rule and the file's layout: files of another version are not compared
NOISY = "draws its own noise (its answer changes with the request's torch seed)"
UNSTABLE = "the reference does not answer it the same way twice"
CACHE = "probe-cache"  # in the batch folder, beside probe.json: the reference's side of the class's probe passes
UNKNOWN = object()  # a form of call whose stability is not decided yet


def _grid(array):
    """The cell of ``array``'s grid: 10^(its largest finite magnitude's power of ten − DIGITS + 1)."""
    finite = np.abs(array[np.isfinite(array)])
    largest = float(finite.max(initial=0.0))
    if largest == 0.0:
        return 1.0
    return 10.0 ** (math.floor(math.log10(largest)) - DIGITS + 1)


def _quantized(array, grid):
    """The array on ``grid`` as a list of ints, NaN and infinities by name."""
    array = np.asarray(array, dtype=np.float64).ravel()
    finite = np.isfinite(array)
    cells = np.round(np.where(finite, array, 0.0) / grid).astype(np.int64).tolist()  # one C loop, not one per value
    for i in np.flatnonzero(~finite):
        cells[i] = repr(float(array[i]))
    return cells


def canonical(value):
    """``value`` (a decoded reply's value, gradients or parameters) as plain JSON data on the
    fingerprint's grid: what the hash is of."""
    if isinstance(value, Returned):
        array = np.asarray(value.array)
        if array.dtype.kind in "fc":
            floats = array.astype(np.float64)
            return ["array", value.dtype, list(value.shape), _quantized(floats, _grid(floats))]
        return ["array", value.dtype, list(value.shape), array.ravel().tolist()]
    if isinstance(value, float):
        return ["float", _quantized(np.array([value]), _grid(np.array([value])))[0]]
    if isinstance(value, (list, tuple)):
        return [type(value).__name__, [canonical(v) for v in value]]
    if isinstance(value, dict):
        return ["dict", [[str(k), canonical(v)] for k, v in sorted(value.items(), key=lambda kv: str(kv[0]))]]
    if value is None or isinstance(value, (bool, int, str)):
        return value
    return repr(value)


def fingerprint(reply):
    """A short hash of a reply's value, gradients and parameters on the grid (``canonical``)."""
    text = json.dumps([canonical(reply.value), canonical(reply.grads), canonical(reply.params)],
                      separators=(",", ":"))
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def agrees(got, want):
    """Whether ``got`` equals ``want`` to within half a cell of ``want``'s grid throughout: the
    same structure, dtypes and shapes, and every value as close (NaN where NaN)."""
    if isinstance(want, Returned):
        if not isinstance(got, Returned) or got.dtype != want.dtype or got.shape != want.shape:
            return False
        a, b = np.asarray(got.array, dtype=np.float64), np.asarray(want.array, dtype=np.float64)
        return bool(np.allclose(a, b, rtol=0.0, atol=_grid(b) / 2, equal_nan=True))
    if isinstance(want, (tuple, list)):
        return type(got) is type(want) and len(got) == len(want) and all(map(agrees, got, want))
    if isinstance(want, dict):
        return isinstance(got, dict) and got.keys() == want.keys() and all(agrees(got[k], want[k]) for k in want)
    if isinstance(want, float) and isinstance(got, float):
        return agrees(Returned(np.array([got]), "float", "cpu", False), Returned(np.array([want]), "float", "cpu", False))
    return got == want


def reply_agrees(got, want):
    return all(agrees(g, w) for g, w in ((got.value, want.value), (got.grads, want.grads),
                                          (got.params, want.params)))


def request_key(header, arrays):
    """A request's identity (``wire.digest``, cut to 16 hex digits): the same probe input in
    every submission."""
    return wire.digest(header, arrays)[:16]


@dataclasses.dataclass
class Function:
    """What the probe pass saw of one graded function."""
    calls: int = 0
    raised: int = 0  # calls that raised (never fingerprinted: an error is not a wrong value)
    compared: int = 0  # calls whose answers can be compared across submissions
    wrong: dict = dataclasses.field(default_factory=dict)  # {request key: fingerprint of the wrong reply}

    def fingerprint(self):
        """One hash of every wrong answer of the function, by probe input; None where none was wrong."""
        if not self.wrong:
            return None
        return hashlib.sha256(json.dumps(sorted(self.wrong.items())).encode()).hexdigest()[:16]


class ProbeWatch:
    """runner.grade's ``watch`` for the probe pass: records the calls made while the checks run
    on ``probe_seed`` (``begin`` says which seed's checks run), and nothing else."""

    def __init__(self, probe_seed, cache=None):
        self.probe_seed, self.recording = int(probe_seed), False
        self.functions, self.why_not = {}, {}  # {function: Function}, {function: why a call was not compared}
        self._stable = {}  # {form: None or why its answers cannot be compared}
        self.cache = cache  # a ProbeCache: the class's verdicts on forms (set by Probe.reference), or None

    def begin(self, seed):
        self.recording = int(seed) == self.probe_seed

    def __call__(self, reference, header, arrays, reply, want=None):
        if not self.recording:
            return
        name = str(header.get("function"))
        seen = self.functions.setdefault(name, Function())
        seen.calls += 1
        if isinstance(reply, StudentError):
            seen.raised += 1
            return
        try:
            why = self._known(_form(header))
            if why is None or why is UNKNOWN:  # a call known not to be comparable needs no answer
                want = want or decode_reply(*reference.answer(header, arrays))
            if why is UNKNOWN:
                why = self._unstable(reference, header, arrays, want)
        except Exception as exc:  # noqa: BLE001 - a request only the worker answers (an op) is no evidence
            why = f"the reference could not answer it ({type(exc).__name__})"
        if why is not None:  # this call is skipped; the function's other forms still count
            self.why_not[name] = why
            return
        seen.compared += 1
        if not reply_agrees(reply, want):
            seen.wrong[request_key(header, arrays)] = fingerprint(reply)

    def _known(self, form):
        """What is known of ``form``: None (comparable), why not, or UNKNOWN; from this grading,
        else from the class's cache (another submission's probe pass decided it)."""
        if form not in self._stable and self.cache is not None:
            known = self.cache.get("form", _digest(form))
            if known is not None:
                self._stable[form] = json.loads(known)["why"]
        return self._stable.get(form, UNKNOWN)

    def _unstable(self, reference, header, arrays, want):
        """Why this call's answers cannot be compared, or None; decided on the first call of
        each form in the class (``_form``: a call that omits its noise argument is another
        form than one that passes it), by asking the reference itself (never the cache)
        again with the same request and with another torch seed."""
        form, own = _form(header), getattr(reference, "uncached", reference)
        again = decode_reply(*own.answer(header, arrays))
        reseeded = decode_reply(*own.answer({**header, "seed": int(header.get("seed", 0)) + 1}, arrays))
        self._stable[form] = UNSTABLE if fingerprint(again) != fingerprint(want) else \
            NOISY if fingerprint(reseeded) != fingerprint(want) else None
        if self.cache is not None:
            self.cache.put("form", _digest(form), json.dumps({"form": form, "why": self._stable[form]}).encode())
        return self._stable[form]

    def document(self, course_digest, hints=None):
        """The fingerprints file's content: the probe seed, the course's digest, the rule's
        version and, per function, its calls, raised calls, wrong calls and fingerprint (and
        the hint its probe-pass test printed, where it names a known mistake)."""
        hints = hints or {}
        functions = {name: {"calls": f.calls, "raised": f.raised, "wrong": len(f.wrong),
                            "fingerprint": f.fingerprint(), "hint": _hint(hints, name) if f.wrong else None}
                     for name, f in sorted(self.functions.items())}
        return {"version": VERSION, "digits": DIGITS, "probe_seed": self.probe_seed, "course": course_digest,
                "functions": functions, "skipped": self.skipped()}

    def skipped(self):
        """{function: why} of the functions none of whose calls could be compared."""
        return {name: why for name, why in sorted(self.why_not.items()) if not self.functions[name].compared}


def _form(header):
    """A request's form: its header with every number masked (which arguments it passes, not
    their values or shapes)."""
    return re.sub(r"-?\d+(\.\d+)?(e[-+]?\d+)?", "#", json.dumps(header, sort_keys=True, default=str))


def _digest(text):
    return hashlib.sha256(text.encode()).hexdigest()


def _hint(hints, function):
    """The hint for ``function``: its own, or its class's (a test covering "m.Class" covers its methods)."""
    return next((hint for name, hint in hints.items() if function == name or function.startswith(name + ".")), None)


def hints_of(plugin, prefix):
    """{function: the hint line of the failing test covering it}, from a pass's plugin: the
    known mistake a test's failure names (``prefix``: how a hint line starts)."""
    found = {}
    for test, record in plugin.records.items():
        if record["score"] >= record["max_score"]:
            continue
        hint = next((line.strip() for line in record["output"].splitlines() if line.strip().startswith(prefix)), None)
        for function in plugin.assignment.tests[test].covers if hint else ():
            found.setdefault(function, hint)
    return found


def write(document, path):
    """Write the fingerprints file atomically (a stopped grading leaves no half file)."""
    path = Path(path)
    fresh = path.with_name(path.name + ".partial")
    fresh.write_text(json.dumps(document, indent=1))
    os.replace(fresh, path)


class ProbeCache:
    """A folder of what the class's probe passes ask the reference alike: its answers to the
    probe requests (``answer``) and its verdicts on forms of call (``form``), each a file
    named by a hash of what it answers. The first grading that needs one computes and writes
    it (atomically: gradings running side by side share the folder), the others read it.
    ``scoped`` gives the subfolder of one rule version, engine (its version and source), course
    and probe seed, so that an edited course or engine never reads another's answers; the whole folder can be deleted at any
    time (it is computed again)."""

    def __init__(self, folder):
        self.folder = Path(folder)

    def scoped(self, *what):
        return ProbeCache(self.folder / _digest(json.dumps([str(w) for w in what]))[:16])

    def get(self, kind, key):
        """The bytes kept under ``kind`` and ``key``, or None."""
        try:
            return (self.folder / f"{kind}-{key}").read_bytes()
        except OSError:
            return None

    def put(self, kind, key, data):
        """Keep ``data``; a folder that cannot be written only costs the next grading the time."""
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
            with tempfile.NamedTemporaryFile(dir=self.folder, prefix=".partial-", delete=False) as f:
                f.write(data)
            os.replace(f.name, self.folder / f"{kind}-{key}")
        except OSError:
            pass


def engine_digest():
    """A hash of the engine's own source: an answer kept by another state of the code (its
    codec, its calls) is never read, even where the version number did not change."""
    digest = hashlib.sha256()
    package = Path(__file__).resolve().parent.parent
    for path in sorted(package.rglob("*.py")):
        digest.update(path.relative_to(package).as_posix().encode() + b"\0" + path.read_bytes())
    return digest.hexdigest()


class CachedReference:
    """The grading's reference (``uncached``), whose answers on the probe seed (while the watch
    records) come from the class's ProbeCache where another grading computed them: the same
    request, the same answer, through the same codec. The grading seed's answers are always
    the reference's own."""

    def __init__(self, reference, cache, watch):
        self.uncached, self.cache, self.watch = reference, cache, watch

    def __getattr__(self, name):  # seconds, helpers_of, server, session: the reference's own
        return getattr(self.uncached, name)

    def answer(self, header, arrays):
        if not self.watch.recording:
            return self.uncached.answer(header, arrays)
        key = wire.digest(header, arrays)
        frame = self.cache.get("answer", key)
        if frame is not None:
            try:
                return wire.decode(io.BytesIO(frame).read)
            except (wire.WireError, EOFError, ValueError):  # a damaged file: answered again below
                pass
        answer = self.uncached.answer(header, arrays)
        self.cache.put("answer", key, wire.encode(*answer))
        return answer


PROBE_VARIABLE = "AUTOGRADER_PROBE_SEED"  # the batch's probe seed, passed as the grading seed is


class Probe:
    """One grading's probe pass (``run_autograder --fingerprints FILE`` with the probe seed in
    ``$AUTOGRADER_PROBE_SEED``): ``options()`` are runner.grade's arguments that run it, and
    ``write`` keeps its fingerprints. Where the grading seed is the probe seed (a submission
    graded before and only probed now, its results thrown away), the one pass is the probe.
    The reference's side of the pass is shared by the class through ``cache`` (a folder; by
    default ``probe-cache`` in the batch folder, two levels above FILE)."""

    def __init__(self, path, probe_seed, grading_seed=None, hint_prefix="hint:", cache=None):
        self.path, self.probe_seed, self.hint_prefix = Path(path), int(probe_seed), hint_prefix
        self.only = grading_seed is not None and int(grading_seed) == self.probe_seed
        self.watch, self.hints, self.seen = ProbeWatch(self.probe_seed), {}, False
        self.cache = ProbeCache(self.path.parent.parent / CACHE if cache is None else cache)

    def options(self):
        return {"again": () if self.only else (self.probe_seed,), "watch": self.watch, "observe": self.observe,
                "reference": self.reference}

    def reference(self, course):
        """The grading's reference (runner.grade's ``reference``), its probe answers shared."""
        from .. import provenance
        from .reference import of_course

        self.watch.cache = self.cache.scoped(VERSION, provenance.engine_version(), engine_digest(),
                                             provenance.fingerprints(course).course, self.probe_seed)
        return CachedReference(of_course(course), self.watch.cache, self.watch)

    def observe(self, plugin):
        if plugin.secret_seed == self.probe_seed:
            self.seen, self.hints = True, hints_of(plugin, self.hint_prefix)

    def write(self, course_digest):
        """Write the fingerprints file, where the probe pass ran to its end (a grading that
        failed leaves none, and the report counts the submission as not probed)."""
        if self.seen:
            write(self.watch.document(course_digest, self.hints), self.path)
