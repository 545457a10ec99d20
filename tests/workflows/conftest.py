import os
import subprocess
import sys

from tests.submissions import ROOT


def autograder(*args, timeout=900, cwd=None):
    """The console script, as a user runs it."""
    return subprocess.run([sys.executable, "-m", "autograder.cli", *map(str, args)], capture_output=True, text=True,
                          timeout=timeout, cwd=cwd, env={**os.environ, "PYTHONPATH": str(ROOT)})
