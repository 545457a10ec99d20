"""CS236 submissions as students hand them in: the reference (or edited files) in the
homework's layouts — a folder with codebase/ deep inside, the zip its make_submission step
makes, or the XCS edition's src/submission/ package — with the student's own copies of
scaffold files that the grader must ignore."""
import zipfile
from pathlib import Path

from tests.submissions import ROOT

COURSE = ROOT / "courses" / "cs236-hw2"
REFERENCE = COURSE / "reference" / "codebase"
STUDENT_FILES = ("utils.py", "models/vae.py", "models/gmvae.py", "models/ssvae.py")
# a student's scaffold, edited in ways the grader must not see
STALE_SCAFFOLD = {
    "models/nns/v1.py": "raise ImportError('a student copy of the scaffold that must never be imported')\n",
    "train.py": "import this_module_does_not_exist\n",
}
FSVAE = "from codebase import utils as ut\n\n\nclass FSVAE:\n    pass\n"


def files_of(replace=None):
    """{path inside the package: text}: the reference's student files, ``replace`` applied
    (a path mapped to None is left out)."""
    files = {f: (REFERENCE / f).read_text() for f in STUDENT_FILES}
    for path, text in (replace or {}).items():
        if text is None:
            files.pop(path, None)
        else:
            files[path] = text
    return files


def folder_submission(folder, replace=None, package="codebase", nested="cs236/hw2"):
    """The homework folder as a student uploads it: ``nested/package/…`` with the scaffold's
    stale copies, a bonus file and run scripts beside it."""
    root = Path(folder) / nested / package
    for path, text in {**STALE_SCAFFOLD, "models/fsvae.py": FSVAE, **files_of(replace)}.items():
        (root / path).parent.mkdir(parents=True, exist_ok=True)
        (root / path).write_text(text)
    (root.parent / "run_vae.py").write_text("from codebase.models.vae import VAE\nprint('training…')\n")
    return Path(folder)


def zip_submission(folder, replace=None):
    """The zip the homework's make_submission step makes: exactly the submitted files."""
    Path(folder).mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(Path(folder) / "submission.zip", "w") as archive:
        for path, text in {**files_of(replace), "models/fsvae.py": FSVAE}.items():
            archive.writestr(f"codebase/{path}", text)
    return Path(folder)
