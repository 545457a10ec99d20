"""The two archives a course hands out: Gradescope's autograder.zip and the student kit.

autograder.zip holds what Gradescope needs to grade one course: ``setup.sh`` and
``run_autograder`` at its root, the engine, and the course laid out as the bundled one
is (its manifest, reference, checks, plugin, scaffold and data), so that it is the default
course there; nothing of the project's own tests or of another course. The student kit
holds the template, the public cases and the self-check, and nothing of the reference
but what the template shows.
"""
import fnmatch
import json
import tempfile
import zipfile
from pathlib import Path

from .. import course as courses
from ..kit import public_cases
from ..worker import protocol

ROOT = Path(__file__).resolve().parent.parent.parent
ENGINE_FILES = ["setup.sh", "run_autograder", "pyproject.toml", "README.md", "autograder"]
TORCH_WHEELS = {"cpu": "cpu", "cuda": "default"}  # setup.sh's names: PyPI's Linux wheel is the CUDA build
NEVER = ["__pycache__", "*.pyc", ".*", "*.egg-info"]
KIT_CHECKER = {name: ROOT / "autograder" / "worker" / name
               for name in ("probes.py", "protocol.py", "served.py", "selfcheck.py", "closeness.py")}
KIT_LAUNCHER = '''"""Run the public checks on your files: python check.py  (python check.py --help)"""
import sys
from pathlib import Path

if sys.version_info < (3, 10):
    sys.exit(f"check.py needs Python 3.10 or newer, with torch, numpy and pyyaml; this is {sys.version.split()[0]}")

from checker.selfcheck import main  # noqa: E402

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


def _course_files(course):
    """{path in the archive: source} of a course, relative to its folder."""
    entries = {courses.MANIFEST: course.manifest}
    for part in [course.reference, course.checks, course.answer_key, *course.data]:
        if part is None:
            continue
        for path in _walk(part):
            entries[str(path.relative_to(course.root))] = path
    return entries


def build_autograder(target="autograder.zip", course=None, assignment=None, torch="cpu"):
    """Gradescope's autograder.zip for ``course`` (the bundled one by default);
    ``assignment`` replaces the course's grading policy; ``torch`` ("cpu" or "cuda") is
    the torch build setup.sh installs there."""
    course = courses.load(course)
    entries = {str(path.relative_to(ROOT)): path for top in ENGINE_FILES for path in _walk(ROOT / top)}
    entries.update(_course_files(course))
    if (course.root / "README.md").is_file():  # the course's own, for whoever opens the zip
        entries["README.md"] = course.root / "README.md"
    entries["setup.env"] = f"TORCH_WHEELS={TORCH_WHEELS[torch]}\n"
    if assignment is not None:
        entries[courses.MANIFEST] = _with_policy(course.manifest, Path(assignment))
    return _zip(entries, target)


def _with_policy(manifest, assignment):
    """The manifest's text with the grading keys of ``assignment`` in place of its own."""
    import yaml

    data, policy = yaml.safe_load(manifest.read_text()), yaml.safe_load(assignment.read_text())
    structure = {"course", "student", "reference", "template", "checks", "scaffold", "plugin", "answer_key", "data"}
    return yaml.safe_dump({**{k: v for k, v in data.items() if k in structure},
                           **{k: v for k, v in policy.items() if k not in structure}}, sort_keys=False)


def build_student_kit(target="student_kit.zip", course=None, assignment=None):
    """The student kit of ``course``: the template, ``check.py`` and the public cases."""
    course = courses.load(course)
    entries = {str(path.relative_to(course.template)): path for path in _walk(course.template)}
    entries.update({f"checker/{name}": path for name, path in KIT_CHECKER.items()})
    entries["checker/__init__.py"] = f'"""The public self-check of {course.title}."""\n'
    entries["check.py"] = KIT_LAUNCHER
    cases = public_cases.record(course, assignment_path=assignment)
    if course.plugin is not None and any(_needs_plugin(case["request"]) for case in cases):
        entries["checker/course_plugin.py"] = course.plugin  # instructor code: only where a case runs it
    with tempfile.TemporaryDirectory() as scratch:
        public_cases.save(cases, scratch, course)
        for name in (public_cases.INDEX, public_cases.ARRAYS):
            entries[f"checker/{name}"] = (Path(scratch) / name).read_bytes()
        return _zip(entries, target)


def _needs_plugin(request):
    """Whether a recorded request runs one of the plugin's operations or networks."""
    return request.get("op") is not None or f'"{protocol.MODULE}"' in json.dumps(request)


def unpack(archive, folder):
    """Unpack keeping the executable bits (``shutil.unpack_archive`` drops them)."""
    with zipfile.ZipFile(archive) as opened:
        for info in opened.infolist():
            path = Path(opened.extract(info, folder))
            mode = info.external_attr >> 16
            if mode:
                path.chmod(mode & 0o777)
    return Path(folder)

