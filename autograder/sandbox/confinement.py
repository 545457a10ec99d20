"""How a worker is confined on this machine, decided once per grading and reported once.

Layers, strongest first; each is used where the machine allows it:

1. the allow-list view (bubblewrap, ``view.py``): a root holding only the interpreter,
   the stage and a private scratch; no network; a PID namespace of its own;
2. where the view is refused (Docker's default seccomp profile refuses namespaces, as on
   Gradescope) or turned off: a Landlock allow-list (``landlock.py``) over the same
   folders, no TCP (Landlock ABI ≥ 4), no signals out (ABI ≥ 6);
3. beneath both, as root: a uid of the worker's own, and the grader's folders closed to
   it with ``chmod`` while it runs (``policy.protect``);
4. always: rlimits, and cgroup memory and process limits where the tree is writable.
"""
import dataclasses
import glob
from pathlib import Path

from . import landlock, policy, view

DEVICES = ("/dev/null", "/dev/zero", "/dev/full", "/dev/random", "/dev/urandom")
# what torch reads of the machine at import (without them it warns on stderr), and what the
# CUDA driver reads besides its device nodes
MACHINE_FILES = ("/proc/cpuinfo", "/sys/devices/system/cpu")
CUDA_FILES = ("/sys", "/proc/driver/nvidia")


@dataclasses.dataclass
class Confinement:
    bwrap: list[str] | None = None  # bubblewrap's command line up to the command, or None
    refusal: str | None = None  # why the view is not used, where it was meant to be
    uid_gid: tuple[int, int] | None = None  # the worker's (uid, gid), or None to keep the grader's
    landlock: dict[str, list[str]] | None = None  # the allow-list the launcher sets on itself: {"read", "write", "devices"}
    no_landlock: str | None = None  # why there is none, where the view is not used
    view: Path | None = None  # where the worker sees its stage: inside the view, or where it lies

    def describe(self, layers, as_root):
        """One plain paragraph for the grader's log: which layers held."""
        if not layers:
            return "Isolation: no worker was started."
        if layers.get("view"):
            filesystem = ("allow-list filesystem view (interpreter read-only, the staged files, a private scratch), "
                          "no network, private PIDs")
        else:
            why = (f"NO allow-list view: {self.refusal}" if self.refusal else
                   "the allow-list view was turned off in the assignment file (sandbox: namespaces: false)")
            held = layers.get("landlock")
            if held:
                network = "TCP blocked" if held["tcp"] else "the network is not blocked"
                filesystem = (f"{why}; Landlock allow-list (ABI {held['abi']}: interpreter read-only, the staged "
                              f"files, a private scratch); {network}" + ("; no signals out" if held["scoped"] else ""))
            else:
                without = layers.get("landlock_error") or self.no_landlock
                filesystem = (f"{why}; no Landlock ({without}). The worker can read every file its user can read "
                              "(the grader's folders and the uploaded submission were made unreadable to it) and "
                              "the network is not blocked")
        bits = [f"worker ran as {layers.get('user')}", filesystem,
                "cgroup memory and process limits" if layers.get("cgroup") else "no cgroup (rlimits only)"]
        text = "Isolation: " + "; ".join(bits) + "."
        if not as_root and not layers.get("view") and not layers.get("landlock"):
            text += (" (Not run as root: the worker runs as the same user, so it is not kept from reading files "
                     "that user can read.)")
        return text

    def launcher_config(self):
        """What the launcher (``confine.py``) needs of this decision."""
        uid, gid = self.uid_gid or (None, None)
        return {"bwrap": self.bwrap, "uid": uid, "gid": gid, "landlock": self.landlock}


def decide(limits, stage, device, private):
    """The confinement of ``stage``'s worker here, with where the worker sees the stage (the
    caller places the stage there). ``private``: folders the worker must never see (the
    project's, the course's)."""
    decision = Confinement(view=stage.root)
    roots = view.interpreter_roots(private)
    if limits.namespaces:
        program = view.find_bwrap()
        arguments = view.bwrap_arguments(stage, roots, device)
        decision.refusal = view.probe(program, arguments)
        if decision.refusal is None:
            decision.bwrap, decision.view = [program, *arguments], view.INSIDE
    if decision.bwrap is None and not limits.landlock:
        decision.no_landlock = "turned off in the assignment file (sandbox: landlock: false)"
    elif decision.bwrap is None and landlock.abi() < 1:
        decision.no_landlock = "this kernel has none (Linux 5.13 or newer has it, where it is enabled)"
    elif decision.bwrap is None:
        cuda = device.startswith("cuda")
        decision.landlock = {
            "read": [*(source for source, _ in roots), str(stage.root), *MACHINE_FILES, *(CUDA_FILES if cuda else ())],
            "write": [str(stage.root / "scratch")],
            "devices": [*DEVICES, *(sorted(glob.glob("/dev/nvidia*")) if cuda else [])],
        }
    decision.uid_gid = policy.unprivileged_ids(limits, [source for source, _ in roots] if decision.bwrap else None)
    return decision


def hidden_paths(folders, submission_dir):
    """Without the view, what the worker's uid must not read: everything in ``folders``
    (the project's and the course's: the manifest, the reference, the checks, tests holding
    alternative solutions, .git) but a virtual environment, and the submission as uploaded
    (the worker gets a copy of its contract files)."""
    inside = [p for top in folders for p in top.iterdir() if p.name != ".venv"]
    return [str(p) for p in [*inside, submission_dir.resolve()] if p.exists()]


def close_folders(decision, folders, submission_dir):
    """As root without the view: close the grader's folders to the worker's uid (beneath
    Landlock where it holds); returns what ``policy.restore`` needs."""
    if decision.uid_gid and not decision.bwrap:
        return policy.protect(hidden_paths(folders, submission_dir))
    return {}

