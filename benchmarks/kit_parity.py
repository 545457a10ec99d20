"""The student kit against the grader, over both courses' whole corpora: for every variant,
alternative, edition and degenerate submission, each part the kit judges on the public seed
must get the grader's verdict on that seed (tests/kit/kits.py, ``disagreements``).

    .venv/bin/python benchmarks/kit_parity.py [-j 2]

Prints one line per submission that disagrees or has parts the kit leaves to the grader, then
the totals; exits 1 on any disagreement. tests/kit/test_parity.py runs a subset in the suite.
"""
import argparse
import concurrent.futures
import multiprocessing
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def _compare(job):
    from tests.kit.kits import disagreements

    course, name, path, kit = job
    started = time.perf_counter()
    differ, unchecked = disagreements(path, course, kit)
    return course, name, differ, unchecked, time.perf_counter() - started


def main():
    from tests.cs236.submissions import COURSE
    from tests.kit.corpora import corpora
    from tests.kit.kits import unpacked_kit

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("-j", type=int, default=2, help="submissions compared at once")
    args = parser.parse_args()
    started = time.perf_counter()
    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        kits = {None: unpacked_kit(scratch / "kit-bundled"), COURSE: unpacked_kit(scratch / "kit-cs236", COURSE)}
        jobs = [(course, name, path, kits[course]) for course, name, path in corpora(scratch / "corpora")]
        total_differ = total_unchecked = 0
        spawn = multiprocessing.get_context("spawn")
        with concurrent.futures.ProcessPoolExecutor(args.j, mp_context=spawn) as pool:
            for course, name, differ, unchecked, seconds in pool.map(_compare, jobs):
                total_differ += len(differ)
                total_unchecked += len(unchecked)
                if differ or unchecked:
                    print(f"{'cs236' if course else 'bundled'}: {name}: {len(differ)} disagreement(s) {differ}; "
                          f"{len(unchecked)} part(s) left to the grader {unchecked} ({seconds:.1f} s)", flush=True)
    print(f"{len(jobs)} submissions ({sum(1 for j in jobs if j[0] is None)} bundled, "
          f"{sum(1 for j in jobs if j[0] is not None)} CS236): {total_differ} disagreements, {total_unchecked} parts "
          f"left to the grader, in {time.perf_counter() - started:.0f} s")
    return 1 if total_differ else 0


if __name__ == "__main__":
    sys.exit(main())
