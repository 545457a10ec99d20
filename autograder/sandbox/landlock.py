"""Landlock (Linux ≥ 5.13): a filesystem allow-list a process sets on itself, with no
mount, namespace or privilege, so it holds where bubblewrap is refused (Docker's default
seccomp profile allows these three system calls and refuses namespaces).

After ``restrict(read, write, devices)`` the process and everything it starts can read
and execute only beneath ``read``, write only beneath ``write``, use only the device
files in ``devices``; from ABI 4 no TCP connect or bind, from ABI 6 no signal or abstract
Unix socket reaching a process outside it. Trusted; standard library only: the launcher
loads it before anything else runs (``confine.py``), with ``-I -S``, so it cannot lean on
an installed binding; the kernel interface is three system calls and two structures.
See the kernel's Documentation/userspace-api/landlock.rst.
"""
import ctypes
import os
import struct

CREATE_RULESET, ADD_RULE, RESTRICT_SELF = 444, 445, 446  # the same number on every architecture
CREATE_RULESET_VERSION = 1
RULE_PATH_BENEATH = 1
PR_SET_NO_NEW_PRIVS = 38

EXECUTE, WRITE_FILE, READ_FILE, READ_DIR = 1 << 0, 1 << 1, 1 << 2, 1 << 3
REMOVE_DIR, REMOVE_FILE, MAKE_CHAR, MAKE_DIR, MAKE_REG = 1 << 4, 1 << 5, 1 << 6, 1 << 7, 1 << 8
MAKE_SOCK, MAKE_FIFO, MAKE_BLOCK, MAKE_SYM = 1 << 9, 1 << 10, 1 << 11, 1 << 12
REFER, TRUNCATE, IOCTL_DEV = 1 << 13, 1 << 14, 1 << 15  # ABI 2, 3 and 5
NET_BIND_TCP, NET_CONNECT_TCP = 1 << 0, 1 << 1  # ABI 4
SCOPE_ABSTRACT_UNIX_SOCKET, SCOPE_SIGNAL = 1 << 0, 1 << 1  # ABI 6

FILE_RIGHTS = EXECUTE | WRITE_FILE | READ_FILE | TRUNCATE | IOCTL_DEV  # what a rule on a file may grant
READ = EXECUTE | READ_FILE | READ_DIR
DEVICE = READ_FILE | WRITE_FILE | IOCTL_DEV

_libc = ctypes.CDLL(None, use_errno=True)
_libc.syscall.restype = ctypes.c_long


def _syscall(number, *args):
    result = _libc.syscall(ctypes.c_long(number), *args)
    if result < 0:
        errno = ctypes.get_errno()
        raise OSError(errno, os.strerror(errno))
    return result


def abi():
    """The kernel's Landlock ABI version, 0 where it has none (too old, not enabled, or a
    seccomp filter that refuses the call)."""
    try:
        return _syscall(CREATE_RULESET, None, ctypes.c_size_t(0), ctypes.c_uint32(CREATE_RULESET_VERSION))
    except OSError:
        return 0


def handled_rights(version):
    """The filesystem rights this ABI version can restrict."""
    rights = (1 << 13) - 1
    if version >= 2:
        rights |= REFER
    if version >= 3:
        rights |= TRUNCATE
    if version >= 5:
        rights |= IOCTL_DEV
    return rights


def restrict(read, write, devices=()):
    """Confine this process and its future children; returns what holds, for the report
    (``{"abi": N, "tcp": bool, "scoped": bool}``). Paths that do not exist are skipped.
    Raises OSError where the kernel has no Landlock."""
    version = abi()
    if version < 1:
        raise OSError("this kernel has no Landlock")
    fs = handled_rights(version)
    net = NET_BIND_TCP | NET_CONNECT_TCP if version >= 4 else 0
    scoped = SCOPE_ABSTRACT_UNIX_SOCKET | SCOPE_SIGNAL if version >= 6 else 0
    attr = struct.pack("=QQQ", fs, net, scoped)[:24 if version >= 6 else 16 if version >= 4 else 8]
    ruleset = _syscall(CREATE_RULESET, ctypes.c_char_p(attr), ctypes.c_size_t(len(attr)), ctypes.c_uint32(0))
    try:
        for paths, rights in ((read, READ), (write, fs), (devices, DEVICE)):
            for path in paths:
                _allow(ruleset, path, rights & fs)
        _libc.prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0)  # restrict_self needs it without CAP_SYS_ADMIN
        _syscall(RESTRICT_SELF, ctypes.c_int(ruleset), ctypes.c_uint32(0))
    finally:
        os.close(ruleset)
    return {"abi": version, "tcp": bool(net), "scoped": bool(scoped)}


def _allow(ruleset, path, rights):
    try:
        fd = os.open(path, os.O_PATH | os.O_CLOEXEC)
    except OSError:
        return
    try:
        if not os.path.isdir(path):
            rights &= FILE_RIGHTS
        beneath = ctypes.create_string_buffer(struct.pack("=Qi", rights, fd))  # packed: 12 bytes
        _syscall(ADD_RULE, ctypes.c_int(ruleset), ctypes.c_int(RULE_PATH_BENEATH), beneath, ctypes.c_uint32(0))
    finally:
        os.close(fd)
