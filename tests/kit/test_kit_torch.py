"""The kit installs on a torch within a range (build.KIT_TORCH), so that a torch already
installed in it (Colab's) is kept, while the grader pins one; and a kit run on a torch that
draws the checks' random inputs otherwise than the recording torch says so, and which torch
to install."""
import json

from autograder import course as courses
from autograder.kit import build, record, selfcheck


def test_the_kit_installs_torch_within_a_range_and_the_grader_pins_it():
    pinned = dict(build.requirements(courses.load(None)))
    assert "torch>=2.3,<3" in pinned and not any(pin.startswith("torch==") for pin in pinned)
    pyproject = (build.ROOT / "pyproject.toml").read_text()
    assert '"torch==2.13.0"' in pyproject  # the grader's image: the exact torch


def test_a_torch_drawing_other_inputs_is_named_with_the_one_to_install(tmp_path):
    made = record.draws()
    assert record.changed_draws(made) == (made["torch"], []) and record.changed_draws(None) == (None, [])
    other = {"torch": "2.13.0+cpu", "kinds": {**made["kinds"], "normal": "0" * 16}}
    (tmp_path / record.SCOPE).write_text(json.dumps({"left_out": {}, "draws": other}))
    [line] = selfcheck.other_torch(tmp_path)
    assert "draws other random inputs (normal) than the torch the kit's answers were recorded with (2.13.0+cpu)" in line
    assert line.endswith("pip install torch==2.13.0")
    (tmp_path / record.SCOPE).write_text(json.dumps({"left_out": {}, "draws": made}))
    assert selfcheck.other_torch(tmp_path) == []


def test_the_readme_says_which_torch_grades_and_which_the_kit_takes():
    bundled = courses.load(None)
    from autograder.grader import assignment as assignment_file

    files = {str(p.relative_to(bundled.template)): p for p in bundled.template.rglob("*") if p.is_file()}
    text = build.readme(bundled, assignment_file.load(bundled.manifest, bundled), files)
    assert "- `torch>=2.3,<3`: runs your code" in text
    assert ("Gradescope runs torch 2.13.0; the kit takes any torch in `>=2.3,<3`, so `pip install -r "
            "requirements.txt` keeps a torch already installed in that range (Colab's)") in text
