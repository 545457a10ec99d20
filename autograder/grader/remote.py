"""The submission side: the checks' handle on the worker that runs the submission, with
the reference (reference.py) answering the same requests beside it."""
import time

from ..sandbox.client import WorkerDied, WorkerTimeout
from ..worker import probes
from .calls import EngineError, ErrorKind, Outcome, StudentError, decode_reply
from .reference import build_request, of_course, timer


class Remote:
    """The checks' handle on the submission. Restarts the worker after a crash or a
    timeout, and remembers modules whose import failed so that each failure costs one
    import, not one per test."""

    def __init__(self, course, submission, start_worker, device="cpu", starting=None, reference=None, watch=None):
        self.course, self.submission, self.start_worker, self.device = course, submission, start_worker, device
        # watch(reference, header, arrays, reply or StudentError, the reference's reply or None):
        # sees every call of the submission (the verification harness's evidence that a mutant
        # equals the reference)
        self.watch = watch
        self.worker, self.imported, self.broken = None, set(), {}
        self.stood_in = set()  # modules the submission imports that are not installed (course: stand_ins)
        self.own_failed = {}  # the student's ungraded files that raised at import, stood in for -> the error
        self.reference = reference or of_course(course)
        # for the grader's log and the benchmarks: the reference's calls here, the worker's
        # start-up, and the training runs of the submission in the worker
        self.seconds = self.reference.seconds
        self.seconds.update({"worker start": 0.0, "worker training": 0.0, "served helpers": 0.0})
        self.served_calls = 0  # helper frames answered (forward and backward)
        self.timeout = 20.0
        self.time_share = None  # the current test's share of the grading's time budget (budget.Share), or None
        self.spent = {}  # function -> (calls, seconds): where the submission's time went, for the summary
        self.layers = None
        self.stopped = {}  # function -> error, for the rest of the current test
        self._starting = starting  # a future of the first worker, started in the background

    def _timed_start(self):
        with timer(self.seconds, "worker start"):
            return self.start_worker()

    def timed(self, what):
        """Count the time of a block under ``what`` (for the grader's log)."""
        return timer(self.seconds, what)

    def _ensure_worker(self):
        if self._starting is not None:
            starting, self._starting = self._starting, None
            try:
                self.worker = starting.result()
                self.layers, self.imported = self.worker.layers, set()
            except WorkerDied:
                self.worker = None
        if self.worker is None or not self.worker.alive:
            self.worker = self._timed_start()
            self.layers = self.worker.layers
            self.imported = set()
        return self.worker

    def _import(self, module, qualified):
        if module in self.broken:
            raise StudentError(f"{qualified}: {self.broken[module]}", ErrorKind.MISSING)
        if self.submission.notebook is None and module not in self.submission.modules:
            self.broken[module] = f"{module.replace('.', '/')}.py was not found ({self.submission.where(module)})"
            return self._import(module, qualified)
        worker = self._ensure_worker()
        if module in self.imported:
            return
        where = self.submission.where(module)
        try:
            answer, _ = worker.request({"op": "import", "module": module}, timeout=self.timeout)
        except WorkerDied as exc:
            self.broken[module] = f"importing {where} stopped the worker: {exc}"
            return self._import(module, qualified)
        if not answer.get("ok"):
            error = _format_error(answer.get("error", {}), self.submission)
            self.broken[module] = f"importing {where} failed: {error}"
            return self._import(module, qualified)
        self.imported.add(module)
        self.stood_in.update(str(name) for name in answer.get("stand_ins", []))
        self.own_failed.update({str(item.get("file")): _format_error(item.get("error", {}), self.submission)
                                for item in answer.get("own_failed", [])})

    def stood_in_own(self):
        """The summary's lines on the student's own files (not graded) that raised when imported,
        so that stand-ins replaced them: each with its error and line."""
        return [f"{file} raised {error} when it was imported; it is not graded, so an inert stand-in replaced it "
                "(a graded function that calls into it fails)." for file, error in sorted(self.own_failed.items())]

    def output(self):
        return self.worker.output() if self.worker is not None else ""

    def run(self, function, *args, **kwargs):
        """Call ``function`` ("module.name") on both sides; returns an Outcome."""
        header, arrays = self.build_request(function, *args, **kwargs)
        want = decode_reply(*self.reference.answer(header, arrays))
        return Outcome(self._call_student(function, header, arrays, want), want)

    def run_student(self, function, *args, **kwargs):
        return self._call_student(function, *self.build_request(function, *args, **kwargs))

    def build_request(self, function, *args, **kwargs):
        return build_request(self.course, function, *args, device=self.device,
                             helpers=self.reference.helpers_of(function), **kwargs)

    def _call_student(self, function, header, arrays, want=None):
        if self.watch is None:
            return self._call_worker(function, header, arrays)
        try:
            reply = self._call_worker(function, header, arrays)
        except StudentError as exc:
            self.watch(self.reference, header, arrays, exc, want)
            raise
        self.watch(self.reference, header, arrays, reply, want)
        return reply

    def _limit(self):
        """Seconds the next call may run: the test's per-call deadline, or what is left of the
        test's share of the grading's time budget when that ends sooner."""
        return self.timeout if self.time_share is None else min(self.timeout, self.time_share.left())

    def _stopped(self, function, limit):
        """Why a call of ``function`` allowed ``limit`` seconds was stopped (or, with none
        left, not started), in the student's terms: its own deadline or its test's share."""
        if limit < self.timeout:
            return StudentError(self.time_share.spent(function), ErrorKind.TIMEOUT)
        return StudentError(f"{function} did not finish within {limit:g} s; it was stopped "
                            "(the remaining tests run in a fresh worker)", ErrorKind.TIMEOUT)

    def _spend(self, function, seconds):
        """Count a call of ``function`` that took ``seconds``: the summary names the slowest when
        the grading's time ran short, so the student knows what to speed up."""
        calls, total = self.spent.get(function, (0, 0.0))
        self.spent[function] = (calls + 1, total + seconds)

    def _call_worker(self, function, header, arrays):
        if function in self.stopped:
            raise self.stopped[function]
        self._import(probes.module_of(function, self.course.modules), function)
        limit = self._limit()
        if limit <= 0:
            raise self._stopped(function, limit)
        started = time.perf_counter()
        try:
            server = self.reference.server(header, arrays, limit)
            try:
                answer, arrays = self.worker.request(header, arrays, timeout=limit, serve=server)
            finally:
                self.seconds["served helpers"] += limit - server.left
                self.served_calls += server.calls
            if header.get("op") == "train":
                self.seconds["worker training"] += time.perf_counter() - started
        except WorkerTimeout:
            self.stopped[function] = server.unchecked() or self._stopped(function, limit)
            raise self.stopped[function] from None
        except WorkerDied as exc:
            self.stopped[function] = server.unchecked() or StudentError(
                f"{function} crashed the worker process: {exc}", ErrorKind.CRASH)
            raise self.stopped[function] from None
        finally:
            self._spend(function, time.perf_counter() - started)
        unchecked = server.unchecked()  # the student kit: a helper ran where the grader would have served it
        if unchecked is not None:
            raise unchecked
        if not answer.get("ok"):
            raise _student_error(function, answer.get("error", {}), self.submission)
        return decode_reply(answer, arrays)

    def run_reference(self, function, *args, **kwargs):
        """The reference's reply alone, for building hints; never touches the worker."""
        return decode_reply(*self.reference.answer(*self.build_request(function, *args, **kwargs)))

    def student_error(self, function, *args, **kwargs):
        """Call the submission alone; the error it raised as {"type", "message"}, or None."""
        try:
            self.run_student(function, *args, **kwargs)
        except StudentError as exc:
            if exc.kind in (ErrorKind.MISSING, ErrorKind.UNDEFINED, ErrorKind.TIMEOUT, ErrorKind.CRASH):
                raise
            return {"type": exc.error_type, "message": str(exc)}
        return None

    def close(self):
        if self._starting is not None:
            self._ensure_worker()
        if self.worker is not None:
            self.worker.stop()


def _student_error(function, error, submission):
    """The StudentError of the worker's ``error`` answer to a call of ``function``, by kind: a
    name the submission does not define says only that (file and name: it is not written yet)."""
    if error.get("engine"):
        return EngineError(f"while {function} ran, {error.get('message', '')}")
    if error.get("type") == probes.Undefined.__name__:
        lacking = error.get("undefined")
        named = isinstance(lacking, dict) and all(isinstance(lacking.get(k), str) for k in ("module", "name"))
        message = submission.lacks(lacking["module"], lacking["name"]) if named else error.get("message", "")
        return StudentError(message, ErrorKind.UNDEFINED, "AttributeError")
    kind = ErrorKind.NOT_IMPLEMENTED if error.get("type") == "NotImplementedError" else \
        ErrorKind.DEVICE if _device_mismatch(error.get("message", "")) else ErrorKind.ERROR
    return StudentError(f"{function} raised {_format_error(error, submission)}", kind, error.get("type"))


def _device_mismatch(message):
    """Whether an error says tensors on two devices met (a tensor made on the CPU inside a
    function that ran on the GPU, or on torch's "meta" device standing in for one)."""
    lower = message.lower()
    return "same device" in lower or ("cpu" in lower and ("meta" in lower or "cuda" in lower)) \
        or ("meta" in lower and "device type" in lower)


def _format_error(error, submission):
    """"Type: message (where)", the place as the student finds it (``Submission.place``: a
    notebook's cell and line)."""
    text = f"{error.get('type', 'an error')}: {error.get('message', '')}".rstrip(": ")
    where = error.get("where")
    if where:
        text += f" ({submission.place(where.get('file'), where.get('line'), where.get('code') or '')})"
    return text

