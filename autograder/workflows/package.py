"""Gradescope's autograder.zip (the student kit is kit/build.py).

autograder.zip holds what Gradescope needs to grade one course: ``setup.sh`` and
``run_autograder`` at its root, the engine, and the course laid out as the bundled one
is (its manifest, handout, reference, checks, plugin, scaffold and data), so that it is the
default course there; nothing of the project's own tests or of another course.
"""
import fnmatch
import zipfile
from pathlib import Path

from .. import course as courses

ROOT = Path(__file__).resolve().parent.parent.parent
ENGINE_FILES = ["setup.sh", "run_autograder", "pyproject.toml", "README.md", "autograder"]
TORCH_WHEELS = {"cpu": "cpu", "cuda": "default"}  # setup.sh's names: PyPI's Linux wheel is the CUDA build
NEVER = ["__pycache__", "*.pyc", ".*", "*.egg-info"]
HANDOUT = "ASSIGNMENT.md"  # a course's handout, at its root: in the zip, and in the student kit beside the template


def walk(path):
    """The files under ``path`` (or ``path`` itself), in name order, leaving out NEVER's
    patterns (caches, editor and system files)."""
    if any(fnmatch.fnmatch(path.name, pattern) for pattern in NEVER):
        return
    if path.is_dir():
        for child in sorted(path.iterdir()):
            yield from walk(child)
    else:
        yield path


def zip_entries(entries, target):
    """Write {name in archive: source path or text} as a zip; executables stay executable."""
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, source in sorted(entries.items()):
            if isinstance(source, Path):
                info = zipfile.ZipInfo.from_file(source, name)
                info.compress_type = zipfile.ZIP_DEFLATED
                archive.writestr(info, source.read_bytes())
            else:  # text or bytes made here: readable by all, as a file unpacked from a folder is
                info = zipfile.ZipInfo(name, date_time=(2026, 1, 1, 0, 0, 0))
                info.external_attr, info.compress_type = 0o644 << 16, zipfile.ZIP_DEFLATED
                archive.writestr(info, source)
    return target


def _course_files(course):
    """{path in the archive: source} of a course, relative to its folder."""
    entries = {courses.MANIFEST: course.manifest}
    if (course.root / HANDOUT).is_file():  # what the reference's docstrings and the README cite
        entries[HANDOUT] = course.root / HANDOUT
    for part in [course.reference, course.checks, course.answer_key, *course.data]:
        if part is None:
            continue
        for path in walk(part):
            entries[str(path.relative_to(course.root))] = path
    return entries


def build_autograder(target="autograder.zip", course=None, assignment=None, torch="cpu"):
    """Gradescope's autograder.zip for ``course`` (the bundled one by default);
    ``assignment`` replaces the course's grading policy; ``torch`` ("cpu" or "cuda") is
    the torch build setup.sh installs there."""
    course = courses.load(course)
    entries = {str(path.relative_to(ROOT)): path for top in ENGINE_FILES for path in walk(ROOT / top)}
    entries.update(_course_files(course))
    if (course.root / "README.md").is_file():  # the course's own, for whoever opens the zip
        entries["README.md"] = course.root / "README.md"
    entries["setup.env"] = f"TORCH_WHEELS={TORCH_WHEELS[torch]}\n"
    if assignment is not None:
        entries[courses.MANIFEST] = with_policy(course.manifest, Path(assignment))
    return zip_entries(entries, target)


def with_policy(manifest, assignment):
    """The manifest's text with the grading keys of ``assignment`` in place of its own."""
    import yaml

    data, policy = yaml.safe_load(manifest.read_text()), yaml.safe_load(assignment.read_text())
    structure = {"course", "student", "reference", "template", "checks", "scaffold", "plugin", "answer_key", "data"}
    return yaml.safe_dump({**{k: v for k, v in data.items() if k in structure},
                           **{k: v for k, v in policy.items() if k not in structure}}, sort_keys=False)


def unpack(archive, folder):
    """Unpack keeping the executable bits (``shutil.unpack_archive`` drops them)."""
    with zipfile.ZipFile(archive) as opened:
        for info in opened.infolist():
            path = Path(opened.extract(info, folder))
            mode = info.external_attr >> 16
            if mode:
                path.chmod(mode & 0o777)
    return Path(folder)

