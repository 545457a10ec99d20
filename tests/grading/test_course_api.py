"""Course code talks to the engine through one module, autograder.api: checks, helpers and
calibration scripts import nothing else of it, and worker plugins import none of it."""
import ast

import pytest

from autograder import api
from autograder.workflows.scaffold import new_course
from tests.submissions import ROOT

COURSES = [ROOT, ROOT / "courses" / "cs236-hw2", ROOT / "tests" / "courses" / "tiny"]


def course_files(course):
    files = sorted((course / "checks").rglob("*.py")) + sorted(course.glob("calibrate*.py"))
    if course == ROOT:
        files.append(ROOT / "benchmarks" / "calibrate_training.py")
    return files


def engine_imports(path):
    """The autograder modules a file imports, and the names it imports from them."""
    found = []
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            found += [(alias.name, None) for alias in node.names if alias.name.split(".")[0] == "autograder"]
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] == "autograder":
            found += [(node.module, alias.name) for alias in node.names]
    return found


@pytest.fixture(scope="module")
def new_course_folder(tmp_path_factory):
    folder = tmp_path_factory.mktemp("course") / "example"
    new_course(folder)
    return folder


def test_course_code_imports_only_the_api(new_course_folder):
    offending = {}
    for course in [*COURSES, new_course_folder]:
        for path in course_files(course):
            bad = [(module, name) for module, name in engine_imports(path)
                   if module != "autograder.api" or (name is not None and name not in api.__all__)]
            if bad:
                offending[str(path)] = bad
    assert offending == {}


def test_worker_plugins_import_nothing_of_the_engine():
    for course in COURSES:
        plugin = course / "checks" / "plugin.py"
        if plugin.exists():
            assert engine_imports(plugin) == [], plugin


def test_every_name_of_the_api_exists_and_is_documented():
    reference = (ROOT / "docs" / "api.md").read_text()
    for name in api.__all__:
        assert hasattr(api, name), name
        assert f"`{name}" in reference, f"docs/api.md does not describe {name}"


def test_a_worker_plugin_gets_the_documented_namespace_and_nothing_else():
    """An operation's ``session.api`` is the plugin namespace, not a module of the engine:
    exactly the names docs/api.md describes for plugins."""
    import dataclasses

    from autograder.worker import probes

    namespace = probes.Session({}).api
    names = [field.name for field in dataclasses.fields(namespace)]
    assert names == ["set_parameter", "PlainSGD", "PlainAdam"]
    plugins = (ROOT / "docs" / "api.md").read_text().partition("## Worker plugins")[2]
    for name in names:
        assert f"`{name}" in plugins, f"docs/api.md does not describe session.api.{name}"
    with pytest.raises(dataclasses.FrozenInstanceError):
        namespace.PlainSGD = None
