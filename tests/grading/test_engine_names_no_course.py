"""The engine names no course: none of its folders (grader/, sandbox/, worker/, kit/,
workflows/, verify/, data/) contains a module,
function, class, answer, symbol or plugin name of any course the project holds."""
import ast
import re
from pathlib import Path

import pytest
import torch

from autograder import course as courses

ENGINE = Path(courses.__file__).resolve().parent
ENGINE_FOLDERS = ("grader", "sandbox", "worker", "kit", "workflows", "verify", "data")
ROOT = Path(__file__).resolve().parent.parent.parent
COMMON = {"utils", "models", "loss", "hw3"}  # words of every PyTorch codebase, and the generic homework the docs name
COURSES = [courses.BUNDLED, ROOT / "tests" / "courses" / "tiny", ROOT / "tests" / "courses" / "notebook",
           ROOT / "courses" / "cs236-hw2"]


def course_names(course):
    """Identifiers that belong to ``course``: its modules (each dotted part), its functions,
    classes and methods (but the torch.nn.Module API they override), its answer keys and
    symbols (four letters or more: one-letter symbols are everyone's), its plugin's
    operations and network kinds; less the words of every PyTorch codebase."""
    names = {part for module in course.modules for part in module.split(".")}
    names |= {name.split(".")[-1] for name in course.functions() if not hasattr(torch.nn.Module, name.split(".")[-1])}
    names |= {part for key in course.answer_names() for part in key.split(".") if len(part) >= 4}
    names |= {symbol for symbol in course.symbols if len(symbol) >= 4} | set(course.choices)
    names |= plugin_names(course.plugin)
    return names - COMMON


def plugin_names(path):
    """The keys of a plugin's OPS and NETWORKS, read without importing it (another course's
    `checks` package must not replace this process's)."""
    if path is None:
        return set()
    names = set()
    for node in ast.parse(path.read_text()).body:
        if isinstance(node, ast.Assign) and any(getattr(t, "id", None) in ("OPS", "NETWORKS") for t in node.targets):
            names |= {key.value for key in getattr(node.value, "keys", []) if isinstance(key, ast.Constant)}
    return names


def hits(root, names):
    """(file, line number, name) of every whole-word occurrence in the engine's folders."""
    pattern = re.compile(r"\b(" + "|".join(map(re.escape, sorted(names))) + r")\b")
    found = []
    for folder in ENGINE_FOLDERS:
        for path in sorted((Path(root) / folder).rglob("*.py")):
            for number, line in enumerate(path.read_text().splitlines(), 1):
                found += [(str(path.relative_to(root)), number, m) for m in pattern.findall(line)]
    return found


@pytest.mark.parametrize("folder", COURSES, ids=lambda p: p.name)
def test_engine_names_no_course(folder):
    course = courses.load(folder)
    names = course_names(course)
    assert len(names) >= 3  # the extraction found the course's names (the smallest has 3)
    assert hits(ENGINE, names) == []
