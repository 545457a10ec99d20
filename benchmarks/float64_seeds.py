"""The float64 parts over many secret seeds: a computation done in float32 must fail every
float64 part on every seed, and float32 constants must fail none.

    .venv/bin/python benchmarks/float64_seeds.py [--seeds 200] [--first 0]

The bundled course's unit checks run in this process against the two variants of
tests/corpus/precision.py, loaded here in place of the worker (a stand-in that answers
requests with probes.Session, as the worker does), once per seed. Prints, per check with a
float64 part, how many seeds let the float32 computation through and how many failed the
float32 constants; exits 1 if any did.
"""
import argparse
import dataclasses
import importlib
import re
import sys
import tempfile
from pathlib import Path

import torch

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from autograder import course as courses  # noqa: E402
from autograder.grader import assignment as policy  # noqa: E402
from autograder.grader import fixtures  # noqa: E402
from autograder.grader.discovery import Submission  # noqa: E402
from autograder.grader.plugin import GradescopePlugin  # noqa: E402
from autograder.grader.remote import Remote  # noqa: E402
from autograder.grader.runner import run_checks  # noqa: E402
from autograder.worker import probes  # noqa: E402
from tests.corpus.precision import float32_computation_sources, float32_constant_sources  # noqa: E402
from tests.submissions import MODULES  # noqa: E402


class InProcessWorker:
    """The worker's request loop over modules imported here (trusted variants only)."""

    alive, layers = True, {}

    def __init__(self, session):
        self.session = session

    def request(self, header, arrays=(), timeout=None, serve=None):
        if header.get("op") == "import":
            return {"ok": True}, []
        try:
            answer, out = self.session.call(header, arrays)
            return {"ok": True, **answer}, [a.copy() for a in out]
        except Exception as exc:  # as the worker reports a raising function
            return {"ok": False, "error": {"type": type(exc).__name__, "message": str(exc)}}, []

    def output(self):
        return ""

    def stop(self):
        pass


def variant_session(course, sources, folder, package):
    target = Path(folder) / package
    target.mkdir(parents=True)
    (target / "__init__.py").write_text("")
    for name, text in sources.items():
        (target / f"{name}.py").write_text(re.sub(rf"^from ({'|'.join(MODULES)}) import", rf"from {package}.\1 import",
                                                  text, flags=re.M))
    sys.path.insert(0, str(folder))
    importlib.invalidate_caches()
    return probes.Session({m: f"{package}.{m}" for m in MODULES}, course.load_plugin())


def float64_verdicts(course, tests, session, seed):
    """{test: (float64 parts passed, float64 parts failed)} of one grading."""
    submission = Submission(ROOT, modules={m: ROOT / f"{m}.py" for m in MODULES})
    remote = Remote(course, submission, lambda: InProcessWorker(session))
    plugin = GradescopePlugin(tests, remote, seed, {})
    run_checks(course, [plugin, fixtures])
    verdicts = {}
    for test_id, parts in plugin.parts.items():
        float64 = {name: verdict for name, verdict in parts.verdicts().items() if name.startswith("float64")}
        verdicts[test_id] = ({n for n, v in float64.items() if v == "earned"}, {n for n, v in float64.items() if v == "failed"})
    return verdicts


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, default=200)
    parser.add_argument("--first", type=int, default=0)
    args = parser.parse_args()
    torch.set_num_threads(1)  # as the grader and the worker compute
    course = courses.load()
    tests = policy.load(course.manifest, course)
    keep = {t for t, spec in tests.tests.items() if spec.problem not in ("training", "answers")}
    tests = dataclasses.replace(tests, tests={t: s for t, s in tests.tests.items() if t in keep})
    scratch = tempfile.mkdtemp(prefix="float64-seeds-")
    sessions = {"float32 computation": variant_session(course, float32_computation_sources(), scratch + "/a", "f32computation"),
                "float32 constants": variant_session(course, float32_constant_sources(), scratch + "/b", "f32constants")}
    slipped, false_fails, checked = {}, {}, set()
    for seed in range(args.first, args.first + args.seeds):
        for label, session in sessions.items():
            for test_id, (passed, failed) in float64_verdicts(course, tests, session, seed).items():
                if label == "float32 computation":
                    if passed or failed:
                        checked.add(test_id)
                    if passed:
                        slipped.setdefault(test_id, []).append(seed)
                elif failed:
                    false_fails.setdefault(test_id, []).append(seed)
    print(f"{args.seeds} seeds ({args.first}…{args.first + args.seeds - 1}), {len(checked)} checks with a float64 part\n")
    print("| check | float32 computation passed a float64 part | float32 constants failed one |")
    print("|---|---|---|")
    for test_id in sorted(checked):
        print(f"| {test_id} | {len(slipped.get(test_id, []))} {slipped.get(test_id, [])[:5]} "
              f"| {len(false_fails.get(test_id, []))} {false_fails.get(test_id, [])[:5]} |")
    raise SystemExit(1 if slipped or false_fails else 0)


if __name__ == "__main__":
    main()
