"""Run a command as Docker's default confinement would: ``python docker_like.py COMMAND...``

Gradescope grades in Docker containers with Docker's default seccomp profile and
capabilities. What matters to the worker's confinement is reproduced here, on a machine
where the tests run as root with every capability and no filter:

- the capability bounding set is cut to Docker's default capabilities (no CAP_SYS_ADMIN),
  so root cannot mount or make namespaces;
- a seccomp filter (libseccomp, through pyseccomp) refuses what the default profile
  refuses to a container without CAP_SYS_ADMIN: ``unshare``, ``setns``, the mount calls,
  ``clone`` with a namespace flag (EPERM) and ``clone3`` (ENOSYS, so that the C library
  falls back to ``clone``); the Landlock calls stay allowed, as in the profile.

Everything else is allowed (the profile refuses more, none of which the grader uses).
cgroups are not reproduced: a container's cgroup tree is usually read-only, here it is
writable.
"""
import ctypes
import errno
import os
import sys

DOCKER_CAPABILITIES = {  # Docker's default set, by number (linux/capability.h)
    0: "chown", 1: "dac_override", 3: "fowner", 4: "fsetid", 5: "kill", 6: "setgid", 7: "setuid",
    8: "setpcap", 10: "net_bind_service", 13: "net_raw", 18: "sys_chroot", 27: "mknod", 29: "audit_write",
    31: "setfcap"}
REFUSED = ("unshare", "setns", "mount", "umount2", "pivot_root", "open_tree", "move_mount", "fsopen",
           "fsconfig", "fsmount", "fspick", "mount_setattr")
NAMESPACE_FLAGS = (0x00020000, 0x02000000, 0x04000000, 0x08000000, 0x10000000, 0x20000000, 0x40000000)
PR_CAPBSET_DROP = 24


def prefix():
    """The command prefix that runs a command this way; skips the calling test where that
    cannot be done here."""
    import pytest

    if os.geteuid() != 0:
        pytest.skip("needs root (to keep Docker's capabilities and drop the others)")
    pytest.importorskip("pyseccomp")
    return [sys.executable, os.path.abspath(__file__)]


def confine():
    import pyseccomp as seccomp

    docker = seccomp.SyscallFilter(defaction=seccomp.ALLOW)
    docker.set_attr(seccomp.Attr.CTL_NNP, 0)  # Docker does not set no_new_privs
    for call in REFUSED:
        docker.add_rule(seccomp.ERRNO(errno.EPERM), call)
    for flag in NAMESPACE_FLAGS:
        docker.add_rule(seccomp.ERRNO(errno.EPERM), "clone", seccomp.Arg(0, seccomp.MASKED_EQ, flag, flag))
    docker.add_rule(seccomp.ERRNO(errno.ENOSYS), "clone3")
    docker.load()  # while we still hold CAP_SYS_ADMIN, as the container runtime does
    libc = ctypes.CDLL(None, use_errno=True)
    for capability in range(64):
        if capability not in DOCKER_CAPABILITIES and libc.prctl(PR_CAPBSET_DROP, capability, 0, 0, 0) != 0:
            if ctypes.get_errno() == errno.EINVAL:  # past the kernel's last capability
                break
            raise OSError(ctypes.get_errno(), f"could not drop capability {capability}")


if __name__ == "__main__":
    confine()
    os.execvp(sys.argv[1], sys.argv[1:])  # root's capabilities after exec: the bounding set
