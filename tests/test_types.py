"""The engine type-checks: mypy over ``autograder/`` with the configuration in pyproject.toml,
the core modules under every flag of mypy's --strict. mypy is a development dependency
(``setup.sh --dev``); its cache is the project's ``.mypy_cache`` (ignored by git), so that a
second run checks only what changed."""
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CONFIG = ROOT / "pyproject.toml"


def _config():
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10: mypy's own dependency reads it there
        import tomli as tomllib
    return tomllib.loads(CONFIG.read_text())["tool"]["mypy"]


@pytest.mark.slow  # about a minute without a cache (torch's own annotations are read), seconds with one
def test_the_engine_type_checks(monkeypatch):
    from mypy import api

    monkeypatch.chdir(ROOT)  # the configuration's ``files`` and the report's paths are the project's
    stdout, stderr, status = api.run(["--config-file", str(CONFIG), "--cache-dir", str(ROOT / ".mypy_cache"),
                                      "--no-color-output", "--no-error-summary"])
    report = "\n".join(part for part in (stdout, stderr) if part.strip())
    assert status == 0 and not report.strip(), f"mypy found errors:\n{report}"


def test_the_core_modules_are_checked_with_every_strict_flag():
    """"strict = true" cannot be set for some modules only (in an override it turns strict
    mode on for all), so the core modules' override names the flags: every flag --strict
    sets, each set there or (the global ones) for the whole package."""
    from mypy.main import define_options
    from mypy.options import PER_MODULE_OPTIONS

    config = _config()
    strict = next(o for o in config["overrides"] if "autograder.grader.parts" in o["module"])
    _, _, flags = define_options()
    missing = [f"{dest} = {str(value).lower()}" for dest, value in flags
               if (strict if dest in PER_MODULE_OPTIONS else config).get(dest) is not value]
    assert not missing, f"pyproject.toml's strict override (or [tool.mypy]) lacks: {', '.join(missing)}"
    assert "strict" not in strict and all("strict" not in o for o in config["overrides"])
    assert all(Path(ROOT, *name.split(".")).with_suffix(".py").is_file() for name in strict["module"]), \
        "the strict override names a module that does not exist"
