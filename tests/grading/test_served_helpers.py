"""Helpers served by the grader (worker/served.py, grader/serving.py): which functions a
graded function is served, and that a served helper answers with the reference's value and
gradients, through the wire codec, for tensors, networks and the meta device, and falls back
to the student's own where the grader cannot serve. The worker side runs here in-process
against a student module written to a temporary folder."""
import importlib
import io
import sys

import pytest
import torch

from autograder import course as courses
from autograder.grader import serving
from autograder.grader.calls import Net
from autograder.worker import probes, protocol, served, wire

BUNDLED = courses.load()

STUDENT_VAE = '''
import torch
from torch.nn import functional as F


def sample_gaussian(mu, logvar, *, eps=None):
    if eps is None:
        eps = torch.randn_like(mu)
    return mu + torch.exp(logvar) * eps  # wrong: the variance as the standard deviation


def bernoulli_log_likelihood(x, logits):
    return -F.binary_cross_entropy_with_logits(logits, x, reduction="none").flatten(1).mean(1)  # wrong: a mean


def kl_standard_normal(mu, logvar):
    return (torch.exp(logvar) + mu ** 2 - 1.0 - logvar).sum(-1)  # wrong: the ½ is missing


KL = {"standard": kl_standard_normal}


def elbo(x, encoder, decoder, *, n_samples=1, eps=None):  # right, over its own wrong helpers
    mu, logvar = encoder(x)
    if eps is None:
        eps = torch.randn((n_samples, *mu.shape), dtype=mu.dtype, device=mu.device)
    z = sample_gaussian(mu, logvar, eps=eps)
    logits = decoder(z.reshape(-1, z.shape[-1]))
    rec = bernoulli_log_likelihood(x.repeat(n_samples, *[1] * (x.dim() - 1)), logits).view(n_samples, -1).mean(0)
    kl = KL["standard"](mu, logvar)
    return rec - kl, rec, kl
'''


def test_a_function_is_served_what_its_reference_reaches_and_nothing_else():
    assert serving.helpers_of(BUNDLED, "vae.elbo") == (
        "vae.bernoulli_log_likelihood", "vae.kl_standard_normal", "vae.sample_gaussian")
    assert serving.helpers_of(BUNDLED, "vae.kl_standard_normal") == ()  # never an oracle for the function itself
    assert "vae.kl_diag_gaussians" not in serving.helpers_of(BUNDLED, "vae.elbo")
    assert {"gan.generator_loss_minimax", "gan.generator_loss_ml"} <= set(serving.helpers_of(BUNDLED, "gan.gan_step"))
    cs236 = courses.load(courses.ROOT / "courses" / "cs236-hw2")
    assert serving.helpers_of(cs236, "utils.log_normal_mixture") == ("utils.log_normal",)  # graded ones only
    assert "utils.log_normal" not in serving.helpers_of(cs236, "utils.log_normal")


class Loopback(served.Channel):
    """The worker's channel, answered in-process by a grader-side Server through the codec."""

    def __init__(self, server):
        super().__init__(None, None, wire)
        self.server, self.asked = server, []

    def ask(self, header, arrays):
        header, self.freed[:] = {**header, "free": list(self.freed)}, []
        frame, frame_arrays = wire.decode(io.BytesIO(wire.encode(header, arrays)).read)
        self.asked.append(frame.get("event"))
        answer, out = self.server(frame, frame_arrays)
        return wire.decode(io.BytesIO(wire.encode(answer, out)).read)


@pytest.fixture
def student(tmp_path, monkeypatch):
    package = tmp_path / "submission"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "vae.py").write_text(STUDENT_VAE)
    monkeypatch.syspath_prepend(str(tmp_path))
    importlib.invalidate_caches()
    yield str(package) + "/"
    for name in [n for n in sys.modules if n.startswith("submission")]:
        del sys.modules[name]


def networks(draw_seed=0):
    g = torch.Generator().manual_seed(draw_seed)
    encoder = Net("encoder", [(torch.randn(4, 6, generator=g) * 0.3, torch.zeros(4))], "mlp", head="gaussian")
    decoder = Net("decoder", [(torch.randn(6, 2, generator=g) * 0.3, torch.zeros(6))], "mlp")
    return encoder, decoder


def call_both(student, function, args, kwargs, cotangents=None):
    """The student's function in a worker-side session with served helpers, and the reference."""
    plugin = BUNDLED.load_plugin()
    header, arrays = protocol.request(function, args, kwargs, dtype="float64", cotangents=cotangents,
                                      helpers=serving.helpers_of(BUNDLED, function))
    reference = probes.Session(BUNDLED.reference_modules(), plugin)
    channel = Loopback(serving.Server(reference, header, arrays, header["helpers"]))
    worker = probes.Session({m: f"submission.{m}" for m in ("vae",)}, plugin, channel=channel, stage=student)
    got = worker.call(header, [a.copy() for a in arrays])
    want = reference.call(header, [a.copy() for a in arrays])
    return got, want, channel


def test_a_right_elbo_over_wrong_helpers_gets_the_references_values_and_gradients(student):
    g = torch.Generator().manual_seed(3)
    x = (torch.rand(5, 6, generator=g, dtype=torch.float64) < 0.5).double()
    eps = torch.randn(2, 5, 2, generator=g, dtype=torch.float64)
    encoder, decoder = networks()
    cotangents = [torch.randn(5, generator=g, dtype=torch.float64) for _ in range(3)]
    (got, got_arrays), (want, want_arrays), channel = call_both(
        student, "vae.elbo", [x, encoder, decoder], {"n_samples": 2, "eps": eps}, cotangents)
    assert {"helper", "helper_grad"} <= set(channel.asked)
    for g_leaf, w_leaf in zip(got["value"]["$tuple"], want["value"]["$tuple"]):
        assert torch.allclose(torch.from_numpy(got_arrays[g_leaf["$t"]]), torch.from_numpy(want_arrays[w_leaf["$t"]]))
    for net in ("encoder", "decoder"):  # gradients reach the networks through the served helpers
        for g_grad, w_grad in zip(got["grads"]["params"][net], want["grads"]["params"][net]):
            assert torch.allclose(torch.from_numpy(got_arrays[g_grad["$t"]]), torch.from_numpy(want_arrays[w_grad["$t"]]))
    # the student's module is as it was afterwards
    module = sys.modules["submission.vae"]
    assert module.kl_standard_normal.__module__ == "submission.vae" and module.KL["standard"] is module.kl_standard_normal


class Wrapped(torch.Tensor):
    pass


def test_a_call_the_grader_cannot_serve_runs_the_students_own_helper(student):
    module = importlib.import_module("submission.vae")
    server = serving.Server(probes.Session(BUNDLED.reference_modules()), {"dtype": "float32"}, [],
                            ["vae.kl_standard_normal"])
    session = probes.Session({"vae": "submission.vae"}, channel=Loopback(server), stage=student)
    ones, zeros = torch.ones(1, 2), torch.zeros(1, 2)
    with served.served(session, ["vae.kl_standard_normal"], session.channel, {}, student):
        assert torch.allclose(module.kl_standard_normal(ones, zeros), torch.tensor([1.0]))  # the reference's
        # a parameter (the VAE's prior) is served too; an object that is not plain data is not:
        # the student's own, wrong helper answers
        assert torch.allclose(module.kl_standard_normal(torch.nn.Parameter(ones), zeros), torch.tensor([1.0]))
        assert torch.allclose(module.kl_standard_normal(ones.as_subclass(Wrapped), zeros), torch.tensor([2.0]))
    server.allowed = {"vae.sample_gaussian"}
    with served.served(session, ["vae.kl_standard_normal"], session.channel, {}, student):
        # the grader refuses a function this call was not served: the student's own answers
        assert torch.allclose(module.kl_standard_normal(ones, zeros), torch.tensor([2.0]))
    assert module.kl_standard_normal.__module__ == "submission.vae"  # and nothing stays bound


def test_meta_tensors_get_the_references_shapes(student):
    module = importlib.import_module("submission.vae")
    server = serving.Server(probes.Session(BUNDLED.reference_modules()), {"dtype": "float32"}, [],
                            ["vae.kl_standard_normal"])
    session = probes.Session({"vae": "submission.vae"}, channel=Loopback(server), stage=student)
    with served.served(session, ["vae.kl_standard_normal"], session.channel, {}, student):
        value = module.kl_standard_normal(torch.empty(7, 3, device="meta"), torch.empty(7, 3, device="meta"))
    assert value.device.type == "meta" and value.shape == (7,)


def test_a_helper_asked_for_too_much_work_is_refused_and_the_students_own_runs(student):
    """An integer argument can ask the grader for any amount of memory or time: a call that
    would allocate more than a served call may, or calls past the request's time, are not
    served, and the grader lives on."""
    cs236 = courses.load(courses.ROOT / "courses" / "cs236-hw2").activate()
    try:
        reference = probes.Session(cs236.reference_modules())
        reference.resolve("utils.duplicate")
    finally:
        BUNDLED.activate()
    server = serving.Server(reference, {"dtype": "float32"}, [], ["utils.duplicate"], timeout=5.0)
    x = torch.zeros(1000, 100)
    answer, _ = server({"event": "helper", "function": "utils.duplicate", "args": [{"$t": 0}, 10 ** 6],
                        "kwargs": {}, "seed": 0}, [x.numpy()])
    assert not answer["ok"] and "MB a served call may use" in answer["error"]
    answer, _ = server({"event": "helper", "function": "utils.duplicate", "args": [{"$t": 0}, 3],
                        "kwargs": {}, "seed": 0}, [x.numpy()])
    assert answer["ok"]  # the limit was lifted after the refused call
    server.left = 0.0
    answer, _ = server({"event": "helper", "function": "utils.duplicate", "args": [{"$t": 0}, 2],
                        "kwargs": {}, "seed": 0}, [x.numpy()])
    assert not answer["ok"] and "Overtime" in answer["error"]


def test_a_served_backward_that_fails_is_the_graders_error_not_the_students():
    """The grader failing to differentiate a served call raises ServedError in the worker,
    which the worker describes as the engine's, and the grader reports as its own."""
    from types import SimpleNamespace

    from autograder.grader import plugin, remote
    from autograder.grader.calls import EngineError, StudentError
    from autograder.worker.main import describe

    class Refusing(served.Channel):  # serves the forward, then cannot differentiate it
        def ask(self, header, arrays):
            if header["event"] == "helper":
                out = []
                return {"ok": True, "call": 0, "value": protocol.pack(torch.ones(3), out)}, out
            return {"ok": False, "error": "RuntimeError: Mismatch in shape"}, []

    x = torch.zeros(3, requires_grad=True)
    value = served._Call(Refusing(None, None, wire), "vae.kl_standard_normal", {}, None).run((x,), {})
    with pytest.raises(served.ServedError, match="could not differentiate vae.kl_standard_normal") as raised:
        value.sum().backward()
    error = describe(raised.value)
    assert error["engine"] and not describe(RuntimeError("theirs"))["engine"]
    assert isinstance(remote._student_error("vae.elbo", error, None), EngineError)
    assert isinstance(remote._student_error("vae.elbo", {**error, "engine": False}, None), StudentError)
    call = SimpleNamespace(excinfo=SimpleNamespace(value=EngineError("while vae.elbo ran, x"), typename="EngineError"))
    message = plugin._failure_message(SimpleNamespace(when="call"), call)
    assert message.startswith("The autograder could not finish this test: while vae.elbo ran") and \
        "not of your submission" in message


def test_a_served_graph_is_let_go_as_soon_as_the_workers_is(student):
    """The grader keeps a differentiable served call's graph until the worker says its own
    is gone (``free``), which reference counting alone must tell: a call kept alive until the
    cyclic collector runs would be freed a request later, where its number names another
    request's graph."""
    import gc

    module = importlib.import_module("submission.vae")
    server = serving.Server(probes.Session(BUNDLED.reference_modules()), {"dtype": "float32"}, [],
                            ["vae.kl_standard_normal"])
    session = probes.Session({"vae": "submission.vae"}, channel=Loopback(server), stage=student)
    gc.disable()
    try:
        with served.served(session, ["vae.kl_standard_normal"], session.channel, {}, student):
            value = module.kl_standard_normal(torch.ones(1, 2, requires_grad=True), torch.zeros(1, 2))
        assert list(server.pending) == [0] and session.channel.freed == []
        del value
        assert session.channel.freed == [0]
    finally:
        gc.enable()


def test_a_value_kept_past_its_call_never_frees_or_names_another_calls_graph(student):
    """Each request's server numbers its calls from 0: a served value a submission keeps (a
    global cache) and lets go of during a later request must not free that request's call
    of the same number, and its backward pass is the grader's error, not another graph's."""
    module = importlib.import_module("submission.vae")
    server = serving.Server(probes.Session(BUNDLED.reference_modules()), {"dtype": "float32"}, [],
                            ["vae.kl_standard_normal"])
    session = probes.Session({"vae": "submission.vae"}, channel=Loopback(server), stage=student)
    with served.served(session, ["vae.kl_standard_normal"], session.channel, {}, student):
        kept = module.kl_standard_normal(torch.ones(1, 2, requires_grad=True), torch.zeros(1, 2))
    server.pending.clear()  # the first request's server is gone; the next one numbers from 0 again
    with served.served(session, ["vae.kl_standard_normal"], session.channel, {}, student):
        value = module.kl_standard_normal(torch.ones(1, 2, requires_grad=True), torch.zeros(1, 2))
        with pytest.raises(served.ServedError, match="kept past the graded call"):
            kept.sum().backward()
        del kept
        assert session.channel.freed == [] and list(server.pending) == [1]
        value.sum().backward()


def test_a_served_backward_differentiates_the_very_draw_its_forward_made(student):
    """The grader keeps a differentiable call's frame, not its graph, and computes the call
    again for its backward, on the frame's seed: a helper that draws its own noise gets the
    gradient of the value it returned, with other calls between its forward and backward."""
    module = importlib.import_module("submission.vae")
    server = serving.Server(probes.Session(BUNDLED.reference_modules()), {"dtype": "float32"}, [],
                            ["vae.sample_gaussian"])
    session = probes.Session({"vae": "submission.vae"}, channel=Loopback(server), stage=student)
    mu = torch.randn(64, 3, dtype=torch.float64, requires_grad=True)
    logvar = (0.5 * torch.randn(64, 3, dtype=torch.float64)).requires_grad_(True)
    with served.served(session, ["vae.sample_gaussian"], session.channel, {}, student):
        z = module.sample_gaussian(mu, logvar)
        other = module.sample_gaussian(mu, logvar)  # another draw, before the first one's backward
        assert list(server.pending) == [0, 1] and not torch.equal(z, other)
        z.sum().backward()
    assert torch.allclose(logvar.grad, 0.5 * (z - mu).detach())  # ∂z/∂logvar = ½ σ ε, with this draw's ε
    assert torch.equal(mu.grad, torch.ones_like(mu)) and list(server.pending) == [1]
