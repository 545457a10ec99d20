"""The reference side: the course's reference, called in the grading process with the
plain-data requests the worker gets (worker/protocol.py), answered through the same codec."""
import contextlib
import io
import time

from ..course import CourseError
from ..worker import probes, protocol, wire
from . import serving
from .calls import decode_reply


@contextlib.contextmanager
def timer(seconds, what):
    """Add the block's time to ``seconds[what]`` (for the grader's log and the benchmarks)."""
    started = time.perf_counter()
    try:
        yield
    finally:
        seconds[what] = seconds.get(what, 0.0) + time.perf_counter() - started


class Reference:
    """The course's reference, called here with the requests the worker gets."""

    def __init__(self, course):
        """``course``: an activated course (``course.load(path).activate()``)."""
        self.course = course
        self.session = probes.Session(course.reference_modules(), course.load_plugin())
        self.seconds = {"reference": 0.0}

    @classmethod
    def of(cls, folder=None):
        """The reference of the course in ``folder`` (the bundled one by default)."""
        from .. import course

        return cls(course.load(folder).activate())

    def answer(self, header, arrays):
        """``(answer, arrays)`` for a request, through the codec exactly as the worker's
        answer travels."""
        with timer(self.seconds, "reference"):
            frame = io.BytesIO(wire.encode(*self.session.call(dict(header), [a.copy() for a in arrays])))
        return wire.decode(frame.read)

    def run(self, function, *args, **kwargs):
        """The reference's Reply to a call (``Remote.run``'s arguments)."""
        return decode_reply(*self.answer(*build_request(self.course, function, *args, **kwargs)))

    def helpers_of(self, function):
        """The graded helpers served while ``function`` runs (serving.helpers_of)."""
        return serving.helpers_of(self.course, function)

    def server(self, header, arrays, timeout):
        """The answerer of one request's helper frames."""
        return serving.Server(self.session, header, arrays, header["helpers"], timeout=timeout)


def of_course(course):
    """The course's reference, which answers for it in a grading. A student kit's course
    holds recorded answers instead (its manifest names a ``record``), and whoever grades
    with them passes the kit's RecordedReference to the grading (kit/replay.py)."""
    if course.record is not None:
        raise CourseError(f"{course.manifest} is a student kit's course: it holds the reference's answers recorded "
                          "on the public seed, not the reference; the kit's check.py grades with them")
    return Reference(course)


def build_request(course, function, *args, dtype="float32", seed=0, cotangents=None, report_params=False,
                  op=None, extra=None, device="cpu", helpers=(), **kwargs):
    """The plain-data request of a call (worker/protocol.py), with ``helpers``: the graded
    functions the grader answers while it runs (serving.py)."""
    # the engine's training runs (op "train": a step function over hundreds of minibatches)
    # run the student's own helpers: serving them on every step took three times as long
    helpers = tuple(helpers) if op != "train" else ()
    return protocol.request(function, args, kwargs, device=device, dtype=dtype, seed=seed,
                            report_params=report_params, op=op, extra=extra, cotangents=cotangents, helpers=helpers)
