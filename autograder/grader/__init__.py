"""Trusted grading engine: never imports student code."""
