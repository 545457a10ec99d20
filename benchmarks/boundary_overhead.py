"""What the isolation boundary costs: grading the reference with the confined worker,
against the same grading with the submission called in the grading process (the way
in-process autograders run student code; never use that for real grading).

    .venv/bin/python benchmarks/boundary_overhead.py [--repeats 3]
"""
import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))  # tests.submissions builds the submission

from autograder import course  # noqa: E402
from autograder.grader import runner  # noqa: E402
from autograder.worker import probes  # noqa: E402
from autograder.worker.main import describe  # noqa: E402
from tests.submissions import reference_submission  # noqa: E402


class InProcessWorker:
    """Stands in for sandbox.client.Worker: no process, no confinement, no serialization."""

    def __init__(self, stage, *args, **kwargs):
        self.stage, self.layers, self.alive = stage, {"user": "in-process (no boundary)"}, True

    def start(self):
        sys.path[:0] = [str(self.stage.root), str(self.stage.root / "submission")]
        plugin = course.load().load_plugin()
        self.session = probes.Session(self.stage.modules, plugin)
        return self

    def request(self, header, arrays=(), timeout=None):
        try:
            if header.get("op") == "import":
                self.session.load(header["module"])
                return {"ok": True}, []
            answer, out = self.session.call(header, arrays)
        except Exception as exc:
            return {"ok": False, "error": describe(exc)}, []
        return {"ok": True, **answer}, out

    def output(self):
        return ""

    def stop(self):
        return 0


def timed(folder, repeats):
    times = []
    for i in range(repeats):
        started = time.perf_counter()
        results = runner.grade(folder, f"{folder}/../results-{i}.json", seed=1, log=lambda *a: None)
        times.append(time.perf_counter() - started)
        assert results["score"] == 100, results["output"]
    return min(times)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=3)
    args = parser.parse_args()
    folder = str(reference_submission(tempfile.mkdtemp()))
    timed(folder, 1)  # warm imports, so both modes start from the same state
    boundary = timed(folder, args.repeats)
    runner.Worker = InProcessWorker
    in_process = timed(folder, args.repeats)
    print(f"grading the reference (best of {args.repeats}): confined worker {boundary:.2f} s, "
          f"in-process {in_process:.2f} s, boundary overhead {100 * (boundary / in_process - 1):+.0f}%")


if __name__ == "__main__":
    main()
