"""The grading checks: pytest tests run in the trusted process by the grader.

Each test calls contract functions through the ``remote`` fixture (the submission in
the worker and the reference here, same inputs) and compares what came back. Points,
numbers and visibility come from ``assignment.yaml``.
"""
