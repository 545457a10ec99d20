"""Student kits for the tests: built as an instructor builds them, run as a student runs
them, and compared part by part with the grader on the same public seed."""
import ast
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

from autograder import course as courses
from autograder.kit.build import KIT
from autograder.kit.record import PUBLIC_SEED
from autograder.verify import grading
from autograder.verify.kit import compare, kit_tests
from tests.submissions import ROOT, autograder


def unpacked_kit(folder, course=None, assignment=None):
    """``autograder student-kit`` into ``folder/kit.zip``, unpacked in ``folder/kit``."""
    folder = Path(folder)
    args = [*(["--course", course] if course else []), *(["--assignment", assignment] if assignment else [])]
    process = autograder("student-kit", *args, "--output", folder / "kit.zip")
    assert process.returncode == 0, process.stdout + process.stderr
    with zipfile.ZipFile(folder / "kit.zip") as archive:
        archive.extractall(folder / "kit")
    return folder / "kit"


def check(kit, *args, cwd=None, without=()):
    """``python check.py ARGS`` in ``cwd`` (the kit by default), with nothing of this project
    on the path, and none of the modules ``without`` importable: the completed process."""
    argv = [str(Path(kit) / "check.py"), *map(str, args)]
    command = [sys.executable, *argv] if not without else [  # a module set to None in sys.modules does not import
        sys.executable, "-c", f"import runpy, sys; sys.modules.update(dict.fromkeys({list(without)!r})); "
                              f"sys.argv = {argv!r}; runpy.run_path({argv[0]!r}, run_name='__main__')"]
    return subprocess.run(command, cwd=cwd or kit, capture_output=True, text=True, timeout=600,
                          env={"PATH": "/usr/bin:/bin", "HOME": os.environ.get("HOME", "/tmp")})


def not_required(kit):
    """The engine's dependencies that the kit's requirements.txt leaves out (their import
    names are their own)."""
    pinned = re.search(r"^dependencies = \[(.*?)\]", (ROOT / "pyproject.toml").read_text(), re.S | re.M).group(1)
    required = {re.split(r"[<>=!~ ]", line)[0] for line in (Path(kit) / "requirements.txt").read_text().splitlines()}
    return sorted({re.split(r"[<>=!~ ]", pin)[0] for pin in re.findall(r'"([^"]+)"', pinned)} - required)


def disagreements(folder, course, kit):
    """([(test, part, the grader's verdict, the kit's)], parts the kit left unchecked) for
    ``folder``, graded by ``course``'s grader and by its unpacked ``kit`` on the public seed:
    the comparison `autograder validate --kit` makes (autograder/verify/kit.py)."""
    kit_course = courses.load(Path(kit) / KIT / "course")
    tests = kit_tests(kit_course)
    by_grader, by_kit = (grading.grade(grading.Job(Path(folder), courses.load(c).manifest, (PUBLIC_SEED,),
                                                   tests=tests, recorded=recorded))[0]
                         for c, recorded in ((course, False), (kit_course, True)))
    parity = compare(str(folder), by_grader.parts, by_kit.parts)
    return list(parity.differ), list(parity.unchecked)


def solution_lines(reference):
    """The lines of the reference's ``# SOLUTION`` blocks (a marker to the end of its
    function) long enough to be its own: shorter ones are idioms any code may hold."""
    found = set()
    for path in Path(reference).rglob("*.py"):
        lines = path.read_text().splitlines()
        for node in ast.walk(ast.parse("\n".join(lines))):
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                body = lines[node.lineno - 1:node.end_lineno]
                start = next((i for i, line in enumerate(body) if line.strip() == "# SOLUTION"), None)
                if start is not None:
                    found |= {line.strip() for line in body[start + 1:] if len(line.strip()) >= 24}
    return found


def leaks(kit, secrets):
    """{kit file: the secrets its text holds}, over every text file of the kit."""
    found = {}
    for path in Path(kit).rglob("*"):
        if path.is_file() and path.suffix in (".py", ".md", ".yaml", ".json", ".txt"):
            text = path.read_text()
            held = [secret for secret in secrets if secret in text]
            if held:
                found[str(path.relative_to(kit))] = held[:3]
    return found
