"""Launcher: confine this process, then exec the worker. Trusted; standard library only.

Runs twice, as ``python -I -S confine.py CONFIG_JSON``:

1. on the host, in a new session: joins the cgroups (memory and process limits) and, when
   the grader decided on it, execs bubblewrap, which builds the allow-list view (see
   ``view.py``) and runs this file again inside it;
2. inside the sandbox (or directly, where bubblewrap is not available): sets rlimits and,
   without the view, the Landlock allow-list (``landlock.py``, beside this file), drops to
   the worker's uid (or, with no uid to drop to, to root without capabilities), reports
   what took effect in a first frame on the answer channel, and execs the worker.
"""
import ctypes
import importlib.util
import json
import os
import resource
import struct
import sys

PR_CAPBSET_DROP, PR_SET_NO_NEW_PRIVS = 24, 38

libc = ctypes.CDLL(None, use_errno=True)


def _check(result, what):
    if result != 0:
        raise OSError(ctypes.get_errno(), f"{what}: {os.strerror(ctypes.get_errno())}")


def join_cgroups(paths):
    for path in paths:
        with open(os.path.join(path, "cgroup.procs"), "w") as f:
            f.write(str(os.getpid()))
    return "memory and process limits" if paths else None


def set_limits(limits):
    pairs = {resource.RLIMIT_NPROC: limits.get("processes"), resource.RLIMIT_FSIZE: limits.get("file_bytes"),
             resource.RLIMIT_AS: limits.get("address_space_bytes"), resource.RLIMIT_CORE: 0,
             resource.RLIMIT_NOFILE: 256}
    for which, value in pairs.items():
        if value is not None:
            resource.setrlimit(which, (value, value))
    return {name: limits[name] for name in ("processes", "file_bytes", "address_space_bytes") if limits.get(name)}


def set_landlock(rules):
    """The Landlock allow-list of ``rules`` (``confinement.decide``), plus this process's
    own /proc entry (the worker keeps the pid across exec)."""
    where = os.path.join(os.path.dirname(os.path.abspath(__file__)), "landlock.py")
    spec = importlib.util.spec_from_file_location("agworker_landlock", where)
    landlock = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(landlock)
    return landlock.restrict([*rules["read"], f"/proc/{os.getpid()}"], rules["write"], rules["devices"])


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
    # a frame of worker/wire.py with no arrays (its ARRAYS key), written here without numpy
    body = json.dumps({"event": "confined", "layers": layers, "$arrays": []}).encode()
    os.write(fd, struct.pack("!Q", len(body)) + body)


def host_phase(config, layers):
    """Limits that must be set from the host: cgroups and the OOM score."""
    try:
        layers["cgroup"] = join_cgroups(config["cgroups"])
    except OSError as exc:
        layers["cgroup"], layers["cgroup_error"] = None, str(exc)
    with open("/proc/self/oom_score_adj", "w") as f:
        f.write("1000")  # under memory pressure the kernel kills the worker, not the grader


def main():
    config = json.loads(sys.argv[1])
    layers = config.setdefault("layers", {})
    if not config.get("inside"):
        host_phase(config, layers)
        if config.get("bwrap"):  # run this file again, inside the view
            again = json.dumps({**config, "inside": True, "layers": {**layers, "view": "allow-list (bubblewrap)"}})
            os.execve(config["bwrap"][0], [*config["bwrap"], sys.executable, "-I", "-S", config["launcher"], again],
                      config["env"])
    layers["rlimits"] = set_limits(config["limits"])
    if config.get("landlock"):
        try:
            layers["landlock"] = set_landlock(config["landlock"])
        except OSError as exc:
            layers["landlock"], layers["landlock_error"] = None, str(exc)
    layers["user"] = drop_privileges(config["uid"], config["gid"])
    os.chdir(config["scratch"])
    report(config["out_fd"], layers)
    os.execve(config["argv"][0], config["argv"], config["env"])


if __name__ == "__main__":
    main()
