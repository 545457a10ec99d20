"""The command line: ``run_autograder`` (Gradescope's entry point) and ``autograder``.

Every path argument means what the user typed: it is resolved against the directory the
command was run from.
"""
import argparse
import os
import signal
import sys
import tempfile
import time
from pathlib import Path

from .grader import SEED_VARIABLE

GRADESCOPE_ROOT = Path(os.environ.get("AUTOGRADER_ROOT", "/autograder"))


def _path(text):
    return Path(text).expanduser().resolve()


def _course_argument(parser):
    parser.add_argument("--course", type=_path, default=None, metavar="PATH",
                        help="the course: a folder with course.yaml, or the manifest (default: the bundled course)")


def _course(parser, args):
    """The chosen course, loaded; an invalid one is a usage error that says where."""
    from .course import CourseError, load

    try:
        return load(args.course)
    except CourseError as exc:
        parser.error(str(exc))


def _grade_arguments(parser):
    _course_argument(parser)
    parser.add_argument("--device", choices=["cpu", "cuda", "auto"], default="auto",
                        help="where the submission and the reference run (default: cuda when available)")
    parser.add_argument("--seed", type=int, default=os.environ.get(SEED_VARIABLE),
                        help=f"input seed (or ${SEED_VARIABLE}, which stays off the command line that other "
                             "users can read); by default a fresh secret one, printed to the grader's log")
    parser.add_argument("--assignment", type=_path, default=None,
                        help="an assignment file that replaces the course's grading policy (problems, points, ...)")
    parser.add_argument("--quiet", action="store_true", help="do not print the per-test table")


def _grade(parser, args):
    from .grader.runner import grade
    from .table import render

    course = _course(parser, args)
    # SIGTERM (a batch stopping, a scheduler's time limit) ends the grading as Ctrl-C does:
    # the worker is killed and no results file is written
    signal.signal(signal.SIGTERM, signal.default_int_handler)
    probe = _probe(args)
    try:
        results = grade(args.submission, args.results, course=course, device=args.device,
                        assignment_path=args.assignment, seed=args.seed, log=lambda line: print(line, flush=True),
                        **(probe.options() if probe else {}))
        if probe:
            probe.write(results.get("extra_data", {}).get("provenance", {}).get("course"))
    except KeyboardInterrupt:
        print("stopped before the grading finished: no results written", flush=True)
        return 130
    if not args.quiet:
        print(render(results))
    print(f"results written to {args.results}")
    return 0


def _probe(args):
    """The similarity probe of a batch's grading (``--fingerprints``), or None."""
    if getattr(args, "fingerprints", None) is None:
        return None
    from .grader.fingerprints import PROBE_VARIABLE, Probe
    from .workflows.wording import HINT

    return Probe(args.fingerprints, os.environ[PROBE_VARIABLE], args.seed, HINT)


def run_autograder(argv=None):
    """``run_autograder [--submission DIR --results FILE]``: Gradescope's layout by default."""
    parser = argparse.ArgumentParser(
        prog="run_autograder",
        description="Grade a submission into a Gradescope results.json. Without arguments: "
                    f"{GRADESCOPE_ROOT}/submission into {GRADESCOPE_ROOT}/results/results.json. "
                    "Exits 0 whenever it wrote results.")
    parser.add_argument("--submission", type=_path, default=None,
                        help=f"the submission folder (default: {GRADESCOPE_ROOT}/submission)")
    parser.add_argument("--results", type=_path, default=GRADESCOPE_ROOT / "results" / "results.json",
                        help="where results.json goes")
    parser.add_argument("--fingerprints", type=_path, default=None, help=argparse.SUPPRESS)  # batch --similarity
    _grade_arguments(parser)
    args = parser.parse_args(argv)
    if args.submission is None:  # Gradescope's layout: whatever is there gets a valid result
        args.submission = GRADESCOPE_ROOT / "submission"
    elif not args.submission.is_dir():
        parser.error(f"--submission {args.submission}: no such folder")
    return _grade(parser, args)


def _batch(args):
    from .workflows.batch import Batch, find_submissions

    submissions = find_submissions(args.folder)
    if not submissions:
        print(f"no submission folders in {args.folder}", file=sys.stderr)
        return 1
    course = args.course and _course(args.parser, args).manifest
    batch = Batch(submissions, args.out, jobs=args.jobs, timeout=args.timeout, seed=args.seed, device=args.device,
                  course=course, assignment=args.assignment, force=args.force, progress=not args.no_progress)
    if args.similarity:
        from .workflows.similarity import probe_seed
        batch.probe_seed = probe_seed(args.out, avoid=args.seed)
    plan = batch.plan()
    print(plan.describe(f" on {args.scheduler}" if args.scheduler else f" with {args.jobs} job(s)"), flush=True)
    outcome = batch.run(scheduler=args.scheduler, plan=plan, log=lambda line: print(line, flush=True))
    if args.similarity and not outcome.signal:
        from .workflows.similarity import probe_missing
        probe_missing(batch, log=lambda line: print(line, flush=True))
    width, left = max(len(s.name) for s in submissions), set(outcome.left)
    for submission in submissions:
        who = f"  {'; '.join(submission.submitters)}" if submission.submitters else ""
        score = f"{outcome.scores[submission.name]:>6g}" if submission.name in outcome.scores else "     -"
        old = "  (old results, not graded again)" if submission.name in left and submission.name in outcome.scores \
            else ""
        print(f"{submission.name:<{width}}  {score}{old}{who}")
    if outcome.signal:
        print(outcome.describe_stop())
        return 128 + outcome.signal
    print(f"results in {args.out}/<submission>/results.json; next: autograder report {args.out}")
    return 0


def _report(args):
    from .workflows.graded import MixedCourses
    from .workflows.report import write_report

    if args.notices and args.against is None:
        args.parser.error("--notices needs --against OLD: a notice says what a regrade changed")
    try:
        paths, summary = write_report(args.batch, args.out, against=args.against, mixed=args.mixed,
                                      notices=args.notices)
    except MixedCourses as exc:
        print(exc, file=sys.stderr)
        return 1
    if args.course is not None:
        print(_course(args.parser, args).title)
    print(summary)
    for path in paths.values():
        print(f"wrote {path}")
    return 0


def _validated(course, assignment, jobs=None, seeds=0, mutants=False, per_function=None, kit=False, only=None,
               messages=False):
    """Validate ``course`` (workflows/validate.py), printing each verdict; whether all held."""
    from .workflows.validate import validate

    print(f"validating {course.title!r}: its reference, template, degenerate submissions and declared variants, "
          "each graded as a student's would be")
    validation = validate(course, assignment, log=lambda line: print(line, flush=True), jobs=jobs, seeds=seeds,
                          mutants=mutants, per_function=per_function, kit=kit, only=only, messages=messages)
    if validation.ok:
        print("the course grades rightly")
        return True
    errors = any(v.course_errors for v in validation.verdicts)
    print(f"the course would grade wrongly: {'; '.join(validation.problems)}"
          + (" (course error lines name the file and line)" if errors else ""), file=sys.stderr)
    return False


def _validate(args):
    course = _course(args.parser, args)
    held = _validated(course, args.assignment, args.jobs, args.seeds, args.mutants, args.per_function, args.kit,
                      args.only, args.messages)
    return 0 if held else 1


def _build(args):
    from .workflows.package import build_autograder

    course = _course(args.parser, args)
    if not args.no_validate and not _validated(course, args.assignment):
        print(f"no zip written: {args.output} would grade wrongly on Gradescope", file=sys.stderr)
        return 1
    print(f"wrote {build_autograder(args.output, course, args.assignment, args.torch)}: upload it as the "
          f"autograder of {course.title!r} on Gradescope")
    return 0


def _student_kit(args):
    from .kit import build

    course = _course(args.parser, args)
    started = time.monotonic()
    try:
        written = build.build(args.output, course, args.assignment)
    except build.KitError as exc:
        print(f"no kit written to {args.output}: {exc}", file=sys.stderr)
        return 1
    print(f"wrote {written} in {time.monotonic() - started:.0f} s: hand it "
          "to students (they unzip it, fill in the files, run `python check.py`)")
    return 0


def _check(args):
    from .kit import build, selfcheck
    from .workflows.package import unpack

    course = _course(args.parser, args)
    with tempfile.TemporaryDirectory() as scratch:
        try:
            kit = build.build(Path(scratch) / "kit.zip", course, args.assignment)
        except build.KitError as exc:
            print(f"no kit could be made to check with: {exc}", file=sys.stderr)
            return 1
        unpack(kit, Path(scratch) / "kit")
        status, text = selfcheck.run(args.folder, Path(scratch) / "kit" / build.KIT / "course", args.only)
    print(text)
    return status


def _experiment(args):
    """Run the course's own experiment (the manifest's ``experiment``, a file of the course
    whose ``run`` trains the reference), with the course's packages importable."""
    import importlib.util

    course = _course(args.parser, args)
    if course.experiment is None or not course.experiment.is_file():
        args.parser.error(f"{course.manifest}: the course declares no experiment here (the manifest's `experiment:` "
                          "names the file whose run() trains the reference; shipped copies leave it out)")
    course.activate()
    spec = importlib.util.spec_from_file_location(f"{course.name}_experiment", course.experiment)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    metrics, paths = module.run(args.out, args.mnist, epochs=args.epochs, batch=args.batch, lr=args.lr,
                                seed=args.seed)
    for method, curve in metrics["heldout_l100"].items():
        print(f"{method:<11} held-out L_100 after {len(curve)} epochs: {curve[-1]:.2f} nats "
              f"({metrics['train']} training, {metrics['heldout']} held-out digits)")
    for path in paths:
        print(f"wrote {path}")
    return 0


def _template(args):
    from . import template

    course = _course(args.parser, args)
    if args.check:
        drifted = template.drift(course)
        print(f"{course.template} is up to date" if not drifted else
              f"{course.template} differs from the reference's stubs: {', '.join(drifted)}")
        return 1 if drifted else 0
    template.write(course)
    print(f"wrote {course.template} from {course.reference}")
    return 0


def _new_course(args):
    from .workflows.scaffold import new_course

    for path in new_course(args.folder, args.name, notebook=args.notebook):
        print(f"wrote {path}")
    print(f"next: {args.folder}/README.md says what to fill in; docs/authoring.md explains each part")
    return 0


def _grading_commands(commands):
    """grade, batch, report: grading submissions and reading the results."""
    grade = commands.add_parser("grade", help="grade one submission folder",
                                description="Grade one submission: a per-test table and results.json.")
    grade.add_argument("submission", type=_path, help="the submission folder (module files, or a notebook)")
    grade.add_argument("--results", type=_path, default=_path("results.json"), help="default: ./results.json")
    _grade_arguments(grade)
    grade.set_defaults(run=_grade)

    batch = commands.add_parser("batch", help="grade a folder of submissions (or a Gradescope export)",
                                description="Grade every sub-folder of FOLDER, each in its own isolated grader. "
                                            "A Gradescope 'Export Submissions' folder works as is: its "
                                            "submission_metadata.yml names the submitters. Already graded "
                                            "submissions are skipped unless --force.")
    batch.add_argument("folder", type=_path, help="folder of submission folders")
    batch.add_argument("--out", type=_path, default=_path("graded"), help="where results go (default: ./graded)")
    batch.add_argument("--jobs", "-j", type=int, default=max(1, (os.cpu_count() or 2) // 2),
                       help="submissions graded at once (default: half the CPUs)")
    batch.add_argument("--timeout", type=float, default=1800, help="seconds per submission before it gets 0 (1800)")
    batch.add_argument("--seed", type=int, default=None, help="one input seed for all (default: a fresh one each)")
    batch.add_argument("--device", choices=["cpu", "cuda"], default="cpu")
    _course_argument(batch)
    batch.add_argument("--assignment", type=_path, default=None,
                       help="an assignment file that replaces the course's grading policy")
    batch.add_argument("--force", action="store_true", help="regrade submissions that already have results")
    batch.add_argument("--scheduler", default=None, metavar="ADDRESS",
                       help="grade on a Dask cluster (e.g. tcp://host:8786) instead of local processes")
    batch.add_argument("--no-progress", action="store_true", help="no progress bar")
    batch.add_argument("--similarity", action="store_true",
                       help="also run each submission's checks on the batch's probe seed (kept in OUT/probe.json) "
                            "and keep fingerprints of its wrong answers for the report's similarity section; "
                            "grades are not affected")
    batch.set_defaults(run=_batch)

    report = commands.add_parser("report", help="a batch's gradebook, failures, feedback, review and regrade",
                                 description="From a batch folder: gradebook.csv (a row per student with every "
                                             "test's score), upload.csv (only what a score import keys on), pass_rates.csv, failures.txt (every "
                                             "failure, whole, with its submissions), review.txt (submissions a "
                                             "person should look at), feedback/<submission>.txt (what each "
                                             "student reads on Gradescope), scores.png and pass_rates.png; with "
                                             "--against, what changed since an earlier batch (regrade.csv, "
                                             "regrade_tests.csv, regrade.txt); for a batch graded with "
                                             "--similarity, similarity.csv, similarity.txt and similarity.png.")
    report.add_argument("batch", type=_path, help="the --out folder of `autograder batch`")
    report.add_argument("--out", type=_path, default=None, help="default: BATCH/report")
    report.add_argument("--against", type=_path, default=None, metavar="OLD",
                        help="an earlier batch folder of the same class: what changed per student and test")
    report.add_argument("--notices", action="store_true",
                        help="with --against: notices/<submission>.txt, a text to paste into each regrade notice")
    report.add_argument("--mixed", action="store_true",
                        help="report a batch whose results come from different versions of the course "
                             "(refused otherwise), marking the odd ones out")
    _course_argument(report)  # its title heads the summary; the results hold everything else
    report.set_defaults(run=_report)


def _validate_command(commands):
    """validate: would the course grade rightly (workflows/validate.py, verify/)."""
    validate = commands.add_parser("validate", help="check that a course grades rightly",
                                   description="Grade, each as a student's submission, on a fixed seed: the "
                                               "course's reference (must earn full marks, within the grading's "
                                               "memory where a cgroup can hold it there), its template and "
                                               "degenerate submissions (every graded function returning zeros, "
                                               "or its first argument: must earn 0), and its declared variants "
                                               "(variants.yaml: each mistake must lose exactly its functions' "
                                               "tests, each alternative full marks). Report any check that does "
                                               "not load or raises, with its file and line. Exits 1 unless all "
                                               "hold. Writing variants and reading mutants: docs/verifying.md.")
    _course_argument(validate)
    validate.add_argument("--assignment", type=_path, default=None, help="an assignment file to validate instead")
    validate.add_argument("--jobs", "-j", type=int, default=None, help="gradings at a time (default: the CPUs + 1)")
    validate.add_argument("--seeds", type=int, default=0, metavar="N",
                          help="grade everything again on N secret seeds and list every verdict that changes")
    validate.add_argument("--mutants", action="store_true",
                          help="also grade generated mutants of the reference's solutions: each must lose points, "
                               "equal the reference, or be declared an alternative")
    validate.add_argument("--per-function", type=int, default=None, metavar="K",
                          help="with --mutants: at most K mutants per graded function, spread over the operators")
    validate.add_argument("--only", action="append", default=None, metavar="TEXT",
                          help="grade only the submissions whose name contains TEXT (the reference, a variant); "
                               "give it again for more")
    validate.add_argument("--kit", action="store_true",
                          help="also build the student kit and list every part of every variant where its verdict "
                               "differs from the grader's on the public seed")
    validate.add_argument("--messages", action="store_true",
                          help="under each mistake, what its losing tests tell the student first: to check that "
                               "the message names the mistake, and to choose its hint words; with --mutants, "
                               "every mutant tried, each killed one with what its losing test said")
    validate.set_defaults(run=_validate)


def _shipping_commands(commands):
    """build, student-kit, check: what Gradescope and students get."""
    build = commands.add_parser("build", help="validate a course and build its Gradescope autograder.zip",
                                description="Validate the course (as `autograder validate`; no zip when it would "
                                            "grade wrongly), then write the zip to upload as a Gradescope "
                                            "programming assignment's autograder: setup.sh and run_autograder "
                                            "at its root, the engine, the course and its README.")
    build.add_argument("--output", "-o", type=_path, default=_path("autograder.zip"))
    _course_argument(build)
    build.add_argument("--assignment", type=_path, default=None,
                       help="an assignment file to ship in place of the course's grading policy")
    build.add_argument("--torch", choices=["cpu", "cuda"], default="cpu",
                       help="the torch build Gradescope installs: cpu (default; about 200 MB) or cuda "
                            "(several GB of CUDA libraries, for a course that grades on a GPU)")
    build.add_argument("--no-validate", action="store_true",
                       help="skip the validation (for a course validated since its last change)")
    build.set_defaults(run=_build)

    kit = commands.add_parser("student-kit", help="build the zip students start from",
                              description="The template, check.py and the grader's own checks with the "
                                          "reference's answers on a public seed; no reference code.")
    kit.add_argument("--output", "-o", type=_path, default=_path("student_kit.zip"))
    _course_argument(kit)
    kit.add_argument("--assignment", type=_path, default=None, help="assignment file whose visible tests are public")
    kit.set_defaults(run=_student_kit)

    check = commands.add_parser("check", help="the student kit's check of a folder",
                                description="Build the student kit, then check a folder with it, as its check.py "
                                            "does. Exits 0 only when every function it checks passes.")
    check.add_argument("folder", type=_path, nargs="?", default=_path("."))
    check.add_argument("-k", dest="only", default=None, help="only checks whose name or function contains this")
    _course_argument(check)
    check.add_argument("--assignment", type=_path, default=None)
    check.set_defaults(run=_check)


def _authoring_commands(commands):
    """template, new-course, experiment: writing a course."""
    template = commands.add_parser("template", help="regenerate a course's template from its reference",
                                   description="Write the course's template from its reference's # SOLUTION markers.")
    template.add_argument("--check", action="store_true", help="only report drift; exit 1 if any")
    _course_argument(template)
    template.set_defaults(run=_template)

    new = commands.add_parser("new-course", help="start a course: a folder with a manifest, reference, template "
                                                 "and checks for one example function",
                              description="Write a new course folder with one example function, its check and a "
                                          "manifest, ready to grade; docs/authoring.md says how to grow it.")
    new.add_argument("folder", type=_path, help="the new course's folder (must not exist)")
    new.add_argument("--name", default=None, help="the course's short name (default: the folder's name)")
    new.add_argument("--notebook", action="store_true",
                     help="a notebook-first course: its reference and template are notebooks, students hand one in")
    new.set_defaults(run=_new_course)

    experiment = commands.add_parser("experiment", help="the course's reference experiment (the bundled course's: "
                                                        "AEVB against wake-sleep on MNIST)",
                                     description="Run the course's own experiment (the manifest's `experiment`). The "
                                                 "bundled course's trains AEVB and wake-sleep with the reference on "
                                                 "binarized MNIST and plots held-out L_100 against epochs, "
                                                 "reconstructions, the 2-D latent space and its manifold.")
    _course_argument(experiment)
    experiment.add_argument("--mnist", type=_path, default=None,
                            help="folder with MNIST IDX files (*images-idx3-ubyte[.gz], *labels-idx1-ubyte[.gz]); "
                                 "default: the 2,500 digits shipped with the grader. 10%% are held out.")
    experiment.add_argument("--epochs", type=int, default=10)
    experiment.add_argument("--batch", type=int, default=100)
    experiment.add_argument("--lr", type=float, default=1e-3)
    experiment.add_argument("--seed", type=int, default=0)
    experiment.add_argument("--out", type=_path, default=_path("experiment"))
    experiment.set_defaults(run=_experiment)


def main(argv=None):
    parser = argparse.ArgumentParser(prog="autograder", description=(
        "Grade deep-generative-model submissions: one, or a whole class; build what Gradescope and students get."))
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for add in (_grading_commands, _validate_command, _shipping_commands, _authoring_commands):
        add(commands)
    args = parser.parse_args(argv)
    args.parser = commands.choices[args.command]
    if args.run is _grade:
        if not args.submission.is_dir():
            args.parser.error(f"{args.submission}: no such folder")
        return _grade(args.parser, args)
    return args.run(args)


if __name__ == "__main__":
    sys.exit(main())
