"""The student's self-check: the public cases, run against the student's files.

Shipped in the student kit beside ``probes.py``, ``protocol.py``, ``closeness.py`` and the
course's plugin (this module imports nothing else of the autograder, and nothing of the
reference). It calls the student's functions in this
process, on the student's own machine, and compares with the reference's answers that
the kit holds for public inputs. Graded runs use other, secret inputs and more checks.
"""
import argparse
import contextlib
import importlib
import json
import signal
import sys
import traceback
from collections import defaultdict
from pathlib import Path

import numpy as np

from . import probes
from .closeness import floats_match, matches
from .protocol import LIST, OTHER, TENSOR, TUPLE

CALL_TIME_LIMIT_S = 120


def load_cases(folder):
    """(cases, course) from ``public_cases.json`` and ``public_cases.npz``; ``course`` holds
    the course's modules, package, answers file and answer keys."""
    folder = Path(folder)
    stored_index = json.loads((folder / "public_cases.json").read_text())
    index = stored_index.pop("cases")
    with np.load(folder / "public_cases.npz", allow_pickle=False) as stored:
        arrays = {name: stored[name] for name in stored.files}
    for case in index:
        for side in ("request", "answer"):
            case[f"{side}_arrays"] = [arrays[name] for name in case[f"{side}_arrays"]]
    return index, stored_index


def differences(got, got_arrays, want, want_arrays, tolerance, where="result"):
    """What differs between two answer trees, as sentences."""
    if isinstance(want, dict) and TENSOR in want:
        if not (isinstance(got, dict) and TENSOR in got):
            return [f"{where}: expected a tensor, got {_describe(got)}"]
        g, w = got_arrays[got[TENSOR]], want_arrays[want[TENSOR]]
        if g.shape != w.shape:
            return [f"{where}: shape {tuple(g.shape)}, expected {tuple(w.shape)}"]
        if got.get("dtype") != want.get("dtype"):
            return [f"{where}: dtype {got.get('dtype')}, expected {want.get('dtype')}"]
        if w.dtype == bool or not np.issubdtype(w.dtype, np.floating):
            wrong = int((g != w).sum())
            return [f"{where}: {wrong} of {w.size} entries differ"] if wrong else []
        g64, w64 = g.astype(np.float64), w.astype(np.float64)
        bad = ~matches(g64, w64, tolerance["rtol"], tolerance["atol"])[0]
        if not bad.any():
            return []
        with np.errstate(invalid="ignore"):
            error = np.where(bad, np.abs(g64 - w64), 0)
        error = np.where(np.isnan(error), np.inf, error)
        worst = np.unravel_index(int(np.argmax(error)), w.shape) if w.shape else ()
        return [f"{where}: {int(bad.sum())} of {w.size} values differ; largest error at index {list(worst)}: "
                f"got {g64[worst]:.6g}, expected {w64[worst]:.6g}"]
    if isinstance(want, dict) and len(want) == 1 and next(iter(want)) in (TUPLE, LIST):
        kind = next(iter(want))
        items = got.get(kind) if isinstance(got, dict) else None
        if items is None or len(items) != len(want[kind]):
            return [f"{where}: expected a {kind[1:]} of {len(want[kind])}, got {_describe(got)}"]
        return [d for i, (g, w) in enumerate(zip(items, want[kind]))
                for d in differences(g, got_arrays, w, want_arrays, tolerance, f"{where}[{i}]")]
    if isinstance(want, dict):
        if not isinstance(got, dict):
            return [f"{where}: expected {_describe(want)}, got {_describe(got)}"]
        return [d for key in want for d in differences(got.get(key), got_arrays, want[key], want_arrays,
                                                       tolerance, f"{where}.{key}")]
    if isinstance(want, float) and isinstance(got, (int, float)) and not isinstance(got, bool):
        close = floats_match(float(got), want, tolerance["rtol"], tolerance["atol"])
        return [] if close else [f"{where}: got {got:.6g}, expected {want:.6g}"]
    if isinstance(want, list):
        if not isinstance(got, list) or len(got) != len(want):
            return [f"{where}: expected {len(want)} items, got {_describe(got)}"]
        return [d for i, (g, w) in enumerate(zip(got, want))
                for d in differences(g, got_arrays, w, want_arrays, tolerance, f"{where}[{i}]")]
    return [] if got == want else [f"{where}: got {_describe(got)}, expected {_describe(want)}"]


def _describe(node):
    if isinstance(node, dict) and OTHER in node:
        return f"a {node[OTHER]}"
    if isinstance(node, dict) and TENSOR in node:
        return "a tensor"
    if isinstance(node, dict) and len(node) == 1:
        return f"a {next(iter(node)).lstrip('$')}"
    return repr(node)


@contextlib.contextmanager
def _time_limit(seconds):
    if not hasattr(signal, "SIGALRM"):
        yield
        return

    def expire(*_):
        raise TimeoutError(f"did not finish within {seconds} s")
    previous = signal.signal(signal.SIGALRM, expire)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def run_case(session, case, modules=()):
    """The problems of one case: [] when the student's answer matches."""
    try:
        with _time_limit(CALL_TIME_LIMIT_S):
            answer, arrays = session.call(dict(case["request"]), [a.copy() for a in case["request_arrays"]])
    except NotImplementedError:
        return ["not implemented yet"]
    except Exception as exc:  # noqa: BLE001 - the student's error is the finding
        stems = {m.rsplit(".", 1)[-1] for m in modules}
        frame = next((f for f in reversed(traceback.extract_tb(exc.__traceback__))
                      if Path(f.filename).stem in stems), None)
        where = f" ({Path(frame.filename).name}, line {frame.lineno})" if frame else ""
        return [f"raised {type(exc).__name__}: {exc}{where}"]
    tolerance = {"rtol": case["rtol"], "atol": case["atol"]}
    problems = differences(answer.get("value"), arrays, case["answer"].get("value"), case["answer_arrays"],
                           tolerance)
    for part in ("grads", "params"):
        if case["answer"].get(part) is not None:
            problems += differences(answer.get(part), arrays, case["answer"][part], case["answer_arrays"],
                                    tolerance, part)
    if answer.get("modified"):
        problems.append(f"modified its input argument(s) {answer['modified']} in place")
    return problems


def check_answers(folder, key_names, name="answers.yaml"):
    """The answers file is readable and every answer is filled in (not whether it is right)."""
    import yaml
    path = Path(folder) / name
    if not path.is_file():
        return [f"{name} was not found"]
    try:
        given = yaml.safe_load(path.read_text()) or {}
    except yaml.YAMLError as exc:
        return [f"{name} is not valid YAML: {exc}"]

    def value(tree, dotted):
        for part in dotted.split("."):
            tree = tree.get(part) if isinstance(tree, dict) else None
        return tree
    empty = [k for k in key_names if value(given, k) in (None, "", [])]
    return [f"no answer yet for {', '.join(empty)}"] if empty else []


def _plugin():
    """The course plugin shipped beside this module, if the course has one."""
    try:
        return importlib.import_module(f"{__package__}.course_plugin")
    except ModuleNotFoundError:
        return None


def main(argv=None, cases_folder=None, default_folder="."):
    parser = argparse.ArgumentParser(prog="check", description=(
        "Run the public checks on your files. They use public inputs; the graded run uses other inputs "
        "and more checks, so passing here is necessary, not sufficient."))
    parser.add_argument("folder", nargs="?", default=Path(default_folder), type=Path,
                        help="folder with your .py files and answers.yaml (default: %(default)s)")
    parser.add_argument("-k", dest="only", default=None, help="only the checks whose name contains this")
    parser.add_argument("--cases", type=Path, default=cases_folder, help="folder of public_cases.json/.npz")
    args = parser.parse_args(argv)
    cases, course = load_cases(args.cases or Path(__file__).resolve().parent)
    folder = args.folder.resolve()
    sys.path.insert(0, str(folder))
    prefix = f"{course['package']}." if course.get("package") else ""
    if course.get("aliases"):
        sys.meta_path.insert(0, probes.Aliases({alias: course["package"] for alias in course["aliases"]}))
    session = probes.Session({m: prefix + m for m in course["modules"]}, _plugin())

    by_test = defaultdict(list)
    for case in cases:
        if args.only is None or args.only in case["test"]:
            by_test[case["test"]].append(case)
    if not by_test:
        print(f"no public check has {args.only!r} in its name", file=sys.stderr)
        return 2
    passed = 0
    for test, group in by_test.items():
        failures = [(n, p) for n, case in enumerate(group, 1) if (p := run_case(session, case, course["modules"]))]
        passed += not failures
        print(f"{'ok  ' if not failures else 'FAIL'}  {test:<32} {len(group) - len(failures)}/{len(group)} cases")
        for n, problems in failures[:2]:
            print(f"        case {n}: " + "; ".join(problems[:2]))
    checks = len(by_test)
    if args.only is None and course.get("answers_file") and course.get("answer_keys"):
        problems = check_answers(folder, course["answer_keys"], course["answers_file"])
        print(f"{'ok  ' if not problems else 'FAIL'}  {course['answers_file'] + ' (filled in)':<32} "
              + "; ".join(problems))
        passed, checks = passed + (not problems), checks + 1
    print(f"\n{passed} of {checks} public checks pass." + (" All public checks pass." if passed == checks else ""))
    return 0 if passed == checks else 1
