"""What one served helper frame costs: a call of CS236's ``utils.log_normal``, the worker's
side (served.py) and the grader's (serving.py) in one process, every frame through the wire
codec both ways; and then in two processes over pipes, as a grading runs them.

    .venv/bin/python benchmarks/served_frames.py [--calls 2000] [--batch 64] [--dim 10]
        [--large 1000x500] [--components 500] [--examples 8]

Prints, in milliseconds and frames per second:
- a small helper call (``--batch`` × ``--dim`` inputs): a forward frame, and a forward plus
  its backward frame (median and 90th percentile);
- a large one (``--large`` inputs, three of them, 2 MB each at the default);
- the per-component mixture a slow homework writes (K = ``--components``): the mixture
  prior of ``--examples`` examples, one example and one component at a time, K served
  calls an example, as tests/cs236/test_slow_homework.py grades it whole;
- the small call between two processes (the grader forked, answering on a pipe): the wall
  time of a frame, and each side's CPU time. Each process wakes for every frame and runs
  cold after the switch, so this costs more than the frame in one process.
"""
import argparse
import io
import os
import select
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
    parser.add_argument("--large", default="1000x500", help="the large call's input shape, ROWSxCOLUMNS")
    parser.add_argument("--components", type=int, default=500)
    parser.add_argument("--examples", type=int, default=8)
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

    def forward(z=z, m=m, v=v):
        served._Call(channel, HELPER, {}, own).run((z, m, v), {})

    def forward_backward():
        mean = m.clone().requires_grad_(True)
        served._Call(channel, HELPER, {}, own).run((z, mean, v), {}).sum().backward()

    print(f"one served `{HELPER}` frame, inputs {args.batch}×{args.dim}, {args.calls} calls, in one process:")
    for name, step in (("forward", forward), ("forward + backward", forward_backward)):
        times = sorted(timed(step, args.calls))
        print(f"  {name:<20} median {statistics.median(times):.3f} ms, 90th percentile "
              f"{times[int(0.9 * len(times))]:.3f} ms ({1e3 / statistics.median(times):,.0f} frames/s)")

    rows, columns = map(int, args.large.split("x"))
    big = torch.randn(rows, columns), torch.randn(rows, columns), torch.rand(rows, columns) + 0.1
    times = sorted(timed(lambda: forward(*big), max(args.calls // 20, 20)))
    print(f"one served `{HELPER}` frame, inputs {rows}×{columns} ({3 * big[0].nbytes / 2 ** 20:.1f} MB in):\n"
          f"  forward              median {statistics.median(times):.3f} ms ({1e3 / statistics.median(times):,.0f} "
          "frames/s)")

    # the slow homework's mixture: log-mean-exp over K served log_normal calls, an example at a time
    means, variances = torch.randn(args.components, args.dim), torch.rand(args.components, args.dim) + 0.1
    examples = torch.randn(args.examples, args.dim)

    def mixture():
        return torch.stack([torch.logsumexp(torch.stack([
            served._Call(channel, HELPER, {}, own).run((z_b, means[k], variances[k]), {})
            for k in range(args.components)]), 0) for z_b in examples])
    started = time.perf_counter()
    mixture()
    took = time.perf_counter() - started
    frames = args.examples * args.components
    print(f"the per-component mixture, K = {args.components}, {args.examples} examples: {frames} frames in "
          f"{took:.2f} s, {took / frames * 1e3:.3f} ms a frame ({frames / took:,.0f} frames/s)")

    between_processes(reference, own, z, m, v, args.calls)


def between_processes(reference, own, z, m, v, calls):
    """The small forward frame with the grader in a forked process, on pipes."""
    to_grader, from_worker = os.pipe()
    to_worker, from_grader = os.pipe()
    child = os.fork()
    if child == 0:  # the grader: answer every frame, then report its CPU time
        server = serving.Server(reference, {"dtype": "float32"}, [], [HELPER], timeout=1e9)

        def read(n):
            select.select([to_grader], [], [])
            return os.read(to_grader, n)
        started = time.process_time()
        for _ in range(calls + 20):
            answer = wire.encode(*server(*wire.decode(read)))
            while answer:
                answer = answer[os.write(from_grader, answer):]
        os.write(from_grader, f"{(time.process_time() - started) / (calls + 20) * 1e3:.3f}".encode())
        os._exit(0)
    reader, writer = os.fdopen(to_worker, "rb", buffering=0), os.fdopen(from_worker, "wb", buffering=0)
    channel = served.Channel(reader, writer, wire)
    channel.begin()
    for _ in range(20):
        served._Call(channel, HELPER, {}, own).run((z, m, v), {})
    wall, cpu = time.perf_counter(), time.process_time()
    for _ in range(calls):
        served._Call(channel, HELPER, {}, own).run((z, m, v), {})
    wall, cpu = (time.perf_counter() - wall) / calls * 1e3, (time.process_time() - cpu) / calls * 1e3
    grader = reader.read(64).decode()
    os.waitpid(child, 0)
    print(f"the small call between two processes: {wall:.3f} ms a frame; CPU {cpu:.3f} ms in the worker, "
          f"{grader} ms in the grader")


if __name__ == "__main__":
    main()
