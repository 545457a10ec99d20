"""Trusted grading engine: never imports student code."""

# the secret input seed's environment variable: a seed given there stays off the command
# line, which other users of the machine can read (cli.py reads it, workflows/batch.py sets it)
SEED_VARIABLE = "AUTOGRADER_SEED"
