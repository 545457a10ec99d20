"""The student kit's check from inside a notebook: in a cell,

    from autograder_kit import check
    check("loss")      # or check(): every check the kit runs

The kit ships this file as ``autograder_kit/__init__.py``, beside ``check.py`` and ``.kit``
(build.py). It judges the functions as the live kernel defines them, saved or not: the inputs
the kernel ran, from IPython's history in the order it ran them, are written as a notebook
marked as a kernel's history (``HISTORY`` in its metadata: its cells are named by their
In [n]), and the kit's ``check.py --kernel`` grades that notebook in a process of its own,
whose worker runs the student's code. So the discovery, the notebook's conversion (which of
its statements run), the checks, parts, hints and points are those of ``python check.py`` on
a saved notebook, and of the grader. The kernel only hands over its history and prints the
report: nothing of the grading runs in it, and this module imports only the standard library.
"""
import dataclasses
import importlib
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

HISTORY = "autograder_kit_history"  # grader/notebook.py's HISTORY (this module imports nothing of the engine)
CHECK = "check.py"
HERE = Path(__file__).resolve().parent


@dataclasses.dataclass
class Report:
    """What ``check`` found: check.py's exit status (0 when every function checked here
    passes), its report, and a verdict per test ({test, label, points, status, detail,
    earned}; none where the check could not run)."""
    status: int
    text: str
    verdicts: list

    @property
    def passed(self):
        return self.status == 0

    def __repr__(self):
        counts = {}
        for verdict in self.verdicts:
            counts[verdict["status"]] = counts.get(verdict["status"], 0) + 1
        return f"<autograder_kit report: {', '.join(f'{n} {s}' for s, n in counts.items()) or 'no verdicts'}>"

    def _ipython_display_(self):
        """Nothing more in the notebook: ``check`` printed the report already."""


def check(name=None, kit=None, shell=None):
    """Run the kit's checks on the functions as this kernel defines them now, and print the
    report. ``name``: only the checks whose name or function contains it ("loss", or
    the function itself); ``kit``: the kit's folder (by default the one holding this
    package); ``shell``: the IPython shell (by default the running one). Returns a Report."""
    kit = Path(kit) if kit is not None else HERE.parent
    if not (kit / CHECK).is_file():
        raise RuntimeError(f"no {CHECK} in {kit}: autograder_kit works from inside the unzipped student kit, beside "
                           f"its {CHECK} and .kit folder")
    if name is not None and not isinstance(name, str):
        name = getattr(name, "__name__", None) or str(name)
    inputs = history(shell)
    print(f"Checking {f'the checks of {name!r}' if name else 'every check'} on this kernel's functions, in a process "
          "of its own (about as long as python check.py takes)…", flush=True)
    with tempfile.TemporaryDirectory(prefix="autograder_kit-") as scratch:
        notebook, out = Path(scratch) / "kernel.ipynb", Path(scratch) / "verdicts.json"
        notebook.write_text(json.dumps(as_notebook(inputs), indent=1))
        command = [sys.executable, str(kit / CHECK), str(notebook), "--kernel", "--json", str(out),
                   *(["-k", name] if name else [])]
        done = subprocess.run(command, capture_output=True, text=True, cwd=os.getcwd())
        found = json.loads(out.read_text()) if out.is_file() else None
    if found is None:  # check.py did not finish (a missing package, an unknown name): what it said
        report = Report(done.returncode, (done.stdout + done.stderr).strip() or f"{CHECK} exited {done.returncode}",
                        [])
    else:
        report = Report(found["status"], found["text"], found["verdicts"])
    print(report.text, flush=True)
    return report


def history(shell=None):
    """[(n, the source of In [n])] of the inputs the kernel ran, in the order it ran them,
    as they were typed (magics and shell lines as written: the conversion leaves them out)."""
    if shell is None:
        try:  # the running shell, or None outside one
            shell = importlib.import_module("IPython").get_ipython()
        except ImportError:
            shell = None
    if shell is None:
        raise RuntimeError("check() judges what a Jupyter (IPython) kernel defines, so it runs in a notebook's cell; "
                           f"elsewhere run python {CHECK} on your saved notebook")
    typed = list(shell.history_manager.input_hist_raw)  # [0] is "": In [n] is typed[n]
    return [(number, typed[number]) for number in range(1, len(typed))]


def as_notebook(inputs):
    """A notebook (nbformat 4, as JSON data) of the kernel's ``inputs``: a code cell per
    input, its execution count its In [n], marked as a kernel's history."""
    cells = [{"cell_type": "code", "id": f"in-{number}", "metadata": {}, "execution_count": number, "outputs": [],
              "source": source} for number, source in inputs]
    return {"cells": cells, "metadata": {HISTORY: True}, "nbformat": 4, "nbformat_minor": 5}
