"""The student kit: the grader's own grading on a public seed, with the reference's answers
recorded for that seed in place of the reference (record.py, replay.py); the zip students
download (build.py) and its ``check.py`` (selfcheck.py)."""

KIT, CHECK = ".kit", "check.py"  # the kit's folder (the engine, the course's checks) and its launcher beside it


def is_kit_file(path):
    """Whether ``path`` is the kit's own and not the student's: its launcher, beside its folder
    (the folder is a dot-folder, which no grading reads), so that no grading lists or stages it."""
    return path.name == CHECK and (path.parent / KIT).is_dir()
