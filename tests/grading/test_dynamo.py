"""torch's compiler loads only when something compiles (worker/dynamo.py): an optimizer and
the meta device do not load it, torch.compile and torch._dynamo.config do, and a program
compiled after that computes what it computes without the stand-in."""
import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

TRAIN = """
import sys
import torch
{defer}
torch.manual_seed(0)
model = torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.Tanh(), torch.nn.Linear(4, 1))
optimizer = torch.optim.Adam(model.parameters(), lr=0.1)
optimizer.zero_grad()
x = torch.empty(5, 3, device="meta")
assert torch.logsumexp(x * 2 + 1, 0).shape == (3,)
print(type(sys.modules["torch._dynamo"]).__name__ if "torch._dynamo" in sys.modules else "none")

@torch._dynamo.disable
def shifted(x):
    return x + 1

def step(x):
    optimizer.zero_grad()
    loss = model(shifted(x)).pow(2).mean()
    loss.backward()
    optimizer.step()
    return loss.detach()

compiled = torch.compile(step, backend="eager")
print([round(float(compiled(torch.ones(4, 3))), 6) for _ in range(3)],
      [round(float(step(torch.ones(4, 3))), 6) for _ in range(2)])
print(type(sys.modules["torch._dynamo"]).__name__, torch._dynamo.config.cache_size_limit > 0)
"""


def run(defer):
    line = "from autograder.worker import dynamo; dynamo.defer()" if defer else ""
    process = subprocess.run([sys.executable, "-W", "ignore", "-c", textwrap.dedent(TRAIN.format(defer=line))],
                             capture_output=True, text=True, cwd=ROOT, timeout=300)
    assert process.returncode == 0, process.stderr
    return process.stdout.splitlines()


def test_the_compiler_loads_when_something_compiles_and_computes_the_same():
    deferred, plain = run(defer=True), run(defer=False)
    assert deferred[0] == "Deferred" and plain[0] == "module"  # the optimizer and meta loaded it without
    assert deferred[1] == plain[1]  # the same losses, compiled and not
    assert deferred[2] == plain[2] == "module True"
