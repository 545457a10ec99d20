"""The Landlock layer on its own: what a restricted process can still do."""
import os
import socket
import sys

import pytest

from autograder.sandbox import landlock, view

pytestmark = pytest.mark.skipif(landlock.abi() < 1, reason="this kernel has no Landlock")


def in_restricted_child(read, write, action):
    """Run ``action()`` in a forked child restricted to ``read``/``write``; its result."""
    reader, writer = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(reader)
        try:
            landlock.restrict(read, write, ["/dev/null"])
            outcome = repr(action())
        except BaseException as exc:  # noqa: BLE001 - reported to the parent
            outcome = f"raised {type(exc).__name__}: {exc}"
        os.write(writer, outcome.encode())
        os._exit(0)
    os.close(writer)
    os.waitpid(pid, 0)
    with os.fdopen(reader) as f:
        return f.read()


@pytest.fixture
def allowed(tmp_path):
    (tmp_path / "scratch").mkdir()
    (tmp_path / "secret.txt").write_text("the seed is 424242")
    return [source for source, _ in view.interpreter_roots()], [str(tmp_path / "scratch")], tmp_path


def test_reads_only_beneath_the_read_roots(allowed):
    read, write, folder = allowed
    assert in_restricted_child(read, write, lambda: open(folder / "secret.txt").read()).startswith("raised Permission")
    assert in_restricted_child(read, write, lambda: len(open(os.__file__).read()) > 0) == "True"
    assert in_restricted_child(read, write, lambda: os.listdir("/")).startswith("raised Permission")


def test_writes_only_beneath_the_write_roots(allowed):
    read, write, folder = allowed
    assert in_restricted_child(read, write, lambda: (folder / "scratch" / "x").write_text("ok")) == "2"
    assert in_restricted_child(read, write, lambda: (folder / "y").write_text("no")).startswith("raised Permission")


def test_no_tcp_from_abi_4(allowed):
    if landlock.abi() < 4:
        pytest.skip("Landlock ABI < 4 does not restrict TCP")
    read, write, _ = allowed
    server = socket.create_server(("127.0.0.1", 0))
    port = server.getsockname()[1]
    outcome = in_restricted_child(read, write, lambda: socket.create_connection(("127.0.0.1", port), timeout=2))
    server.close()
    assert outcome.startswith("raised PermissionError"), outcome


def test_a_kernel_without_landlock_is_named(monkeypatch):
    monkeypatch.setattr(landlock, "abi", lambda: 0)
    with pytest.raises(OSError, match="no Landlock"):
        landlock.restrict([sys.prefix], [])
