"""A submission that walks the worker's filesystem and prints what it can read.

At import of ``vae.py`` it walks ``/`` (depth up to 12, following symbolic links, each
folder once), and, where ``/`` cannot be listed (Landlock), every usual top-level folder and
the folders of its own files and of the interpreter's and their ancestors, and prints one line
``WALK {json}``: how many readable regular files it found under each root the view is
meant to allow (the interpreter's installation and import path, the system's libraries,
its own stage, /proc, /dev, the CPU description), and every other readable file with its
first bytes (planted, temporary and log files first), and how many of them lie under each
folder it was told to watch. Whatever it prints lands in the first test's feedback, as a
student's would.
"""
from tests.submissions import flat_source

WALK = r'''
import json as _json, os as _os, stat as _stat, sys as _sys

def _readable(path):  # opened, not asked: access() knows nothing of Landlock
    try:
        _os.close(_os.open(path, _os.O_RDONLY | _os.O_NONBLOCK))
        return True
    except OSError:
        return False

def _walk():
    here = _os.path.dirname(_os.path.dirname(_os.path.abspath(__file__)))  # the stage
    needed = [_sys.prefix, _sys.base_prefix, *(p for p in _sys.path if _os.path.isdir(p)), "/usr/lib", "/usr/lib64"]
    machine = ("/proc", "/dev", "/sys/devices/system/cpu")  # what torch reads of the machine
    allowed = sorted({_os.path.realpath(p) for p in (*needed, here, *machine)}, key=len, reverse=True)
    counts, outside, seen, depth_reached = {a: 0 for a in allowed}, [], set(), 0
    tops = ["/etc", "/tmp", "/var", "/root", "/srv", "/home", "/opt", "/usr", "/work", "/run", "/mnt", "/sys", "/boot"]
    known = {str(a) for p in (here, *needed) for a in (p, *__import__("pathlib").Path(p).parents)}
    todo = [(folder, folder.count("/") if folder != "/" else 0) for folder in ["/", *tops, *sorted(known)]]
    while todo:
        folder, depth = todo.pop()
        try:
            st = _os.stat(folder)
            entries = _os.listdir(folder)
        except OSError:
            continue
        if (st.st_dev, st.st_ino) in seen:
            continue
        seen.add((st.st_dev, st.st_ino))
        depth_reached = max(depth_reached, depth)
        for name in entries:
            path = _os.path.join(folder, name)
            try:
                st = _os.stat(path)  # follows links
            except OSError:
                continue
            if _stat.S_ISDIR(st.st_mode):
                if depth < 12:
                    todo.append((path, depth + 1))
            elif _stat.S_ISREG(st.st_mode) and _readable(path):
                real = _os.path.realpath(path)
                root = next((a for a in allowed if real == a or real.startswith(a.rstrip("/") + "/")), None)
                if root is not None:
                    counts[root] += 1
                else:
                    outside.append(path)
    # what a cheater wants first: planted and temporary files, logs, results, other work
    wanted = ("/tmp/", "/root/", "/srv/", "/home/", "/var/", "/work", "grader.log", "results.json", ".py")
    outside.sort(key=lambda p: min((i for i, w in enumerate(wanted) if w in p), default=len(wanted)))
    sample = []
    for path in outside[:60]:
        try:
            with open(path, "rb") as f:
                sample.append([path, f.read(100).decode("latin-1")])
        except OSError as exc:
            sample.append([path, f"<{exc}>"])
    folders = {}
    for path in outside:
        top = "/" + path.split("/")[1]
        folders[top] = folders.get(top, 0) + 1
    watched = {w: sum(1 for p in outside if p == w or p.startswith(w.rstrip("/") + "/")) for w in WATCH}
    print("WALK " + _json.dumps({"counts": counts, "outside": len(outside), "outside_folders": folders,
                                 "sample": sample, "depth": depth_reached, "folders": len(seen),
                                 "watched": watched}))

_walk()
'''


def walker_sources(watch=()):
    """{module: source} for ``tests.submissions.reference_submission(replace=...)``; the
    report counts the readable files under each folder of ``watch`` (the attacker's best
    case: it knows where the grader keeps its files)."""
    return {"vae": flat_source("vae") + f"\nWATCH = {[str(w) for w in watch]!r}\n" + WALK}
