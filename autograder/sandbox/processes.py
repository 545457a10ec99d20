"""Finding and killing everything a worker started, including daemons that left its
session: the grader is a child subreaper, so orphans are re-parented to it."""
import ctypes
import os
import signal

PR_SET_CHILD_SUBREAPER, PR_SET_DUMPABLE = 36, 4


def become_subreaper():
    """Adopt orphaned descendants, and keep same-uid processes out of our /proc entries."""
    prctl = getattr(ctypes.CDLL(None, use_errno=True), "prctl", None)
    if prctl is None:  # not Linux: a student kit on another system (the worker is stopped all the same)
        return
    prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    prctl(PR_SET_DUMPABLE, 0, 0, 0, 0)


def _children_map():
    children = {}
    for entry in os.listdir("/proc") if os.path.isdir("/proc") else ():
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry))
    return children


def descendants(pid):
    """All live descendants of ``pid`` (not ``pid`` itself)."""
    children, found, todo = _children_map(), [], [pid]
    while todo:
        for child in children.get(todo.pop(), []):
            found.append(child)
            todo.append(child)
    return found


def kill_all(pids):
    for pid in pids:
        try:
            os.kill(pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


def reap():
    """Collect exit statuses of dead children so they do not linger as zombies."""
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def kill_tree(root, extra=()):
    """SIGKILL ``root``, its descendants, ``extra`` pids, and any orphan they left with
    us; repeat until nothing is left (a fork loop cannot outrun a few passes)."""
    for _ in range(50):
        targets = [root, *descendants(root), *extra, *descendants(os.getpid())]
        targets = [pid for pid in set(targets) if pid != os.getpid() and _alive(pid)]
        if not targets:
            break
        kill_all(targets)
        reap()


def _alive(pid):
    try:
        with open(f"/proc/{pid}/stat") as f:
            return f.read().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False
