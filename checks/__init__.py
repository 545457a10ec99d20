"""The grading checks: pytest tests run in the trusted process by the grader.

Each test takes the ``grader`` fixture (autograder.api): it calls contract functions on
the submission in the worker and the reference here with the same inputs, compares what
came back, and earns the share of its parts. Points, numbers and visibility come from
``course.yaml``.
"""
