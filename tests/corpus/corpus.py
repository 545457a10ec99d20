"""The corpus as submissions: variants, alternatives, and grading many of them at once."""
import concurrent.futures
import json
import os
import subprocess
import sys
from pathlib import Path

import yaml

from tests.corpus.variants import VARIANTS, WRONG_ANSWERS
from tests.submissions import ROOT, notebook_submission, reference_submission

ALTERNATIVES = Path(__file__).resolve().parent / "alternatives"


def variant_submissions(folder):
    """{name: submission folder} for every variant, including wrong answers."""
    built = {}
    for index, variant in enumerate(VARIANTS):
        built[variant.name] = reference_submission(Path(folder) / f"variant-{index:02d}",
                                                   replace={variant.module: variant.source()})
    answers = reference_submission(Path(folder) / "wrong-answers")
    (answers / "hw3" / "answers.yaml").write_text(yaml.safe_dump(WRONG_ANSWERS))
    built["wrong closed-form answers"] = answers
    return built


def alternative_submissions(folder):
    built = {}
    for alternative in sorted(p for p in ALTERNATIVES.iterdir() if p.is_dir()):
        replace = {path.stem: path.read_text() for path in alternative.glob("*.py")}
        built[alternative.name] = reference_submission(Path(folder) / alternative.name, replace=replace)
    built["notebook"] = notebook_submission(Path(folder) / "notebook")
    return built


def grade_all(submissions, folder, *, seed=None, jobs=2, python=sys.executable):
    """Grade {name: folder} through ./run_autograder, ``jobs`` at a time; {name: results}."""
    def one(item):
        name, submission = item
        results_path = Path(folder) / "results" / f"{abs(hash(name))}.json"
        arguments = [str(ROOT / "run_autograder"), "--submission", str(submission), "--results", str(results_path),
                     "--quiet"] + ([] if seed is None else ["--seed", str(seed)])
        subprocess.run(arguments, check=True, capture_output=True, timeout=900,
                       env={"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "AUTOGRADER_PYTHON": python})
        return name, json.loads(results_path.read_text())

    with concurrent.futures.ThreadPoolExecutor(jobs) as pool:
        return dict(pool.map(one, submissions.items()))


def lost_functions(results):
    """Contract functions covered by tests that lost points, and those tests' outputs."""
    lost, outputs = set(), {}
    for test in results["tests"]:
        if test["score"] < test["max_score"]:
            covered = test["name"].split("(", 1)[1].rstrip(")").split(", ")
            lost.update(covered)
            for function in covered:
                outputs[function] = test["output"]
    return lost, outputs
