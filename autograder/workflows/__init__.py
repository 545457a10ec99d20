"""Instructor and student workflows on top of the grader: batch, report, build, kit."""
