"""A batch's report: a gradebook (a row per student, every test's score), the upload file
(only what a score import keys on), pass rates, the failures grouped by message with the
submissions behind each, every student's feedback as Gradescope shows it, the submissions a
person should look at, two charts, and, against an earlier batch, what a regrade changed
(regrade.py), and, for a batch graded with ``--similarity``, the submissions that answered
unseen probe inputs wrongly alike (similarity.py).

Whom each statistic counts, as its wording says: the scores (their summary line and
histogram) count students, as the gradebook does, a group's score once for each member; the
pass rates and the failures count submissions, each a piece of work however many handed it
in (pass_rates.csv gives the students' counts beside them)."""
import collections
import csv
import re
import statistics
from dataclasses import dataclass
from pathlib import Path

from ..grader.results import number_key
from . import feedback, graded, regrade, review, similarity, wording
from .charts import pyplot
from .batch import Person

# a number standing alone (not the digits of a name such as Conv2d or float64): masked
# so that the same mistake on different inputs is one failure
NUMBER = re.compile(r"(?<![\w.])-?\d+(?:\.\d+)?(?:e[-+]?\d+)?(?!\w)")
GRADEBOOK = ["Name", "Email", "SID", "Submission", "Total Score"]  # then a column per test
UPLOAD = ["Name", "Email", "SID", "Total Score"]  # upload.csv: a row per student with an email, nothing else


@dataclass(frozen=True)
class Column:
    """A test of the assignment, as a gradebook column."""
    number: str
    name: str
    max_score: float

    @property
    def heading(self):
        return f"{self.number} {self.name}"


@dataclass(frozen=True)
class FailureGroup:
    """Submissions that failed one test with the same message (numbers masked)."""
    column: Column
    key: str  # the message, numbers masked (failure_key)
    submissions: tuple  # labels of the submissions (Graded.label), in the batch's order
    example: str  # the first one's whole failure message


def columns(batch):
    """The assignment's tests in Gradescope's order, from every results file of the batch."""
    seen = {}
    for each in batch:
        for test in each.tests:
            seen.setdefault(test["number"], Column(test["number"], test["name"], test["max_score"]))
    return sorted(seen.values(), key=lambda column: number_key(column.number))


def _without_parts(line):
    """``failed (part, part (…)): message`` → ``message``."""
    if not line.startswith(wording.FAILED_PARTS):
        return line
    depth = 0
    start = len(wording.FAILED_PARTS) - 1
    for i, char in enumerate(line[start:], start):
        depth += {"(": 1, ")": -1}.get(char, 0)
        if depth == 0:
            return line[i + 1:].lstrip(": ")
    return line


def failure_key(output):
    """What a failure says, numbers masked so that the same mistake on different inputs
    counts once: its first failed line without the list of failed parts, and its hint if
    any, whole."""
    lines = output.strip().splitlines() or ["(no message)"]
    first = next((line for line in lines if line.startswith(wording.FAILED_PARTS)), lines[0])
    hint = next((line.strip() for line in lines if line.strip().startswith(wording.HINT)), None)
    return NUMBER.sub("#", _without_parts(first) + (f" | {hint}" if hint else ""))


def failure_message(output):
    """A failed test's whole message: its output without what the student's code printed."""
    return wording.student_output_removed(output).strip() or "(no message)"


def failure_groups(batch, tests):
    """The FailureGroups of a batch, the most frequent first (then in the tests' order)."""
    found = collections.defaultdict(list)  # (number, key) -> [(label, message)]
    for each in batch:
        for test in each.tests:
            if test["score"] < test["max_score"]:
                found[(test["number"], failure_key(test["output"]))].append((each.label, test["output"]))
    by_number = {column.number: column for column in tests}
    groups = [FailureGroup(by_number[number], key, tuple(label for label, _ in hits), failure_message(hits[0][1]))
              for (number, key), hits in found.items()]
    return sorted(groups, key=lambda g: (-len(g.submissions), number_key(g.column.number), g.key))


def render_failures(groups):
    """failures.txt: each failure with its test, how many and which submissions hit it, and
    one of them in full."""
    if not groups:
        return "No test failed.\n"
    blocks = []
    for group in groups:
        blocks.append("\n".join([
            f"{len(group.submissions)} × {group.column.heading}",
            f"  {group.key}",
            "  submissions: " + ", ".join(group.submissions),
            f"  in full, for {group.submissions[0]}:",
            *(f"    | {line}" for line in group.example.splitlines()),
        ]))
    return "\n\n".join(blocks) + "\n"


def pass_rates(batch, tests):
    """{test number: the share of graded submissions with full marks on it} (by submission:
    a group's work counts once)."""
    return {number: count.rate for number, count in full_marks(batch, tests).items()}


@dataclass(frozen=True)
class FullMarks:
    """How many graded submissions, and the students behind them, have full marks on a test."""
    submissions: int
    of_submissions: int
    students: int
    of_students: int

    @property
    def rate(self):
        """The share of submissions (the pass rate the report shows)."""
        return self.submissions / max(1, self.of_submissions)


def full_marks(batch, tests):
    """{test number: FullMarks} over the submissions with results."""
    results = [each for each in batch if each.results is not None]
    passed = {column.number: [each for each in results if any(
        test["number"] == column.number and test["score"] >= test["max_score"] for test in each.tests)]
        for column in tests}
    students = sum(each.students for each in results)
    return {number: FullMarks(len(who), len(results), sum(each.students for each in who), students)
            for number, who in passed.items()}


def student_scores(batch):
    """Each student's total (a group's once per member), and the submissions they come from:
    (scores, submissions with results)."""
    graded = [each for each in batch if each.results is not None]
    return [each.total for each in graded for _ in range(each.students)], graded


def write_gradebook(batch, tests, path):
    """gradebook.csv, every score of the class: a row per student (each member of a group),
    name, email and SID in their own columns, the submission's folder, the total and each
    test's score. A submission
    without metadata is named by its folder; one without results has no scores."""
    with open(path, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(GRADEBOOK + [column.heading for column in tests])
        for each in batch:
            scores = _scores(each, tests)
            for person in each.people or [Person(name=each.name)]:
                writer.writerow([person.name, person.email, person.sid, each.name, *scores])


@dataclass(frozen=True)
class Upload:
    """What upload.csv holds and what it left out, for the summary."""
    rows: int
    no_email: tuple = ()  # labels of the students without an email (a score import cannot match them)
    no_results: tuple = ()  # labels of the students whose submission has no results
    twice: tuple = ()  # emails on more than one submission (which score is theirs is for a person to say)

    def line(self):
        """The summary's line: how many rows, and who was left out and why."""
        left = [f"{len(who)} {why} ({_few(who)})" for who, why in (
            (self.no_email, "without an email"), (self.no_results, "without results"),
            (self.twice, "with an email on two submissions")) if who]
        return (f"Upload: upload.csv holds {self.rows} student(s), by email, with their total"
                + ("; left out: " + "; ".join(left) if left else ""))


def _few(names, shown=3):
    return ", ".join(names[:shown]) + (", …" if len(names) > shown else "")


def write_upload(batch, path):
    """upload.csv: only what a CSV score import keys on, a row per student: name, email, SID
    and the total (no per-test columns: on Gradescope those come from the autograder's
    results). Students without an email cannot be matched, those without results have no
    score, and an email on two submissions is ambiguous: all three are left out and named in
    the returned Upload."""
    by_email = collections.defaultdict(list)
    no_email, no_results = [], []
    for each in batch:
        for person in each.people or [Person(name=each.name)]:
            if not person.email:
                no_email.append(person.name or person.sid or each.name)
            elif each.results is None:
                no_results.append(person.email)
            else:
                by_email[person.email.strip().lower()].append((person, each))
    twice = sorted(email for email, found in by_email.items() if len(found) > 1)
    rows = [(person, each) for email, found in by_email.items() if email not in twice for person, each in found]
    with open(path, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(UPLOAD)
        for person, each in rows:
            writer.writerow([person.name, person.email, person.sid, feedback.points(each.total)])
    return Upload(len(rows), tuple(no_email), tuple(no_results), tuple(twice))


def _scores(each, tests):
    """The total and a score per test column ("" throughout where there are no results)."""
    if each.results is None:
        return [""] * (1 + len(tests))
    by_number = {test["number"]: test["score"] for test in each.tests}
    return [feedback.points(score) for score in [each.total] + [by_number.get(c.number, 0) for c in tests]]


def write_pass_rates(tests, counts, path):
    """pass_rates.csv: per test the share of submissions with full marks (``pass_rate``), its
    counts, and the students behind them."""
    with open(path, "w", newline="") as f:
        writer = csv.writer(f)
        writer.writerow(["test", "name", "max_score", "pass_rate", "submissions_full_marks", "submissions_graded",
                         "students_full_marks", "students_graded"])
        for column in tests:
            count = counts[column.number]
            writer.writerow([column.number, column.name, column.max_score, f"{count.rate:.3f}", count.submissions,
                             count.of_submissions, count.students, count.of_students])


def write_feedback(batch, folder):
    """feedback/<submission>.txt: what each student reads on Gradescope."""
    folder.mkdir(exist_ok=True)
    for each in batch:
        if each.results is not None:
            (folder / f"{each.name}.txt").write_text(feedback.student_view(each.results))


def write_report(batch_dir, out_dir=None, *, against=None, mixed=False, notices=False):
    """Write the report of ``batch_dir`` (and, with ``against``, an earlier batch's folder,
    what changed since); returns ({what: path}, the summary to print). Raises
    graded.MixedCourses where a batch mixes course versions, unless ``mixed``."""
    batch_dir = Path(batch_dir)
    out_dir = Path(out_dir or batch_dir / "report")
    batch, others = _loaded(batch_dir, mixed)  # both batches are checked before anything is written
    old_batch, old_others = _loaded(against, mixed) if against is not None else (None, set())
    out_dir.mkdir(parents=True, exist_ok=True)
    paths, summary = _write_batch(batch, others, out_dir)
    if similarity.probed(batch_dir):  # graded with --similarity: for the instructor only
        found, line = similarity.write(batch_dir, batch, out_dir)
        paths.update(found)
        summary.append(line)
    if old_batch is not None:
        changes = regrade.compare(old_batch, batch, old_others=old_others, new_others=others)
        changed = regrade.summary(changes, old_batch, batch)
        paths.update(regrade.write(changes, changed, out_dir, notices=notices))
        summary += changed + ([regrade.notices_line(changes)] if notices else [])
    return paths, "\n".join(summary)


def _loaded(batch_dir, mixed):
    """(the batch's Graded records, the submissions graded by another course version)."""
    batch = graded.load(batch_dir)
    return batch, graded.other_courses(batch, allowed=mixed, batch=str(batch_dir))


def _write_batch(batch, others, out_dir):
    """The report of one batch: ({what: path}, the summary's lines)."""
    paths = {name: out_dir / name for name in ("gradebook.csv", "upload.csv", "pass_rates.csv", "failures.txt",
                                               "review.txt", "feedback", "scores.png", "pass_rates.png")}
    tests = columns(batch)
    counts, groups, flags = full_marks(batch, tests), failure_groups(batch, tests), review.review(batch, others)
    rates = {number: count.rate for number, count in counts.items()}
    write_gradebook(batch, tests, paths["gradebook.csv"])
    upload = write_upload(batch, paths["upload.csv"])
    write_pass_rates(tests, counts, paths["pass_rates.csv"])
    paths["failures.txt"].write_text(render_failures(groups))
    paths["review.txt"].write_text(review.render(flags))
    write_feedback(batch, paths["feedback"])
    _charts(batch, tests, rates, paths)
    return paths, [render_summary(batch, tests, rates, groups), upload.line(), review.summary_line(flags)]


def _charts(batch, tests, rates, paths):
    """scores.png (by student) and pass_rates.png (by submission)."""
    plt = pyplot()
    scores, graded = student_scores(batch)
    for figure, name in ((scores_chart(scores, sum(c.max_score for c in tests), len(graded)), "scores.png"),
                         (pass_rates_chart(tests, rates, len(graded)), "pass_rates.png")):
        figure.savefig(paths[name], dpi=120)
        plt.close(figure)


def scores_chart(scores, total, submissions=None):
    """A histogram of the students' totals (``student_scores``: a group's once per member), in
    twentieths of the assignment's ``total``; counts of students are whole, and so are its
    ticks."""
    from matplotlib.ticker import MaxNLocator

    figure, axes = pyplot().subplots(figsize=(6, 3.5))
    total = total or 100
    axes.hist(scores, bins=[total * i / 20 for i in range(21)], color="#4c72b0", edgecolor="white")
    title = f"Scores of {len(scores)} students" + (f" ({submissions} submissions)" if submissions is not None else "")
    axes.set(xlabel="total score", ylabel="students", title=title)
    axes.yaxis.set_major_locator(MaxNLocator(integer=True))
    figure.tight_layout()
    return figure


def pass_rates_chart(tests, rates, submissions=None):
    """A bar per test: the share of submissions with full marks on it."""
    figure, axes = pyplot().subplots(figsize=(7, max(3, 0.22 * len(tests))))
    labels = [f"{column.number} {column.name.split('(')[0].strip()}" for column in tests]
    axes.barh(labels[::-1], [100 * rates[column.number] for column in tests][::-1], color="#55a868")
    of = f" of {submissions}" if submissions is not None else ""
    axes.set(xlabel=f"submissions{of} with full marks (%)", xlim=(0, 100), title="Pass rate per test, by submission")
    axes.tick_params(axis="y", labelsize=7)
    figure.tight_layout()
    return figure


def render_summary(batch, tests, rates, groups, top=5):
    """The few lines ``autograder report`` prints about the batch itself: the scores by
    student, the pass rates and failures by submission, each line saying which."""
    scores, graded = student_scores(batch)
    if not scores:
        return "No graded submissions."
    scores.sort()
    ungraded = [each for each in batch if each.results is None]
    ranked = sorted(tests, key=lambda column: rates[column.number])
    hardest = [c for c in ranked if rates[c.number] <= rates[ranked[min(top, len(ranked)) - 1].number]]
    quartiles = statistics.quantiles(scores, n=4, method="inclusive") if len(scores) > 1 else scores * 3
    lines = [f"Scores by student (a group's score counts for each member): {len(scores)} students in "
             f"{len(graded)} submissions, mean {statistics.fmean(scores):.1f}, "
             + (f"sd {statistics.stdev(scores):.1f}, " if len(scores) > 1 else "")
             + f"quartiles {' / '.join(f'{q:.1f}' for q in quartiles)}, min {scores[0]:.1f}, max {scores[-1]:.1f}"
             + (f"; {len(ungraded)} submission(s) without results ({sum(e.students for e in ungraded)} student(s)) "
                "not counted" if ungraded else ""),
             f"Hardest tests (share of submissions with full marks{', ties included' if len(hardest) > top else ''}): "
             + ", ".join(f"{c.number} {c.name.split('(')[0].strip()} {100 * rates[c.number]:.0f}%" for c in hardest),
             "Most frequent failures (submissions):"]
    lines += [f"  {len(g.submissions):3d} × {g.column.number}: {g.key}" for g in groups[:top]]
    return "\n".join(lines)
