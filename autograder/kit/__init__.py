"""The student kit: the grader's own grading on a public seed, with the reference's answers
recorded for that seed in place of the reference (record.py, replay.py); the zip students
download (build.py) and its ``check.py`` (selfcheck.py)."""
