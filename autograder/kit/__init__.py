"""The student kit: the grader's own grading on a public seed, with the reference's answers
recorded for that seed in place of the reference (record.py, replay.py); the zip students
download (build.py) and its ``check.py`` (selfcheck.py)."""

from ..grader.discovery import CHECK, KIT, is_kit_file  # the kit's layout, which a grading leaves out

__all__ = ["CHECK", "KIT", "is_kit_file"]
