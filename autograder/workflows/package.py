"""The two archives a course hands out: Gradescope's autograder.zip and the student kit.

autograder.zip holds what Gradescope needs to grade (``setup.sh`` and ``run_autograder``
at its root, the engine, the assignment file, the reference and its data) and nothing
of the project's own tests. The student kit holds the template, the public cases and the
self-check, and nothing of the reference but what the template shows.
"""
import fnmatch
import tempfile
import zipfile
from pathlib import Path

from ..kit import public_cases

ROOT = Path(__file__).resolve().parent.parent.parent
AUTOGRADER_FILES = ["setup.sh", "run_autograder", "pyproject.toml", "README.md", "autograder", "reference"]
NEVER = ["__pycache__", "*.pyc", ".*", "*.egg-info"]
KIT_CHECKER = {name: ROOT / "autograder" / "worker" / name for name in ("probes.py", "selfcheck.py", "closeness.py")}
KIT_LAUNCHER = '''"""Run the public checks on your files: python check.py  (python check.py --help)"""
import sys
from pathlib import Path

from checker.selfcheck import main

sys.exit(main(default_folder=Path(__file__).resolve().parent))
'''


def _walk(path):
    if any(fnmatch.fnmatch(path.name, pattern) for pattern in NEVER):
        return
    if path.is_dir():
        for child in sorted(path.iterdir()):
            yield from _walk(child)
    else:
        yield path


def _zip(entries, target):
    """Write {name in archive: source path or text} as a zip; executables stay executable."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, source in sorted(entries.items()):
            if isinstance(source, Path):
                info = zipfile.ZipInfo.from_file(source, name)
                info.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(info, source.read_bytes())
            else:
                archive.writestr(name, source)
    return target


def build_autograder(target="autograder.zip", assignment=None):
    """Gradescope's autograder.zip; ``assignment`` replaces the bundled assignment file."""
    entries = {}
    for top in AUTOGRADER_FILES:
        for path in _walk(ROOT / top):
            entries[str(path.relative_to(ROOT))] = path
    if assignment is not None:
        entries["autograder/assignment.yaml"] = Path(assignment)
    return _zip(entries, target)


def build_student_kit(target="student_kit.zip", assignment=None):
    """The student kit: the template, ``check.py`` and the public cases."""
    entries = {path.name: path for path in sorted((ROOT / "student_template").iterdir()) if path.is_file()}
    entries.update({f"checker/{name}": path for name, path in KIT_CHECKER.items()})
    entries["checker/__init__.py"] = '"""The public self-check of the assignment."""\n'
    entries["check.py"] = KIT_LAUNCHER
    with tempfile.TemporaryDirectory() as scratch:
        public_cases.save(public_cases.record(assignment_path=assignment), scratch,
                          public_cases.answer_keys())
        for name in (public_cases.INDEX, public_cases.ARRAYS):
            entries[f"checker/{name}"] = (Path(scratch) / name).read_bytes()
        return _zip(entries, target)


def unpack(archive, folder):
    """Unpack keeping the executable bits (``shutil.unpack_archive`` drops them)."""
    with zipfile.ZipFile(archive) as opened:
        for info in opened.infolist():
            path = Path(opened.extract(info, folder))
            mode = info.external_attr >> 16
            if mode:
                path.chmod(mode & 0o777)
    return Path(folder)

