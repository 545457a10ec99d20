"""What confinement a worker gets on this machine: the user, hidden paths, cgroups and
rlimits handed to the launcher. Decided once per grading run by the trusted side."""
import contextlib
import dataclasses
import fcntl
import importlib.util
import json
import os
import shutil
import stat
import sys
import sysconfig
from pathlib import Path
from typing import Any

WORLD_WRITABLE = ("/tmp", "/var/tmp", "/dev/shm")


@dataclasses.dataclass
class Limits:
    memory_mb: int = 1024
    address_space_mb: int = 6144
    processes: int = 64
    file_mb: int = 64
    output_kb: int = 64
    startup_s: float = 60.0
    namespaces: bool = True  # the allow-list view (bubblewrap), where the kernel allows
    landlock: bool = True  # without the view: the Landlock allow-list, where the kernel has it
    # The worker's uid is this plus the grader's pid: nothing else runs as it, not even
    # the worker of a grader running beside this one, so its processes and files are this
    # worker's alone, to be killed and removed after grading.
    worker_uid: int | None = 64321


def _world_reachable(path, below="/"):
    """Can a user with no relation to the owners read ``path``, every folder from ``below``
    down to it traversable? (Inside the allow-list view the folders above each bound root
    are bubblewrap's own, made traversable.)"""
    path = Path(path).resolve()
    for parent in [*reversed(path.parents)]:
        if parent.is_relative_to(below) and not os.stat(parent).st_mode & stat.S_IXOTH:
            return False
    return bool(os.stat(path).st_mode & stat.S_IROTH)


def unprivileged_ids(limits, roots=None):
    """(uid, gid) to run the worker as when we are root, or None when that cannot work
    (not root, or the interpreter and torch are not readable by an unrelated user).
    ``roots``: the view's read-only roots, when the worker sees only those."""
    if os.geteuid() != 0 or limits.worker_uid is None:  # None: the student kit, on the student's machine
        return None
    needed = [sys.executable, os.path.realpath(sys.executable), sys.prefix, sysconfig.get_paths()["stdlib"],
              importlib.util.find_spec("torch").origin]

    def reachable(path):
        if roots is None:
            return _world_reachable(path)
        real = os.path.realpath(path)
        return any(_world_reachable(real, below=r) for r in roots if Path(real).is_relative_to(r))
    if not all(reachable(p) for p in needed):
        return None
    uid = limits.worker_uid + os.getpid()
    return uid, uid


def sweep_user(uid):
    """Kill every process of ``uid`` and remove what it left in world-writable folders."""
    for entry in os.listdir("/proc"):
        try:
            if entry.isdigit() and os.stat(f"/proc/{entry}").st_uid == uid:
                os.kill(int(entry), 9)
        except OSError:
            pass
    for top in WORLD_WRITABLE:
        _sweep(top, uid)


def _sweep(folder, uid):
    """Remove what ``uid`` made below ``folder``: it can only have written in folders it owns
    or that anyone may write to, so no other folder is entered (a busy /tmp stays cheap)."""
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return
    for entry in entries:
        try:
            info = entry.stat(follow_symlinks=False)
            if info.st_uid == uid:
                if entry.is_dir(follow_symlinks=False):
                    shutil.rmtree(entry.path, ignore_errors=True)
                else:
                    os.unlink(entry.path)
            elif entry.is_dir(follow_symlinks=False) and info.st_mode & stat.S_IWOTH:
                _sweep(entry.path, uid)
        except OSError:
            pass


def _current_cgroup(controller):
    with open("/proc/self/cgroup") as f:
        for line in f:
            _, controllers, path = line.rstrip("\n").split(":", 2)
            if controller in controllers.split(",") or (controllers == "" and controller == "unified"):
                return path
    return None


def make_cgroups(name, limits):
    """Create memory and pids cgroups below our own for a worker; returns their paths ([] if
    the tree is not writable, as for non-root users)."""
    return _below_ours(name, limits.memory_mb, limits.processes)


def grading_cgroups(name, memory_mb):
    """A memory cgroup below our own for a whole grading, which joins it: the grader and its
    worker together (the worker's own cgroups nest in it), as a platform's container holds
    them, with no swap beyond it; [] where the tree is not writable."""
    created = _below_ours(name, memory_mb, None)
    for path in map(Path, created):
        for knob, value in (("memory.memsw.limit_in_bytes", memory_mb << 20), ("memory.swap.max", 0)):  # v1, v2
            with contextlib.suppress(OSError):
                (path / knob).write_text(str(value))
    return created


def _below_ours(name, memory_mb, processes):
    """Memory (and, unless ``processes`` is None, pids) cgroups named ``name`` below this
    process's: cgroup v1's controllers, else v2's unified tree."""
    created = []
    v1 = {"memory": ("memory.limit_in_bytes", memory_mb << 20), "pids": ("pids.max", processes)}
    for controller, (knob, value) in v1.items():
        base = Path("/sys/fs/cgroup") / controller
        current = _current_cgroup(controller)
        if value is None or current is None or not base.is_dir():
            continue
        path = base / current.lstrip("/") / name
        try:
            path.mkdir()
            (path / knob).write_text(str(value))
            created.append(str(path))
        except OSError:
            remove_cgroups([str(path)])
    if not created and Path("/sys/fs/cgroup/cgroup.controllers").exists():
        path = Path("/sys/fs/cgroup") / (_current_cgroup("unified") or "/").lstrip("/") / name
        try:
            path.mkdir()
            (path / "memory.max").write_text(str(memory_mb << 20))
            if processes is not None:
                (path / "pids.max").write_text(str(processes))
            created.append(str(path))
        except OSError:
            remove_cgroups([str(path)])
    return created


def memory_used(paths):
    """(peak MB, out-of-memory kills) of the worker's memory cgroup, where the kernel keeps
    them (cgroup v1, or v2 from Linux 5.19 for the peak); (None, 0) without one."""
    peak, kills = None, 0
    for path in map(Path, paths):
        for name in ("memory.max_usage_in_bytes", "memory.peak"):
            with contextlib.suppress(OSError, ValueError):
                peak = max(peak or 0, int((path / name).read_text()) >> 20)
        for name in ("memory.oom_control", "memory.events"):
            with contextlib.suppress(OSError, ValueError):
                for line in (path / name).read_text().splitlines():
                    key, _, value = line.partition(" ")
                    kills += int(value) if key == "oom_kill" else 0
    return peak, kills


def cgroup_pids(paths):
    pids = set()
    for path in paths:
        try:
            pids.update(int(p) for p in Path(path, "cgroup.procs").read_text().split())
        except OSError:
            pass
    return pids


def remove_cgroups(paths):
    for path in paths:
        try:
            os.rmdir(path)
        except OSError:
            pass


# Gradings beside each other (a batch, as root, without the view) close the same folders:
# their modes are shared here, under a lock, with the pids that need each one closed, so the
# last grading out (or the first after a crash) reopens them, never one still needed.
# (As root, in /run, which only root may write; otherwise in this process: a worker of the
# same user is not kept out by modes anyway.)
REGISTRY = Path("/run/autograder-closed-modes.json")
_IN_THIS_PROCESS: dict[str, dict[str, Any]] = {}  # as the registry holds them


@contextlib.contextmanager
def _shared_modes():
    """{path: {"mode": original mode, "pids": [gradings that need it closed]}}, locked;
    written back when the block ends. Pids that are gone are dropped on the way in."""
    if os.geteuid() != 0 or not os.access(REGISTRY.parent, os.W_OK):
        yield from _settled(_IN_THIS_PROCESS)
        return
    fd = os.open(f"{REGISTRY}.lock", os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            shared = json.loads(REGISTRY.read_text())
        except (OSError, ValueError):
            shared = {}
        yield from _settled(shared)
        staged = REGISTRY.with_suffix(".new")
        staged.write_text(json.dumps(shared))
        os.replace(staged, REGISTRY)
    finally:
        os.close(fd)


def _settled(shared):
    """Yield ``shared`` with dead pids dropped; afterwards reopen what no grading needs."""
    for entry in shared.values():
        entry["pids"] = [pid for pid in entry["pids"] if _alive(pid)]
    yield shared
    for path in [path for path, entry in shared.items() if not entry["pids"]]:
        _chmod(path, shared.pop(path)["mode"])


def _alive(pid):
    try:
        os.kill(pid, 0)
        return True
    except ProcessLookupError:
        return False
    except PermissionError:
        return True


def _chmod(path, mode):
    try:
        os.chmod(path, mode)
    except OSError:
        pass


def protect(paths, pid=None):
    """When the worker runs as another user: make ``paths`` private to their owner until
    ``restore``. Shared folders (``/``, sticky ones such as ``/tmp``) are left alone.
    Returns what ``restore`` needs."""
    pid = pid or os.getpid()
    closed = []
    with _shared_modes() as shared:
        for path in paths:
            try:
                mode = os.stat(path).st_mode
            except OSError:
                continue
            if path not in shared and (mode & stat.S_ISVTX or os.path.realpath(path) == "/"):
                continue
            entry = shared.setdefault(path, {"mode": stat.S_IMODE(mode), "pids": []})
            entry["pids"].append(pid)
            os.chmod(path, entry["mode"] & ~0o077)
            closed.append(path)
    return {"paths": closed, "pid": pid}


def restore(protected):
    """Reopen what ``protect`` closed, unless another grading still needs it closed."""
    if not protected or not protected.get("paths"):
        return
    with _shared_modes() as shared:
        for path in protected["paths"]:
            if path in shared and protected["pid"] in shared[path]["pids"]:
                shared[path]["pids"].remove(protected["pid"])
