"""Finding a submission's files, the course manifest's rules, and the template's sync."""
import ast
import inspect
import json

import pytest
import yaml

from autograder import course as courses
from autograder import template
from autograder.grader import assignment
from autograder.grader.discovery import discover
from autograder.grader.notebook import notebook_to_module
from tests.submissions import MODULES, REFERENCE, reference_submission

BUNDLED = courses.load()


def test_modules_found_at_any_depth_shallowest_wins(tmp_path):
    reference_submission(tmp_path, nested="a/b/c")
    (tmp_path / "a" / "b" / "c" / "d").mkdir()
    (tmp_path / "a" / "b" / "c" / "d" / "vae.py").write_text("# a stray copy")
    (tmp_path / "__MACOSX" ).mkdir()
    (tmp_path / "__MACOSX" / "gan.py").write_text("junk")
    (tmp_path / "a" / ".ipynb_checkpoints").mkdir()
    (tmp_path / "a" / ".ipynb_checkpoints" / "iwae.py").write_text("junk")
    found = discover(tmp_path, BUNDLED)
    assert set(found.modules) == set(MODULES)
    assert found.modules["vae"] == tmp_path / "a/b/c/vae.py"
    assert found.answers == tmp_path / "a/b/c/answers.yaml"
    assert any("Ignored a/b/c/d/vae.py" in note for note in found.notes)


def test_notebook_keeps_definitions_and_the_cheap_assignments_they_read(tmp_path):
    cells = ["import torch\n%matplotlib inline", "def f(x):\n    return x + 1", "f(2)\nprint('hi')",
             "N = 3\nSCALE = torch.ones(2)\nmodel = train()", "@torch.no_grad()\ndef g():\n    return SCALE",
             "def broken(:\n    pass", "class A:\n    pass\nfor i in range(10):\n    pass"]
    notebook = {"cells": [{"cell_type": "code", "id": str(i), "metadata": {}, "outputs": [], "execution_count": None,
                           "source": c} for i, c in enumerate(cells)], "metadata": {}, "nbformat": 4,
                "nbformat_minor": 5}
    path = tmp_path / "hw.ipynb"
    path.write_text(json.dumps(notebook))
    converted = notebook_to_module(path)
    tree = ast.parse(converted.source)
    kept = [type(node).__name__ for node in tree.body]
    assert kept == ["Import", "FunctionDef", "Assign", "FunctionDef", "ClassDef"]
    assert "train()" not in converted.source and "N = 3" not in converted.source  # nothing reads N
    assert "print" not in converted.source and "@torch.no_grad()" in converted.source
    assert any("cell 6 has a syntax error" in note for note in converted.notes)


def _edited_manifest(tmp_path, edit):
    """The bundled manifest, edited, written where its relative paths still resolve."""
    raw = yaml.safe_load(BUNDLED.manifest.read_text())
    edit(raw)
    path = BUNDLED.root / f".test-{tmp_path.name}.yaml"
    path.write_text(yaml.safe_dump(raw, sort_keys=False))
    return path


@pytest.fixture
def manifest_path(tmp_path):
    made = []

    def make(edit):
        made.append(_edited_manifest(tmp_path, edit))
        return made[-1]
    yield make
    for path in made:
        path.unlink()


def _line_of(path, text):
    return next(n for n, line in enumerate(path.read_text().splitlines(), 1) if text in line)


def test_points_must_add_up(manifest_path):
    path = manifest_path(lambda raw: raw["problems"][0]["tests"]["test_elbo"].update(points=5))
    with pytest.raises(assignment.AssignmentError, match=f":{_line_of(path, 'total:')}: the tests' points add up to 101"):
        assignment.load(path, courses.load(path))


def test_a_typo_in_covers_names_its_line_and_the_likely_name(manifest_path):
    path = manifest_path(lambda raw: raw["problems"][0]["tests"]["test_elbo"].update(covers=["vae.elb"]))
    with pytest.raises(assignment.AssignmentError) as error:
        assignment.load(path, courses.load(path))
    assert f":{_line_of(path, 'vae.elb')}: test_elbo covers `vae.elb`" in str(error.value)
    assert "did you mean `vae.elbo`" in str(error.value)


def test_a_listed_test_without_a_check_names_its_line(manifest_path):
    path = manifest_path(lambda raw: raw["problems"][0]["tests"].update(test_elbo_typo={"points": 0, "covers": ["vae.elbo"]}))
    with pytest.raises(assignment.AssignmentError, match=f":{_line_of(path, 'test_elbo_typo')}: no check named test_elbo_typo"):
        assignment.load(path, courses.load(path))


@pytest.mark.parametrize("edit, words", [
    (lambda raw: raw["problems"][0]["tests"]["test_elbo"].update(visibility="public"), "'public' is not one of"),
    (lambda raw: raw["problems"][0]["tests"]["test_elbo"].update(pionts=4), "'pionts' was unexpected"),
    (lambda raw: raw["sandbox"].update(memory_mb="lots"), "'lots' is not of type 'integer'"),
    (lambda raw: raw["student"].update(files=["vae"]), "does not match"),
])
def test_schema_errors_name_the_line(manifest_path, edit, words):
    path = manifest_path(edit)
    with pytest.raises(courses.CourseError) as error:
        courses.load(path)
    assert words in str(error.value) and f"{path}:" in str(error.value)


def test_bundled_course_covers_every_contract_name():
    loaded = assignment.load(BUNDLED.manifest, BUNDLED)
    covered = {name for spec in loaded.tests.values() for name in spec.covers}
    for module in MODULES:
        source = ast.parse((REFERENCE / f"{module}.py").read_text())
        public = {node.name for node in source.body if isinstance(node, (ast.FunctionDef, ast.ClassDef))}
        for name in public:
            if name.isupper():
                continue
            assert f"{module}.{name}" in covered, f"{module}.{name} has no test"
    assert sum(spec.points for spec in loaded.tests.values()) == 100


def test_committed_template_matches_the_generator():
    assert template.drift(BUNDLED) == [], "run: autograder template"


@pytest.mark.parametrize("module", MODULES)
def test_template_signatures_match_the_reference(module):
    namespace = {}
    exec(compile(template.render(BUNDLED)[f"{module}.py"], module, "exec"), namespace)  # our own generated stubs
    reference = __import__(f"reference.{module}", fromlist=["x"])
    for name, obj in vars(reference).items():
        if inspect.isfunction(obj) and obj.__module__ == reference.__name__:
            assert inspect.signature(namespace[name]) == inspect.signature(obj), name
            assert namespace[name].__doc__ == obj.__doc__


def test_a_zipped_submission_is_graded_from_the_zip(tmp_path):
    import zipfile

    reference_submission(tmp_path / "src", nested="hw3")
    (tmp_path / "sub").mkdir()
    with zipfile.ZipFile(tmp_path / "sub" / "hw3.zip", "w") as z:
        for path in (tmp_path / "src").rglob("*"):
            if path.is_file():
                z.write(path, str(path.relative_to(tmp_path / "src")))
        z.writestr("../../escape.py", "x = 1")  # a path that leaves the folder lands inside it
    found = discover(tmp_path / "sub", BUNDLED)
    try:
        assert set(found.modules) == set(MODULES) and found.answers is not None
        assert found.unpacked is not None and found.modules["vae"].is_relative_to(found.unpacked)
        assert (found.unpacked / "escape.py").exists() and not (tmp_path / "escape.py").exists()
        assert "Graded the files inside hw3.zip." in found.notes
    finally:
        found.remove_unpacked()
    assert not found.unpacked.exists()


def test_a_zip_bomb_stops_at_the_cap(tmp_path, monkeypatch):
    import zipfile

    from autograder.grader import discovery

    monkeypatch.setattr(discovery, "MAX_ZIP_BYTES", 1 << 20)
    (tmp_path / "sub").mkdir()
    with zipfile.ZipFile(tmp_path / "sub" / "bomb.zip", "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("vae.py", b"#" * (8 << 20))
    found = discover(tmp_path / "sub", BUNDLED)
    found.remove_unpacked()
    assert any("unpacks to more than 1 MB" in note for note in found.notes)


def test_a_package_course_prefers_copies_inside_its_package(tmp_path):
    """CS236: the whole homework folder uploaded, with other files named like the student's
    beside the package (a shallower utils.py, a notebook's models/vae.py)."""
    cs236 = courses.load(courses.BUNDLED / "courses" / "cs236-hw2")
    (tmp_path / "hw2" / "deep" / "codebase" / "models").mkdir(parents=True)
    (tmp_path / "hw2" / "models").mkdir(parents=True)
    for relative in ("hw2/utils.py", "hw2/models/vae.py", "hw2/deep/codebase/utils.py",
                     "hw2/deep/codebase/models/vae.py"):
        (tmp_path / relative).write_text("x = 1\n")
    (tmp_path / "xcs" / "src" / "submission" / "models").mkdir(parents=True)
    (tmp_path / "xcs" / "src" / "submission" / "models" / "gmvae.py").write_text("x = 1\n")
    found = discover(tmp_path, cs236)
    assert found.modules["utils"] == tmp_path / "hw2" / "deep" / "codebase" / "utils.py"
    assert found.modules["models.vae"] == tmp_path / "hw2" / "deep" / "codebase" / "models" / "vae.py"
    assert found.modules["models.gmvae"].parent.parent.name == "submission"  # an alias's folder counts
    assert any("Ignored hw2/utils.py" in note for note in found.notes)


def test_the_students_own_modules_are_found_and_nothing_that_would_hide_an_installed_one(tmp_path):
    cs236 = courses.load(courses.BUNDLED / "courses" / "cs236-hw2")
    package = tmp_path / "hw2" / "codebase"
    (package / "models" / "nns").mkdir(parents=True)
    for relative in ("utils.py", "models/vae.py", "models/gmvae.py", "models/ssvae.py", "debug.py", "models/mine.py",
                     "models/nns/v1.py", "train.py"):
        (package / relative).write_text("x = 1\n")
    for beside in ("run_vae.py", "torch.py", "numpy.py", "my-notes.py"):
        (tmp_path / "hw2" / beside).write_text("x = 1\n")
    (package / "big.py").write_text("#" * (600 << 10))
    found = discover(tmp_path, cs236)
    assert set(found.extras) == {"debug.py", "models/mine.py"}
    assert set(found.beside) == {"run_vae.py"}
    notes = "\n".join(found.notes)
    assert "The course's own copies replace your hw2/codebase/train.py, hw2/codebase/models/nns/v1.py" in notes
    assert "hw2/torch.py (its name would hide the module torch)" in notes and "numpy" in notes
    assert "hw2/codebase/big.py (larger than 512 KB)" in notes


def test_files_uploaded_without_their_folders_are_placed_by_name(tmp_path):
    cs236 = courses.load(courses.BUNDLED / "courses" / "cs236-hw2")
    for name in ("utils.py", "vae.py", "gmvae.py", "ssvae.py", "helper.py"):
        (tmp_path / name).write_text("x = 1\n")
    found = discover(tmp_path, cs236)
    assert found.modules == {"utils": tmp_path / "utils.py", "models.vae": tmp_path / "vae.py",
                             "models.gmvae": tmp_path / "gmvae.py", "models.ssvae": tmp_path / "ssvae.py"}
    assert "Graded vae.py as models/vae.py (it was uploaded without its folders)." in found.notes
    assert set(found.extras) == {"helper.py"}
