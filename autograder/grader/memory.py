"""What the grader's own computations on a student's values may allocate.

The grader computes some things from values a student chose: a served helper's arguments
(serving.py), an answer's expression (answers.py). An integer or a shape can ask for any
amount of memory, and the grader running out of memory would leave the grading without a
results file. So such a computation runs with the address space limited to what the
process already has plus a fixed allowance, and a larger allocation fails at once, as an
exception, instead of being found by the kernel's out-of-memory killer.
"""
import contextlib
import os
import resource


PAGE = resource.getpagesize()
_statm = None  # (pid, fd) of this process's /proc/self/statm, kept open: it is read once per served frame


def address_space():
    """Bytes of address space this process has mapped (0 where /proc is not there): the
    first field of /proc/self/statm, read through a descriptor kept open (a read is a few
    microseconds; opening /proc/self/status and parsing it took about 80 per frame)."""
    global _statm
    try:
        if _statm is None or _statm[0] != os.getpid():  # a forked child reads its own
            _statm = (os.getpid(), os.open("/proc/self/statm", os.O_RDONLY | os.O_CLOEXEC))
        return int(os.pread(_statm[1], 64, 0).split()[0]) * PAGE
    except (OSError, ValueError, IndexError):
        return 0


@contextlib.contextmanager
def at_most(extra_bytes):
    """Within the block, allocations beyond ``extra_bytes`` more than the process holds fail
    (MemoryError, or torch's RuntimeError "can't allocate memory"). The soft limit alone is
    lowered, and restored after: the process may raise it back up to its hard limit. Where
    the address space cannot be read, the block runs without a limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    held = address_space()
    limit = held + extra_bytes
    if not held or (soft != resource.RLIM_INFINITY and soft <= limit):
        yield
        return
    resource.setrlimit(resource.RLIMIT_AS, (limit, hard))
    try:
        yield
    finally:
        resource.setrlimit(resource.RLIMIT_AS, (soft, hard))


def out_of_memory(exc):
    """Whether ``exc`` is an allocation that failed (Python's or torch's)."""
    return isinstance(exc, MemoryError) or (isinstance(exc, RuntimeError) and "can't allocate memory" in str(exc))
