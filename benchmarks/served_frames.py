"""What one served helper frame costs: a call of CS236's ``utils.log_normal`` as a student's
loop makes it (one mixture component at a time), the worker's side (served.py) and the
grader's (serving.py) in one process, every frame through the wire codec both ways. The
pipe between the two processes is left out: it adds tens of microseconds.

    .venv/bin/python benchmarks/served_frames.py [--calls 2000] [--batch 64] [--dim 10]

Prints the median and 90th percentile of a forward frame, and of a forward plus its
backward frame, in milliseconds.
"""
import argparse
import io
import statistics
import sys
import time
from pathlib import Path

import torch

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from autograder import course as courses  # noqa: E402
from autograder.grader import serving  # noqa: E402
from autograder.worker import probes, served, wire  # noqa: E402

HELPER = "utils.log_normal"


class Loopback:
    """The pipe to the grader, in memory: what the worker's Channel writes is decoded and
    answered by the grader's Server, and the answer read back, through the codec both ways."""

    def __init__(self, server):
        self.server, self.answer = server, io.BytesIO()

    def write(self, data):
        frame, arrays = wire.decode(io.BytesIO(data).read)
        self.answer = io.BytesIO(wire.encode(*self.server(frame, arrays)))

    def read(self, n=-1):
        return self.answer.read(n)


def timed(step, calls):
    """Milliseconds of each of ``calls`` runs of ``step`` (after a few warm-up runs)."""
    for _ in range(20):
        step()
    times = []
    for _ in range(calls):
        started = time.perf_counter()
        step()
        times.append((time.perf_counter() - started) * 1e3)
    return times


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=2000)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--dim", type=int, default=10)
    args = parser.parse_args()
    torch.set_num_threads(1)  # as the grader and the worker run
    course = courses.load(courses.ROOT / "courses" / "cs236-hw2").activate()
    reference = probes.Session(course.reference_modules())
    own = reference.resolve(HELPER)  # stands in for the student's own helper: never run here
    server = serving.Server(reference, {"dtype": "float32"}, [], [HELPER], timeout=1e9)
    pipe = Loopback(server)
    channel = served.Channel(pipe, pipe, wire)  # the worker's own channel, frees included
    channel.begin()
    z = torch.randn(args.batch, args.dim)
    m, v = torch.randn(args.batch, args.dim), torch.rand(args.batch, args.dim) + 0.1

    def forward():
        served._Call(channel, HELPER, {}, own).run((z, m, v), {})

    def forward_backward():
        mean = m.clone().requires_grad_(True)
        served._Call(channel, HELPER, {}, own).run((z, mean, v), {}).sum().backward()

    print(f"one served `{HELPER}` frame, inputs {args.batch}×{args.dim}, {args.calls} calls, in one process:")
    for name, step in (("forward", forward), ("forward + backward", forward_backward)):
        times = sorted(timed(step, args.calls))
        print(f"  {name:<20} median {statistics.median(times):.3f} ms, 90th percentile "
              f"{times[int(0.9 * len(times))]:.3f} ms")


if __name__ == "__main__":
    main()
