"""Launcher: confine this process, then exec the worker. Trusted; standard library only.

Run as ``python -I -S confine.py CONFIG_JSON`` in a new session. Each layer is tried on its
own and what took effect is reported in a first frame on the worker's answer channel, so
the grader can say which guarantees held:

- cgroup: memory and process-count limits (when the cgroup tree is writable);
- namespaces: no network, a private read-only view of the filesystem in which the
  grader's files are covered, a fresh /proc, and a PID namespace whose init is the worker;
- rlimits: address space, processes, file size, open files, no core dumps;
- user: an unprivileged uid when started as root and the interpreter is reachable,
  otherwise root without capabilities.
"""
import ctypes
import json
import os
import resource
import struct
import sys

CLONE_NEWNS, CLONE_NEWUSER, CLONE_NEWPID, CLONE_NEWNET = 0x20000, 0x10000000, 0x20000000, 0x40000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = 32, 4096, 16384, 1 << 18
MOUNT_FLAGS = {"nosuid": MS_NOSUID, "nodev": MS_NODEV, "noexec": MS_NOEXEC,
               "noatime": 1024, "nodiratime": 2048, "relatime": 1 << 21}
PR_CAPBSET_DROP, PR_SET_NO_NEW_PRIVS = 24, 38

libc = ctypes.CDLL(None, use_errno=True)


def _check(result, what):
    if result != 0:
        raise OSError(ctypes.get_errno(), f"{what}: {os.strerror(ctypes.get_errno())}")


def _mount(source, target, fstype, flags, data=None):
    _check(libc.mount(source and source.encode(), target.encode(), fstype and fstype.encode(),
                      ctypes.c_ulong(flags), data and data.encode()), f"mount {target}")


def join_cgroups(paths):
    for path in paths:
        with open(os.path.join(path, "cgroup.procs"), "w") as f:
            f.write(str(os.getpid()))
    return "memory and process limits" if paths else None


def enter_namespaces(as_root):
    flags = CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWPID
    if not as_root:
        flags |= CLONE_NEWUSER
    uid, gid = os.getuid(), os.getgid()
    _check(libc.unshare(flags), "unshare")
    if not as_root:  # map our own ids, so exec drops the namespace's capabilities
        for name, text in (("setgroups", "deny"), ("uid_map", f"{uid} {uid} 1"), ("gid_map", f"{gid} {gid} 1")):
            with open(f"/proc/self/{name}", "w") as f:
                f.write(text)


def read_only_view(hide, scratch):
    """Everything read-only, the grader's paths covered, a small writable scratch."""
    _mount(None, "/", None, MS_REC | MS_PRIVATE)
    failures = 0
    with open("/proc/self/mountinfo") as f:
        mounts = [(line.split()[4], line.split()[5]) for line in f]
    for point, options in mounts:
        kept = sum(MOUNT_FLAGS.get(o, 0) for o in options.split(","))
        try:
            _mount(None, point.encode().decode("unicode_escape"), None,
                   MS_REMOUNT | MS_BIND | MS_RDONLY | kept)
        except OSError:
            failures += 1
    try:
        _mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
        fresh_proc = True
    except OSError:
        fresh_proc = False
    for path in hide:
        if os.path.exists(path):
            _mount("tmpfs", path, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV, "size=4k,mode=000")
    _mount("tmpfs", scratch, "tmpfs", MS_NOSUID | MS_NODEV, "size=64m,mode=1777")
    return {"read_only_mounts": len(mounts) - failures, "not_read_only": failures,
            "fresh_proc": fresh_proc, "hidden": [p for p in hide if os.path.exists(p)]}


def set_limits(limits):
    pairs = {resource.RLIMIT_NPROC: limits.get("processes"), resource.RLIMIT_FSIZE: limits.get("file_bytes"),
             resource.RLIMIT_AS: limits.get("address_space_bytes"), resource.RLIMIT_CORE: 0,
             resource.RLIMIT_NOFILE: 256}
    applied = {}
    for which, value in pairs.items():
        if value is not None:
            resource.setrlimit(which, (value, value))
            applied[which] = value
    with open("/proc/self/oom_score_adj", "w") as f:
        f.write("1000")  # under memory pressure the kernel kills the worker, not the grader
    return {name: limits[name] for name in ("processes", "file_bytes", "address_space_bytes") if limits.get(name)}


def drop_privileges(uid, gid):
    if uid is not None:
        os.setgroups([])
        os.setgid(gid)
        os.setuid(uid)
        return f"uid {uid}"
    if os.geteuid() == 0:
        cap = 0
        while libc.prctl(PR_CAPBSET_DROP, cap, 0, 0, 0) == 0:
            cap += 1
        _check(libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "no_new_privs")
        return "root without capabilities"
    _check(libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0), "no_new_privs")
    return f"uid {os.getuid()} (not root: no privilege to drop)"


def report(fd, layers):
    body = json.dumps({"event": "confined", "layers": layers, "n_arrays": 0}).encode()
    os.write(fd, struct.pack("!Q", len(body)) + body)


def main():
    config = json.loads(sys.argv[1])
    as_root = os.geteuid() == 0
    layers = {}
    try:
        layers["cgroup"] = join_cgroups(config["cgroups"])
    except OSError as exc:
        layers["cgroup"] = None
        layers["cgroup_error"] = str(exc)
    namespaced = False
    if config["namespaces"]:
        try:
            enter_namespaces(as_root)
            namespaced = True
        except OSError as exc:
            layers["namespaces_error"] = str(exc)
    if namespaced:
        child = os.fork()
        if child:  # outside the PID namespace: wait for its init, the worker
            _, status = os.waitpid(child, 0)
            os._exit(os.waitstatus_to_exitcode(status) & 0xFF)
        try:
            layers["namespaces"] = {"network": "none", "pid": "private",
                                    **read_only_view(config["hide"], config["scratch"])}
        except OSError as exc:
            layers["namespaces"] = {"network": "none", "pid": "private", "mount_error": str(exc)}
    layers["rlimits"] = set_limits(config["limits"])
    layers["user"] = drop_privileges(config["uid"], config["gid"])
    os.chdir(config["scratch"])
    report(config["out_fd"], layers)
    os.execve(config["argv"][0], config["argv"], config["env"])


if __name__ == "__main__":
    main()
