"""The kit's served helpers (kit/replay.py), without building a kit: frames recorded from the
grader's own server (record.py), replayed to frames a student's code could send. A frame the
record answers gets the grader's answer (its arguments bound by parameter, its gradients to
the student's inputs); one it cannot answer runs the student's own helper and makes the
request's part not checked here, never passed or failed."""
import types

import numpy as np
import pytest

from autograder import course as courses
from autograder.grader import serving
from autograder.grader.parts import Parts
from autograder.grader.remote import Remote
from autograder.kit.record import Record, _RecordingServer, digest, parameters
from autograder.kit.replay import NotRecorded, RecordedReference, RecordedServer, bound, signature
from autograder.worker import probes, protocol
from autograder.worker.tree import TENSOR

BUNDLED = courses.load()
KL = "vae.kl_standard_normal"  # (mu, logvar) -> (B,)
MU, LOGVAR = np.linspace(-1, 1, 8, dtype=np.float32).reshape(4, 2), np.full((4, 2), 0.3, np.float32)
COTANGENT = np.arange(1, 5, dtype=np.float32)


@pytest.fixture(scope="module")
def session():
    return probes.Session(BUNDLED.reference_modules())


def live(session):
    """The grader's server of one request that serves KL."""
    return serving.Server(session, {"dtype": "float32"}, [], [KL])


def forward(args, kwargs=None, grad=True):
    """A worker's helper frame of KL (tensor nodes: {"$t": array, "grad": input})."""
    return {"event": "helper", "function": KL, "args": args, "kwargs": kwargs or {}, "seed": 7, "grad": grad}


def backward(call):
    """The worker's frame of that call's backward pass, with COTANGENT."""
    return {"event": "helper_grad", "call": call, "cotangents": [{"$t": 0}]}


@pytest.fixture(scope="module")
def kept(session):
    """What the kit records of a model calling KL(mu, logvar), both differentiated, and
    its backward pass."""
    kept = []
    server = _RecordingServer(live(session), kept)
    answer, _ = server(forward([{"$t": 0, "grad": 0}, {"$t": 1, "grad": 1}]), [MU, LOGVAR])
    server(backward(answer["call"]), [COTANGENT])
    return kept


@pytest.fixture
def replay(session, kept):
    """A fresh request's kit server over the record."""
    return RecordedServer(kept, {KL: signature(parameters(session.resolve(KL)))}, 30.0)


def values(answer, arrays):
    """The array of a served value that is one tensor."""
    return arrays[answer["value"][TENSOR]]


def test_keywords_and_positions_are_one_call_and_gradients_reach_the_students_inputs(session, replay):
    frame = forward([], {"logvar": {"$t": 1, "grad": 0}, "mu": {"$t": 0}})  # keywords swapped, mu not differentiated
    grader = live(session)
    (got, got_arrays), (want, want_arrays) = replay(frame, [MU, LOGVAR]), grader(frame, [MU, LOGVAR])
    assert got["ok"] and np.allclose(values(got, got_arrays), values(want, want_arrays))
    (got, got_arrays), (want, want_arrays) = (server(backward(answer["call"]), [COTANGENT])
                                              for server, answer in ((replay, got), (grader, want)))
    assert len(got["grads"]) == len(want["grads"]) == 1  # logvar's gradient only, as the grader's
    assert np.allclose(got_arrays[got["grads"][0][TENSOR]], want_arrays[want["grads"][0][TENSOR]])
    assert replay.unchecked() is None


def test_a_literal_default_left_out_is_the_default_given_and_any_other_default_is_not():
    def helper(x, m, *, eps=None, scale=np.float32(2)):  # the record keeps a literal default only
        """A helper with a literal default and another."""
    found = signature(parameters(helper))
    assert bound(found, [1, 2], {}) == bound(found, [1], {"m": 2, "eps": None}) == [["x", 1], ["m", 2], ["eps", None]]
    assert bound(found, [1, 2], {"scale": 2.0}) == [["x", 1], ["m", 2], ["eps", None], ["scale", 2.0]]
    assert bound(found, [1, 2, 3], {}) is None  # Python rejects it: so does the grader's reference


def test_a_call_the_record_cannot_answer_runs_the_students_helper_and_is_not_checked_here(replay):
    prior = np.zeros((1, 2), np.float32)  # broadcasts as MU does, but is another call
    answer, _ = replay(forward([{"$t": 0}, {"$t": 1}]), [prior, LOGVAR[:1]])
    assert not answer["ok"]  # the worker runs the student's own helper, and the call completes
    found = Parts()
    with found("values"):
        raise replay.unchecked()
    assert found.share() is None and found.report() == (
        "not checked here (values): depends on your `kl_standard_normal` called with arguments the kit has no "
        "answer for, so only the grader can check it; make sure `kl_standard_normal` itself passes here, or "
        "submit to see")


def test_gradients_the_record_does_not_hold_are_the_students_and_not_checked_here(replay):
    answer, _ = replay(forward([{"$t": 0, "grad": 0}, {"$t": 1, "grad": 1}]), [MU, LOGVAR])
    grads, _ = replay(backward(answer["call"]), [COTANGENT * 2])  # other cotangents
    assert grads == {"ok": False, "own": True, "error": "no recorded gradients for these cotangents"}
    assert isinstance(replay.unchecked(), NotRecorded)


def test_arguments_the_references_signature_rejects_run_the_students_helper_as_on_the_grader(session, replay):
    frame = forward([{"$t": 0}, {"$t": 1}, 3])
    assert not replay(frame, [MU, LOGVAR])[0]["ok"] and not live(session)(frame, [MU, LOGVAR])[0]["ok"]
    assert replay.unchecked() is None  # the grader runs the student's own there too: the kit's verdict is its


class Worker:
    """A worker whose function calls the helpers ``frames`` in turn, then returns 1."""
    alive = True

    def __init__(self, frames):
        self.frames = frames

    def request(self, header, arrays, timeout, serve):
        for frame, frame_arrays in self.frames:
            serve(frame, frame_arrays)
        return {"ok": True, "value": 1.0}, []


def test_a_request_that_ran_a_students_helper_in_place_of_the_graders_raises_not_recorded(session, kept, tmp_path):
    header, arrays = protocol.request("vae.elbo", [], {}, helpers=[KL])
    Record(frames={digest(header, arrays): kept}, signatures={KL: parameters(session.resolve(KL))}).save(tmp_path)
    remote = Remote(types.SimpleNamespace(modules=["vae"]), None, None,
                    reference=RecordedReference(types.SimpleNamespace(record=tmp_path)))
    remote._import = lambda module, qualified: None
    remote.worker = Worker([(forward([{"$t": 0}], {"logvar": {"$t": 1}}), [MU, LOGVAR])])
    assert remote._call_worker("vae.elbo", header, arrays).value == 1.0  # recorded: the grader's answer
    remote.worker = Worker([(forward([{"$t": 0}, {"$t": 1}]), [MU[:1], LOGVAR[:1]])])
    with pytest.raises(NotRecorded, match="depends on your `kl_standard_normal`"):
        remote._call_worker("vae.elbo", header, arrays)
    server = live(session)
    server(forward([{"$t": 0}, {"$t": 1}, 3]), [MU, LOGVAR])
    assert server.unchecked() is None  # the grader's answers are its own, a refusal too
