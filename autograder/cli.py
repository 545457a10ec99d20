"""The command line: ``run_autograder`` (Gradescope's entry point) and ``autograder``."""
import argparse
import sys
from pathlib import Path

GRADESCOPE_SUBMISSION = Path("/autograder/submission")
GRADESCOPE_RESULTS = Path("/autograder/results/results.json")


def _grade_arguments(parser):
    parser.add_argument("--device", choices=["cpu", "cuda", "auto"], default="auto",
                        help="where the submission and the reference run (default: cuda when available)")
    parser.add_argument("--seed", type=int, default=None,
                        help="input seed; by default a fresh secret one, printed to the grader's log")
    parser.add_argument("--assignment", type=Path, default=None, help="assignment file (default: the bundled one)")
    parser.add_argument("--quiet", action="store_true", help="do not print the per-test table")


def _run(submission, results_path, args):
    from .grader.runner import grade
    from .table import render

    results = grade(submission, results_path, device=args.device, assignment_path=args.assignment,
                    seed=args.seed, log=lambda line: print(line, flush=True))
    if not args.quiet:
        print(render(results))
    print(f"results written to {results_path}")
    return 0


def run_autograder(argv=None):
    """``run_autograder [--submission DIR --results FILE]``: Gradescope's layout by default."""
    parser = argparse.ArgumentParser(
        prog="run_autograder",
        description="Grade a submission into a Gradescope results.json. Without arguments: "
                    f"{GRADESCOPE_SUBMISSION} into {GRADESCOPE_RESULTS}. Exits 0 whenever it wrote results.")
    parser.add_argument("--submission", type=Path, default=GRADESCOPE_SUBMISSION, help="the submission folder")
    parser.add_argument("--results", type=Path, default=GRADESCOPE_RESULTS, help="where results.json goes")
    _grade_arguments(parser)
    args = parser.parse_args(argv)
    return _run(args.submission, args.results, args)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="autograder", description="Grade deep-generative-model submissions.")
    commands = parser.add_subparsers(dest="command", required=True)
    grade = commands.add_parser("grade", help="grade one submission folder",
                                description="Grade one submission: a per-test table and results.json.")
    grade.add_argument("submission", type=Path, help="the submission folder (module files, or a notebook)")
    grade.add_argument("--results", type=Path, default=Path("results.json"), help="default: ./results.json")
    _grade_arguments(grade)
    args = parser.parse_args(argv)
    return _run(args.submission, args.results, args)


if __name__ == "__main__":
    sys.exit(main())
