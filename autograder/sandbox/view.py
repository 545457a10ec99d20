"""The worker's filesystem view, built from nothing by bubblewrap: an allow-list.

Inside the sandbox the root holds only

- the interpreter and its packages, read-only: the virtual environment, the base Python
  installation, the folders on its isolated import path, and the system's shared
  libraries (``/usr/lib``, ``/usr/lib64``);
- the staged worker at ``/worker``: ``agworker/`` and ``submission/`` read-only, and a
  private writable ``scratch/`` (a fresh tmpfs, gone when the worker is);
- a minimal ``/dev`` (null, zero, random, urandom, …) and a ``/proc`` of the sandbox's
  own PID namespace;

and no network. Nothing else of the host exists there: no home folders, no other
checkouts, no ``/tmp``, no ``/etc``, no results or batch folders.
"""
import glob
import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

INSIDE = Path("/worker")  # where the stage appears in the sandbox
SCRATCH_BYTES = 64 << 20
SYSTEM_LIBRARIES = ("/usr/lib", "/usr/lib64")


def _isolated_path():
    """The folders on this interpreter's import path as the worker gets it (``-I``:
    site-packages and what their .pth files add, no PYTHONPATH, no user site)."""
    done = subprocess.run([sys.executable, "-I", "-c", "import json, sys; print(json.dumps(sys.path))"],
                          capture_output=True, text=True, timeout=60, check=True)
    return [p for p in json.loads(done.stdout) if os.path.isdir(p)]


def interpreter_roots(private=()):
    """Read-only folders the interpreter needs: its environment, its installation (or, for
    a system Python under /usr, just its standard library and executable), every folder on
    its isolated import path, shared libraries; never one that holds a ``private`` folder
    (the project's or the course's, should a .pth file name them). As (source on the host,
    path in the view): a root reached through a symbolic link (a virtual environment linked
    into a checkout) appears at the path the interpreter uses."""
    roots = {sys.prefix, *_isolated_path()}
    base = sys.base_prefix
    if base in ("/usr", "/usr/local", "/"):
        roots.add(sysconfig.get_paths()["stdlib"])
        roots.add(os.path.realpath(sys.executable))
    else:
        roots.add(base)
    roots.update(p for p in SYSTEM_LIBRARIES if os.path.isdir(p))
    hidden = [Path(os.path.realpath(p)) for p in private]
    roots = {r for r in roots if not any(h.is_relative_to(os.path.realpath(r)) for h in hidden)}
    pairs = {(os.path.realpath(r), os.path.abspath(r)) for r in roots}
    # nested roots are covered by their ancestors
    ordered = sorted(pairs, key=lambda pair: pair[1])
    return [(source, path) for i, (source, path) in enumerate(ordered)
            if not any(path.startswith(other.rstrip("/") + "/") for _, other in ordered[:i])]


def _parents(path):
    """Ancestors of ``path`` below /, outermost first, that bwrap must create as 0755
    (it would make them 0700 and unreachable by the worker's uid)."""
    return [str(p) for p in reversed(Path(path).parents) if str(p) != "/"]


def _directories(paths, made):
    args = []
    for path in paths:
        for parent in _parents(path):
            if parent not in made:
                made.add(parent)
                args += ["--perms", "0755", "--dir", parent]
    return args


def bwrap_arguments(stage, roots, device="cpu"):
    """bubblewrap's arguments (up to, not including, the command) for ``stage``, with the
    interpreter's ``roots`` (``interpreter_roots``)."""
    made = set()
    args = ["--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts", "--unshare-cgroup-try",
            "--die-with-parent", "--new-session"]
    if os.geteuid() != 0:  # unprivileged bubblewrap needs a user namespace
        args += ["--unshare-user", "--disable-userns"]
    for source, path in roots:
        args += _directories([path], made) + ["--ro-bind", source, path]
    for link in ("lib", "lib64"):
        if os.path.islink(f"/{link}") and os.path.realpath(f"/{link}") in SYSTEM_LIBRARIES:
            args += ["--symlink", f"usr/{link}", f"/{link}"]
    args += ["--perms", "0755", "--dir", str(INSIDE),
             "--ro-bind", str(stage.root / "agworker"), str(INSIDE / "agworker"),
             "--ro-bind", str(stage.root / "submission"), str(INSIDE / "submission"),
             "--perms", "01777", "--size", str(SCRATCH_BYTES), "--tmpfs", str(INSIDE / "scratch"),
             "--dev", "/dev", "--proc", "/proc"]
    if device.startswith("cuda"):  # the driver's device nodes and what it reads of /sys
        for node in sorted(glob.glob("/dev/nvidia*")):
            args += ["--dev-bind", node, node]
        args += ["--ro-bind-try", "/sys", "/sys"]
    return args


def find_bwrap():
    return shutil.which("bwrap", path="/usr/bin:/bin:/usr/local/bin")


def probe(bwrap, arguments):
    """None when bubblewrap can build the view of ``arguments`` here, else why not (Docker's
    default seccomp profile, for one, refuses the namespaces)."""
    if bwrap is None:
        return "bubblewrap (bwrap) is not installed"
    try:
        done = subprocess.run([bwrap, *arguments, sys.executable, "-I", "-S", "-c", ""],
                              capture_output=True, text=True, timeout=30, stdin=subprocess.DEVNULL)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return f"bubblewrap did not run: {exc}"
    if done.returncode != 0:
        return f"bubblewrap refused: {done.stderr.strip()[:300] or f'exit {done.returncode}'}"
    return None
