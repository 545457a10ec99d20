import sys

from .cli import run_autograder

sys.exit(run_autograder())
