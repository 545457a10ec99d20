"""Reference solution of the deep-generative-models assignment.

One module per part of the assignment contract, the course's handout (``../ASSIGNMENT.md``,
at the course's root); every public name is the one a student implements. Submissions are
graded against these functions.
"""
