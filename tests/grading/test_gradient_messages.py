"""Gradient messages in the student's words: a result with no graph names the ways a graph
is lost (a gradient penalty without create_graph=True among them), and a network's
parameter is named by its module path ("critic.net.0.weight"). Both sides run here
in-process (worker/probes.py) on modules written to a temporary folder, with a plugin
whose critic holds an nn.Sequential."""
import importlib
import io
import sys
import types

import pytest
import torch
from torch import nn

from autograder.grader.calls import Net, Outcome, Reply, decode_reply
from autograder.grader.checking import check_gradients, parameter_label
from autograder.grader.compare import Mismatch
from autograder.worker import builder, probes, protocol, wire

REFERENCE = '''
import torch


def penalty(x, critic):
    """A WGAN-GP gradient penalty: differentiable in the critic's parameters."""
    x = x.detach().requires_grad_(True)
    (g,) = torch.autograd.grad(critic(x).sum(), x, create_graph=True)
    return (g.norm(dim=1) - 1) ** 2
'''

STUDENT = {
    "no_create_graph": REFERENCE.replace(", create_graph=True", ""),
    "first_layer_detached": '''
def penalty(x, critic):
    h = critic.net[0](x).detach()
    return critic.net[2](critic.net[1](h)).squeeze(-1) ** 2
''',
}


class Critic(nn.Module):
    """Linear, tanh, linear, as its parameters' paths say: net.0.weight … net.2.bias."""

    def __init__(self, layers):
        super().__init__()
        (w1, b1), (w2, b2) = layers
        self.net = nn.Sequential(nn.Linear(w1.shape[1], w1.shape[0]), nn.Tanh(), nn.Linear(w2.shape[1], w2.shape[0]))
        with torch.no_grad():
            for linear, (w, b) in zip(self.net[::2], layers):
                linear.weight.copy_(w)
                linear.bias.copy_(b)

    def forward(self, x):
        return self.net(x).squeeze(-1)


PLUGIN = types.SimpleNamespace(NETWORKS={"critic": lambda layers, node: Critic(layers)})


@pytest.fixture
def sessions(tmp_path, monkeypatch):
    """{"reference" and each STUDENT variant: a Session whose gp.penalty is that code}."""
    for package, source in {"reference": REFERENCE, **STUDENT}.items():
        (tmp_path / f"gp_{package}").mkdir()
        (tmp_path / f"gp_{package}" / "__init__.py").write_text("")
        (tmp_path / f"gp_{package}" / "gp.py").write_text(source)
    monkeypatch.syspath_prepend(str(tmp_path))
    importlib.invalidate_caches()
    yield {package: probes.Session({"gp": f"gp_{package}.gp"}, PLUGIN) for package in ("reference", *STUDENT)}
    for name in [n for n in sys.modules if n.startswith("gp_")]:
        del sys.modules[name]


class Both:
    """The checks' handle on a student session and the reference, through the wire codec."""

    def __init__(self, student, reference):
        self.student, self.reference = student, reference

    def run(self, function, *args, dtype, cotangents, **kwargs):
        header, arrays = protocol.request(function, args, kwargs, dtype=dtype, cotangents=cotangents)
        replies = [wire.decode(io.BytesIO(wire.encode(*session.call(header, [a.copy() for a in arrays]))).read)
                   for session in (self.student, self.reference)]
        return Outcome(*(decode_reply(*reply) for reply in replies))


class Spec:
    def tolerance(self, dtype):
        return {"rtol": 1e-4, "atol": 1e-5}


def gradient_message(sessions, student):
    g = torch.Generator().manual_seed(0)
    critic = Net("critic", [(torch.randn(5, 3, generator=g), torch.randn(5, generator=g)),
                            (torch.randn(1, 5, generator=g), torch.randn(1, generator=g))], "critic")
    x, cotangent = torch.randn(4, 3, generator=g), torch.randn(4, generator=g)
    with pytest.raises(Mismatch) as info:
        check_gradients(Both(sessions[student], sessions["reference"]), Spec(), "gp.penalty", [x, critic], [],
                        [cotangent], params=True)
    return str(info.value)


def test_a_result_without_a_graph_names_create_graph_among_the_causes(sessions):
    text = gradient_message(sessions, "no_create_graph")
    assert "does not depend differentiably on any input" in text
    assert "detached" in text and ".item()" in text and "torch.autograd.grad without create_graph=True" in text


def test_a_parameter_is_named_by_its_module_path(sessions):
    text = gradient_message(sessions, "first_layer_detached")
    assert "no gradient reaches the parameter critic.net.0.weight" in text and "parameter 1" not in text


def test_parameter_names_follow_parameters_order():
    critic = Critic([(torch.zeros(5, 3), torch.zeros(5)), (torch.zeros(1, 5), torch.zeros(1))])
    assert builder.parameter_names({"critic": critic}) == {
        "critic": ["net.0.weight", "net.0.bias", "net.2.weight", "net.2.bias"]}
    assert [p.shape for p in critic.parameters()] == [(5, 3), (5,), (1, 5), (1,)]


def test_a_reply_without_names_names_parameters_by_position():
    """Answers recorded before replies carried names (a student kit's) still read."""
    assert parameter_label(Reply(None, []), "critic", 0) == "the critic parameter 1"
