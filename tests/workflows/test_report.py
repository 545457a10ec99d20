"""`autograder report` on synthetic batch folders (results.json files written here, nothing
graded): what a regrade changed (--against) and whom its notices go to, the gradebook and the
upload file, the statistics (scores by student, pass rates by submission), failures.txt, the
review flags, each student's feedback, and refusing a batch of mixed course versions."""
import csv
import json

import pytest
import yaml

from autograder.grader import results as results_file
from autograder.grader.budget import Budget
from autograder.workflows.batch import INDEX, Batch, find_submissions
from autograder.workflows.graded import MixedCourses, load as load_batch
from autograder.workflows.report import Column, render_summary, write_report
from tests.submissions import autograder

PEOPLE = {"alice": [("Alice Ng", "alice@example.edu", "101")],
          "carol": [("Carol Oh", "carol@example.edu", "103"), ("Dave Pu", "dave@example.edu", "104")],
          "erin": [("Erin Qi", "erin@example.edu", "105")],
          "frank": [("Frank Ro", "frank@example.edu", "106")],
          "bob": [("Bob Mu", "bob@example.edu", "102")]}
TESTS = [("1.1", "kl (vae.kl)", 3.0), ("1.2", "elbo (vae.elbo)", 4.0), ("2.1", "iwae (iwae.iwae)", 2.0)]


def record(number, score, output="All checks passed.", parts=None, visibility="visible"):
    """A results record of one of TESTS; ``parts`` as [(name, weight, verdict)], None for a
    results file written before parts were recorded."""
    name, max_score = next((n, m) for num, n, m in TESTS if num == number)
    record = {"name": name, "number": number, "score": score, "max_score": max_score,
              "status": "passed" if score >= max_score else "failed", "output": output, "visibility": visibility,
              "tags": []}
    if parts is not None:
        record["extra_data"] = {"parts": [{"name": n, "weight": w, "verdict": v} for n, w, v in parts]}
    return record


def results(tests, output="Graded hw/vae.py, hw/iwae.py.", course=None, review=None):
    """A results document; ``review``: what the grading recorded for review (runner._review)."""
    document = results_file.build(tests, output=output, visibility="visible", stdout_visibility="hidden",
                                  execution_time=1.0)
    if course is not None:
        document["extra_data"] = {"provenance": {"course": course, "points": "p" * 64, "engine": "0.1.0",
                                                 "seed": "secret"}}
    if review is not None:
        document.setdefault("extra_data", {})["review"] = {"import_failed": {}, "own_stood_in": {},
                                                           "course_errors": [], "not_graded": [], **review}
    results_file.validate(document)
    return document


def batch(folder, documents, people=PEOPLE):
    """A batch folder as `autograder batch` leaves it: batch.json, and <name>/results.json
    for each document that is not None."""
    folder.mkdir(parents=True)
    index = [{"name": name, "path": str(folder.parent / "export" / name),
              "submitters": [f"{n} <{e}> ({s})" for n, e, s in people.get(name, [])],
              "people": [{"name": n, "email": e, "sid": s} for n, e, s in people.get(name, [])]}
             for name in documents]
    (folder / INDEX).write_text(json.dumps(index))
    for name, document in documents.items():
        if document is not None:
            (folder / name).mkdir()
            results_file.write(document, folder / name / "results.json")
    return folder


def rows(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


PARTS_FAILED = [("values", 3.0, "failed"), ("gradients", 1.0, "held")]
PARTS_EARNED = [("values", 3.0, "earned"), ("gradients", 1.0, "earned")]


@pytest.fixture
def regraded(tmp_path):
    """Two gradings of one class. alice: nothing moves. bob: 1.2 earns its values (0 → 4).
    carol and dave (a group): 2.1 lost (2 → 0), and a part of 1.1 flips from held to failed
    (it pays 0 either way). erin: results older than parts, 1.1 moves (1 → 3). frank: the
    same points, old results without parts: no change can be seen."""
    full = [("values", 2.0, "earned"), ("gradients", 1.0, "earned")]
    held = [("values", 2.0, "failed"), ("gradients", 1.0, "held")]
    failed = [("values", 2.0, "failed"), ("gradients", 1.0, "failed")]

    def right(*numbers):  # full marks, parts recorded
        parts = {"1.1": full, "1.2": PARTS_EARNED, "2.1": []}
        return [record(n, next(m for num, _, m in TESTS if num == n), parts=parts[n]) for n in numbers]
    old = batch(tmp_path / "old", {
        "alice": results(right("1.1", "1.2", "2.1")),
        "bob": results(right("1.1") + [record("1.2", 0, "failed (values): elbo is off", parts=PARTS_FAILED)]
                       + right("2.1")),
        "carol": results([record("1.1", 0, "failed (values): kl is off", parts=held)] + right("1.2", "2.1")),
        "erin": results([record("1.1", 1, "failed: kl"), record("1.2", 4), record("2.1", 2)]),
        "frank": results([record("1.1", 3), record("1.2", 4), record("2.1", 2)]),
    })
    new = batch(tmp_path / "new", {
        "alice": results(right("1.1", "1.2", "2.1")),
        "bob": results(right("1.1", "1.2", "2.1")),
        "carol": results([record("1.1", 0, "failed (values, gradients): kl is off", parts=failed)] + right("1.2")
                         + [record("2.1", 0, "failed: iwae_bound: 3 of 4 values differ from the expected ones",
                                   parts=[])]),
        "erin": results(right("1.1", "1.2", "2.1")),
        "frank": results(right("1.1", "1.2", "2.1")),
    })
    return old, new


def test_against_names_exactly_the_students_and_tests_that_changed(regraded, tmp_path):
    old, new = regraded
    paths, summary = write_report(new, tmp_path / "report", against=old)
    students = [(r["Submission"], r["Name"], r["Email"], r["SID"], r["Old Total"], r["New Total"], r["Delta"])
                for r in rows(paths["regrade.csv"])]
    assert students == [("bob", "Bob Mu", "bob@example.edu", "102", "5", "9", "+4"),
                        ("carol", "Carol Oh", "carol@example.edu", "103", "6", "4", "-2"),
                        ("carol", "Dave Pu", "dave@example.edu", "104", "6", "4", "-2"),
                        ("erin", "Erin Qi", "erin@example.edu", "105", "7", "9", "+2")]
    tests = [(r["Submission"], r["Test"].split()[0], r["Old Score"], r["New Score"], r["Delta"], r["Parts"])
             for r in rows(paths["regrade_tests.csv"])]
    assert tests == [("bob", "1.2", "0", "4", "+4", "values: failed → earned; gradients: held → earned"),
                     ("carol", "1.1", "0", "0", "0", "gradients: held → failed"),
                     ("carol", "2.1", "2", "0", "-2", "no part flipped"),
                     ("erin", "1.1", "1", "3", "+2", "parts unknown (older results)")]
    new_message = next(r["New Message"] for r in rows(paths["regrade_tests.csv"]) if r["Test"].startswith("2.1"))
    assert new_message == "failed: iwae_bound: 3 of 4 values differ from the expected ones"
    assert "Regrade: 4 student(s) in 3 submission(s) changed (2 down, 2 up)." in summary
    assert "  1.1 kl (vae.kl): 1 up, 2 verdict" in summary and "  2.1 iwae (iwae.iwae): 2 down" in summary
    assert "  1.2 elbo (vae.elbo): 1 up" in summary
    text = paths["regrade.txt"].read_text()
    assert "carol (Carol Oh, Dave Pu): 6 → 4 (-2)" in text and "alice" not in text and "frank" not in text


def test_notices_say_what_changed_in_the_students_terms(regraded, tmp_path):
    old, new = regraded
    paths, _ = write_report(new, tmp_path / "report", against=old, notices=True)
    assert sorted(p.name for p in paths["notices"].iterdir()) == ["bob.txt", "carol.txt", "erin.txt"]
    bob = (paths["notices"] / "bob.txt").read_text()
    assert bob.startswith("Your autograder score was regraded: 5 → 9 points (+4).")
    assert "1.2 elbo (vae.elbo): 0 → 4 of 4 points\n  Now earned: values, gradients\n" in bob
    assert "    All checks passed." in bob
    carol = (paths["notices"] / "carol.txt").read_text()
    assert "  Now failed: gradients\n" in carol and "2.1 iwae (iwae.iwae): 2 → 0 of 2 points" in carol


def test_a_rescore_notice_says_the_points_changed_and_shows_both_worths(tmp_path):
    """A points-only change is rescored, not regraded: the notice says that the staff moved
    points and that the code did not run again, and a test whose worth changed shows both."""
    old = batch(tmp_path / "old", {"alice": results([record("1.1", 0, "failed: kl is off"), record("1.2", 4)])})
    moved = results([record("1.1", 0, "failed: kl is off"), record("1.2", 2)])
    moved["tests"][1]["max_score"] = 2.0
    moved["score"] = 2.0
    moved.setdefault("extra_data", {})["rescored"] = {"at": "2026-12-07T10:00:00", "score_before": 4.0,
                                                      "points_before": "p" * 12}
    new = batch(tmp_path / "new", {"alice": moved})
    paths, _ = write_report(new, tmp_path / "report", against=old, notices=True)
    alice = (paths["notices"] / "alice.txt").read_text()
    assert alice.startswith("Your autograder score was rescored: the course staff changed how many points some "
                            "tests are worth, and your code was not run again: 4 → 2 points (-2).")
    assert "1.2 elbo (vae.elbo): 4 of 4 → 2 of 2 points" in alice


def test_a_submission_graded_on_one_side_only_is_a_change(tmp_path):
    old = batch(tmp_path / "old", {"alice": results([record("1.1", 3)]), "bob": None})
    new = batch(tmp_path / "new", {"alice": results([record("1.1", 3)]), "bob": results([record("1.1", 2)])})
    paths, summary = write_report(new, tmp_path / "report", against=old)
    [row] = rows(paths["regrade.csv"])
    assert (row["Submission"], row["Old Total"], row["New Total"], row["Note"]) == \
        ("bob", "", "2", "not graded in the old batch")
    assert "1 graded on one side only" in summary


def test_the_gradebook_has_a_row_per_group_member_with_every_score(regraded, tmp_path):
    _, new = regraded
    (new / "ghost").mkdir()  # listed with no results: a batch stopped before it
    index = json.loads((new / INDEX).read_text()) + [{"name": "ghost", "path": "", "submitters": [], "people": []}]
    (new / INDEX).write_text(json.dumps(index))
    paths, _ = write_report(new, tmp_path / "report")
    with open(paths["gradebook.csv"], newline="") as f:
        header, *body = list(csv.reader(f))
    assert header == ["Name", "Email", "SID", "Submission", "Total Score", "1.1 kl (vae.kl)", "1.2 elbo (vae.elbo)",
                      "2.1 iwae (iwae.iwae)"]
    assert [row[:5] for row in body] == [["Alice Ng", "alice@example.edu", "101", "alice", "9"],
                                         ["Bob Mu", "bob@example.edu", "102", "bob", "9"],
                                         ["Carol Oh", "carol@example.edu", "103", "carol", "4"],
                                         ["Dave Pu", "dave@example.edu", "104", "carol", "4"],
                                         ["Erin Qi", "erin@example.edu", "105", "erin", "9"],
                                         ["Frank Ro", "frank@example.edu", "106", "frank", "9"],
                                         ["ghost", "", "", "ghost", ""]]
    assert body[2][5:] == body[3][5:] == ["0", "4", "0"]


def test_batch_json_keeps_each_submitter_field_by_field(tmp_path):
    for name in ("submission_1", "submission_2"):
        (tmp_path / "export" / name).mkdir(parents=True)
    metadata = {"submission_1": {":submitters": [{":name": "Carol Oh", ":email": "carol@example.edu", ":sid": 103},
                                                 {":name": "Dave Pu", ":email": "dave@example.edu", ":sid": "104"}],
                                 ":created_at": "2026-11-20 10:00:00.000000000 -08:00", ":score": 0.0}}
    (tmp_path / "export" / "submission_metadata.yml").write_text(yaml.safe_dump(metadata))
    Batch(find_submissions(tmp_path / "export"), tmp_path / "graded", progress=False).write_index()
    index = json.loads((tmp_path / "graded" / INDEX).read_text())
    assert index[0]["people"] == [{"name": "Carol Oh", "email": "carol@example.edu", "sid": "103"},
                                  {"name": "Dave Pu", "email": "dave@example.edu", "sid": "104"}]
    assert index[0]["submitters"] == ["Carol Oh <carol@example.edu> (103)", "Dave Pu <dave@example.edu> (104)"]
    assert index[1]["people"] == []


LONG = ("kl: 5 of 8 values differ from the expected ones; the difference grows with the variance, which is what "
        "happens when the variance is used where the standard deviation belongs")


def test_failures_are_whole_grouped_by_message_with_the_submissions_behind_them(tmp_path):
    def failing(n, printed=""):
        output = f"passed: gradients\nfailed (values): {LONG.replace('5', str(n))}\n  max abs error {n}.5\n" \
                 "  hint: variance used as the standard deviation"
        return results([record("1.1", 1, output + (f"\n\nOutput of your code during this test:\n{printed}"
                                                 if printed else ""))])
    folder = batch(tmp_path / "graded", {"alice": failing(5, "debug: secret thoughts"), "bob": failing(7),
                                         "carol": results([record("1.1", 0, "failed: kl raised ValueError")])})
    paths, _ = write_report(folder)
    text = paths["failures.txt"].read_text()
    first, second = text.split("\n\n")
    assert first.splitlines()[0] == "2 × 1.1 kl (vae.kl)"
    masked = LONG.replace("5", "#").replace("8", "#")
    assert first.splitlines()[1] == f"  {masked} | hint: variance used as the standard deviation"
    assert "  submissions: alice (Alice Ng), bob (Bob Mu)" in first
    assert f"    | failed (values): {LONG}" in first and "    |   max abs error 5.5" in first
    assert "secret thoughts" not in text
    assert second.splitlines()[:3] == ["1 × 1.1 kl (vae.kl)", "  failed: kl raised ValueError",
                                       "  submissions: carol (Carol Oh, Dave Pu)"]


def test_review_flags_the_submissions_a_person_should_look_at(tmp_path):
    import_error = {"import_failed": {"vae.py": "importing hw/vae.py failed: SyntaxError: invalid syntax (vae.py, "
                                                "line 1) (vae.py, line 1: `def f(:`)"}}
    stood_in = {"own_stood_in": {"hw/plots.py": "OSError: no font (plots.py, line 3)"}}
    ran_out = Budget(20, 0.0).ran_out()
    folder = batch(tmp_path / "graded", {
        "alice": results([record("1.1", 3), record("1.2", 4), record("2.1", 2)], review={}),
        "bob": results([record("1.1", 0, "failed: vae.kl: importing hw/vae.py failed"), record("1.2", 0),
                        record("2.1", 0)], review=import_error),
        "carol": results([record("1.1", 3), record("1.2", 4), record("2.1", 2)], review=stood_in),
        "erin": results([record("1.1", 3), record("1.2", 0, ran_out), record("2.1", 0, ran_out)],
                        review={"not_graded": ["1.2", "2.1"]}),
        "frank": results_file.crash_results("The autograder failed while grading this submission (OSError: x)."),
        "gina": results([record("1.1", 0), record("1.2", 0), record("2.1", 0)],
                        review={"missing": ["gan.py"], "unwritten": ["1.1", "1.2", "2.1"],
                                "nothing_written": True}),
        "hank": results([record("1.1", 3), record("1.2", 0), record("2.1", 2)], review=import_error),
        "ghost": None,
    }, people={**PEOPLE, "gina": [("Gina Sa", "gina@example.edu", "107")],
               "hank": [("Hank Tu", "hank@example.edu", "108")]})
    paths, summary = write_report(folder)
    text = paths["review.txt"].read_text()
    assert ("Review: 7 submission(s) to look at (1 not graded, 1 grading failed, 1 files missing, 1 nothing written, "
            "2 import error, 1 own module stood in, 1 time budget ran out): review.txt") in summary
    assert "  bob (Bob Mu)\n      vae.py: importing hw/vae.py failed: SyntaxError: invalid syntax" in text
    assert "  carol (Carol Oh, Dave Pu)\n      hw/plots.py raised OSError: no font" in text
    assert "  erin (Erin Qi)\n      2 test(s) not graded: 1.2, 2.1" in text
    assert "  frank (Frank Ro)\n      The autograder failed while grading" in text
    assert "  ghost\n      no results.json" in text
    assert "  gina (Gina Sa)\n      gan.py" in text and "found nothing written (NotImplementedError, or names the files do not define): 1.1, 1.2, 2.1" in text
    assert "  hank (Hank Tu)\n      vae.py: importing" in text  # an import error is flagged whatever the total
    assert "alice" not in text


def test_feedback_is_what_the_student_reads_in_gradescopes_order(tmp_path):
    folder = batch(tmp_path / "graded", {"alice": results([
        record("2.1", 2), record("1.2", 1, "failed (values): elbo is off"), record("1.1", 3, visibility="hidden")],
        output="Graded hw/vae.py.\nScore: 6 / 9")})
    paths, _ = write_report(folder)
    assert (paths["feedback"] / "alice.txt").read_text() == (
        "Autograder Score: 6 / 9\n\nAutograder Output:\nGraded hw/vae.py.\nScore: 6 / 9\n\n"
        "1.2) elbo (vae.elbo) (1/4)\nfailed (values): elbo is off\n\n"
        "2.1) iwae (iwae.iwae) (2/2)\nAll checks passed.\n")


@pytest.mark.slow  # two reports through the command line, charts included
def test_a_batch_of_mixed_course_versions_is_refused_unless_asked(tmp_path, regraded):
    old, _ = regraded
    folder = batch(tmp_path / "graded", {"alice": results([record("1.1", 3)], course="a" * 64),
                                         "bob": results([record("1.1", 3)], course="a" * 64),
                                         "carol": results([record("1.1", 1)], course="b" * 64),
                                         "erin": results([record("1.1", 3)])})  # no provenance: not compared
    with pytest.raises(MixedCourses, match=r"2 versions of the course \(course aaaaaaaaaaaa: 2 \(alice, bob\); "
                                           r"course bbbbbbbbbbbb: 1 \(carol\)\)"):
        write_report(folder)
    refused = autograder("report", folder, "--against", old)
    assert refused.returncode == 1 and "--mixed" in refused.stderr, refused.stdout + refused.stderr
    process = autograder("report", folder, "--against", old, "--mixed")
    assert process.returncode == 0, process.stderr
    report = folder / "report"
    assert "  carol (Carol Oh, Dave Pu)\n      course " + "b" * 64 in (report / "review.txt").read_text()
    notes = {r["Name"]: r["Note"] for r in rows(report / "regrade.csv")}
    assert notes["Carol Oh"] == "graded by another course version (new batch)" and notes["Alice Ng"] == ""


def test_notices_sum_the_tests_hidden_from_students_without_naming_them(tmp_path):
    old = batch(tmp_path / "old", {"alice": results([record("1.1", 3), record("2.1", 2, visibility="hidden")])})
    new = batch(tmp_path / "new", {"alice": results([record("1.1", 1, "failed: kl is off"),
                                                     record("2.1", 0, "failed: iwae is off", visibility="hidden")])})
    paths, _ = write_report(new, tmp_path / "report", against=old, notices=True)
    alice = (paths["notices"] / "alice.txt").read_text()
    assert "1.1 kl (vae.kl): 3 → 1 of 3 points" in alice and "Tests not shown to students account for -2" in alice
    assert "iwae" not in alice


def test_the_score_chart_counts_in_whole_submissions():
    from autograder.workflows.report import scores_chart
    figure = scores_chart([3.5, 9, 9], 9)
    ticks = figure.axes[0].get_yticks()
    assert len(ticks) >= 2 and all(float(tick).is_integer() for tick in ticks)


def test_the_summary_says_whether_the_course_changed_between_the_batches(tmp_path):
    old = batch(tmp_path / "old", {"alice": results([record("1.1", 3)], course="a" * 64)})
    new = batch(tmp_path / "new", {"alice": results([record("1.1", 3)], course="b" * 64)})
    _, summary = write_report(new, tmp_path / "report", against=old)
    assert ("Regrade: no student's grade changed.\nProvenance: course aaaaaaaaaaaa → bbbbbbbbbbbb, points "
            "unchanged, engine unchanged.") in summary


def test_an_older_batch_json_takes_its_submitters_from_the_export(tmp_path):
    (tmp_path / "export" / "carol").mkdir(parents=True)
    metadata = {"carol": {":submitters": [{":name": "Carol Oh", ":email": "carol@example.edu", ":sid": 103}]}}
    (tmp_path / "export" / "submission_metadata.yml").write_text(yaml.safe_dump(metadata))
    folder = batch(tmp_path / "graded", {"carol": results([record("1.1", 3)]), "bob": results([record("1.1", 1)])})
    index = [{k: v for k, v in entry.items() if k != "people"} for entry in json.loads((folder / INDEX).read_text())]
    (folder / INDEX).write_text(json.dumps(index))  # as batch wrote it before it kept the fields apart
    paths, _ = write_report(folder)
    names = [(r["Name"], r["Email"], r["SID"]) for r in rows(paths["gradebook.csv"])]
    assert names == [("Carol Oh", "carol@example.edu", "103"), ("Bob Mu <bob@example.edu> (102)", "", "")]


def test_scores_count_students_and_pass_rates_count_submissions(tmp_path):
    """carol and dave hand in one submission (4 of 9): the scores count it for both students,
    the pass rates once; a submission without results counts for neither, and is said."""
    folder = batch(tmp_path / "graded", {
        "alice": results([record("1.1", 3), record("1.2", 4), record("2.1", 2)]),
        "carol": results([record("1.1", 0, "failed: kl is off"), record("1.2", 4), record("2.1", 0, "failed: x")]),
        "bob": results([record("1.1", 3), record("1.2", 0, "failed: elbo is off"), record("2.1", 2)]),
        "ghost": None})
    paths, summary = write_report(folder)
    # students: 9 (alice), 4 (carol), 4 (dave), 5 (bob): mean 5.5, median 4.5
    assert ("Scores by student (a group's score counts for each member): 4 students in 3 submissions, mean 5.5, "
            "sd 2.4, quartiles 4.0 / 4.5 / 6.0, min 4.0, max 9.0; 1 submission(s) without results (1 student(s)) "
            "not counted") in summary
    assert "Hardest tests (share of submissions with full marks): 1.1 kl 67%, 1.2 elbo 67%, 2.1 iwae 67%" in summary
    tests = [Column(number, name, points) for number, name, points in TESTS]
    tied = render_summary(load_batch(folder), tests, {"1.1": 0.5, "1.2": 0.5, "2.1": 1.0}, [], top=1)
    assert "Hardest tests (share of submissions with full marks, ties included): 1.1 kl 50%, 1.2 elbo 50%" in tied
    assert "Most frequent failures (submissions):" in summary
    rates = {r["test"]: r for r in rows(paths["pass_rates.csv"])}
    assert (rates["1.1"]["pass_rate"], rates["1.1"]["submissions_full_marks"], rates["1.1"]["submissions_graded"],
            rates["1.1"]["students_full_marks"], rates["1.1"]["students_graded"]) == ("0.667", "2", "3", "2", "4")
    assert (rates["1.2"]["students_full_marks"], rates["1.2"]["students_graded"]) == ("3", "4")
    from autograder.workflows import graded as graded_batch
    from autograder.workflows.report import scores_chart, student_scores
    scores, graded = student_scores(graded_batch.load(folder))
    assert sorted(scores) == [4, 4, 5, 9] and len(graded) == 3
    figure = scores_chart(scores, 9, len(graded))
    axes = figure.axes[0]
    assert axes.get_ylabel() == "students" and axes.get_title() == "Scores of 4 students (3 submissions)"


def test_upload_holds_only_what_a_score_import_keys_on(tmp_path):
    people = {**PEOPLE, "nobody": [], "again": [("Bob Mu", "BOB@example.edu", "102")],
              "ghost": [("Gil Ho", "gil@example.edu", "107")]}
    folder = batch(tmp_path / "graded", {
        "alice": results([record("1.1", 3), record("1.2", 1, "failed: elbo is off")]),
        "carol": results([record("1.1", 3), record("1.2", 4)]),
        "bob": results([record("1.1", 0, "failed: kl is off")]),
        "again": results([record("1.1", 3)]),  # bob's email on a second submission: which total is his?
        "nobody": results([record("1.1", 3)]),  # no metadata: no email to match
        "ghost": None}, people)
    paths, summary = write_report(folder)
    with open(paths["upload.csv"], newline="") as f:
        header, *body = list(csv.reader(f))
    assert header == ["Name", "Email", "SID", "Total Score"]
    assert body == [["Alice Ng", "alice@example.edu", "101", "4"], ["Carol Oh", "carol@example.edu", "103", "7"],
                    ["Dave Pu", "dave@example.edu", "104", "7"]]
    assert ("Upload: upload.csv holds 3 student(s), by email, with their total; left out: 1 without an email "
            "(nobody); 1 without results (gil@example.edu); 1 with an email on two submissions (bob@example.edu)") \
        in summary


def test_notices_go_only_to_students_whose_total_changed(tmp_path):
    """alice: points moved from 1.1 to 1.2 (3 + 1 → 1 + 3, the total stays 4); bob: a part's
    verdict flipped at the same points; carol and dave: the total went up."""
    old = batch(tmp_path / "old", {
        "alice": results([record("1.1", 3), record("1.2", 1, "failed: elbo is off")]),
        "bob": results([record("1.1", 0, "failed: kl", parts=[("values", 1.0, "failed"), ("gradients", 1.0, "held")])]),
        "carol": results([record("1.1", 1, "failed: kl")])})
    new = batch(tmp_path / "new", {
        "alice": results([record("1.1", 1, "failed: kl is off"), record("1.2", 3, "failed: elbo is off")]),
        "bob": results([record("1.1", 0, "failed: kl",
                               parts=[("values", 1.0, "failed"), ("gradients", 1.0, "failed")])]),
        "carol": results([record("1.1", 3)])})
    paths, summary = write_report(new, tmp_path / "report", against=old, notices=True)
    assert [p.name for p in paths["notices"].iterdir()] == ["carol.txt"]
    assert ("Notices: 1 in notices/, one per submission whose total changed; none for 2 submission(s) whose total "
            "stayed the same (tests' points moved or a part's verdict flipped: regrade.txt).") in summary
    text = paths["regrade.txt"].read_text()  # the staff still see every change
    assert "alice (Alice Ng): 4 → 4 (0)" in text and "bob (Bob Mu): 0 → 0 (0)" in text
