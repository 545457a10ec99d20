"""The grader's handle on one untrusted worker: start it confined, send plain-data
requests with a deadline, capture its output, and kill everything it started."""
import json
import os
import select
import subprocess
import sys
import threading
import time
from pathlib import Path

from ..worker import wire
from . import policy, processes
from .confinement import Confinement

CONFINE = Path(__file__).with_name("confine.py")


class WorkerDied(Exception):
    """The worker exited or broke the protocol during a request."""


class WorkerTimeout(WorkerDied):
    """The worker did not answer within the deadline and was killed."""


class _Drain(threading.Thread):
    """Reads the worker's stdout and stderr, keeping at most ``cap`` bytes per take."""

    def __init__(self, fd, cap):
        super().__init__(daemon=True)
        self.fd, self.cap, self.lock = fd, cap, threading.Lock()
        self.kept, self.dropped = bytearray(), 0

    def run(self):
        while chunk := os.read(self.fd, 1 << 16):
            with self.lock:
                room = self.cap - len(self.kept)
                self.kept += chunk[:max(room, 0)]
                self.dropped += max(len(chunk) - max(room, 0), 0)
        os.close(self.fd)

    def take(self):
        with self.lock:
            text = self.kept.decode("utf-8", "replace")
            if self.dropped:
                text += f"\n[... {self.dropped} more bytes of output dropped]"
            self.kept, self.dropped = bytearray(), 0
            return text


class Worker:
    """One confined worker process serving calls on a staged submission."""

    def __init__(self, stage, limits, confinement=None, device="cpu"):
        """``confinement``: ``confinement.decide``'s decision; None runs the worker as the
        grader's user with rlimits only."""
        self.stage, self.limits, self.device = stage, limits, device
        self.confinement = confinement or Confinement()
        self.proc, self.layers, self.cgroups, self.drain = None, None, [], None

    def start(self):
        """Start the worker; the calling thread must outlive it (bubblewrap's
        --die-with-parent is a parent-death signal, which fires when that thread exits)."""
        to_worker_r, to_worker_w = os.pipe()
        from_worker_r, from_worker_w = os.pipe()
        output_r, output_w = os.pipe()
        self.cgroups = policy.make_cgroups(f"agworker-{os.getpid()}-{time.monotonic_ns()}", self.limits)
        # CUDA reserves far more address space than it uses; rely on cgroup and OOM score there
        address_space = None if self.device.startswith("cuda") else self.limits.address_space_mb << 20
        config = {
            "argv": [sys.executable, "-I", "-B", "-u", str(self.stage.main), str(to_worker_r),
                     str(from_worker_w), json.dumps(self.stage.worker_config())],
            "env": self._environment(), "out_fd": from_worker_w, "cgroups": self.cgroups,
            **self.confinement.launcher_config(), "launcher": str(self.stage.launcher),
            "scratch": str(self.stage.scratch),
            "limits": {"processes": self.limits.processes, "file_bytes": self.limits.file_mb << 20,
                       "address_space_bytes": address_space},
        }
        self.proc = subprocess.Popen(
            [sys.executable, "-I", "-S", str(CONFINE), json.dumps(config)],
            pass_fds=(to_worker_r, from_worker_w), stdin=subprocess.DEVNULL, stdout=output_w,
            stderr=output_w, start_new_session=True, cwd=self.stage.root / "scratch", env=self._environment())
        for fd in (to_worker_r, from_worker_w, output_w):
            os.close(fd)
        self.to_worker, self.from_worker = to_worker_w, from_worker_r
        self.drain = _Drain(output_r, self.limits.output_kb << 10)
        self.drain.start()
        try:
            confined, _ = self._receive(self.limits.startup_s)
            self.layers = confined.get("layers", {})
            ready, _ = self._receive(self.limits.startup_s)
        except WorkerDied as exc:  # only our code has run yet: its output is ours to show
            raise WorkerDied(f"{exc}; worker output: {self.output()[-2000:]}") from None
        if ready.get("event") != "ready":
            raise WorkerDied("the worker did not start")
        return self

    def _environment(self):
        env = {"PATH": "/usr/bin:/bin", "HOME": str(self.stage.scratch), "TMPDIR": str(self.stage.scratch),
               "LANG": "C.UTF-8", "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}
        if "CUDA_VISIBLE_DEVICES" in os.environ:
            env["CUDA_VISIBLE_DEVICES"] = os.environ["CUDA_VISIBLE_DEVICES"]
        return env

    def _receive(self, timeout):
        deadline = time.monotonic() + timeout

        def read(n):
            # a descendant of the worker may hold the pipe open after the worker died, so
            # its death is watched directly rather than waited for as end-of-file
            while not select.select([self.from_worker], [], [], 0.1)[0]:
                if self.proc.poll() is not None:
                    raise EOFError("the worker process ended")
                if time.monotonic() > deadline:
                    raise WorkerTimeout(f"no answer within {timeout:g} s")
            return os.read(self.from_worker, min(n, 1 << 20))

        try:
            return wire.decode(read)
        except WorkerTimeout:
            self.stop()
            raise
        except (EOFError, wire.WireError, OSError) as exc:
            raise WorkerDied(f"the worker {self._ended()} ({exc})") from None

    def request(self, header, arrays=(), timeout=30.0, serve=None):
        """Send one request; returns ``(answer, arrays)`` or raises WorkerDied/WorkerTimeout.
        Frames the worker sends before its answer (``{"event": "helper", ...}``) are answered
        with ``serve(frame, arrays) -> (header, arrays)``, within the same deadline."""
        deadline = time.monotonic() + timeout
        self._send(header, arrays, timeout)
        while True:
            frame, frame_arrays = self._receive(max(deadline - time.monotonic(), 0.0))
            if "event" not in frame:
                return frame, frame_arrays
            if serve is None:
                self.stop()
                raise WorkerDied(f"the worker sent an unexpected {frame.get('event')!r} frame")
            self._send(*serve(frame, frame_arrays), max(deadline - time.monotonic(), 0.0))

    def _send(self, header, arrays, timeout):
        view = memoryview(wire.encode(header, arrays))
        while view:
            if not select.select([], [self.to_worker], [], timeout)[1]:
                self.stop()
                raise WorkerTimeout(f"the worker did not read its request within {timeout:g} s")
            try:
                view = view[os.write(self.to_worker, view[:1 << 16]):]
            except OSError:
                raise WorkerDied(f"the worker {self._ended()}") from None

    def output(self):
        return self.drain.take() if self.drain else ""

    @property
    def alive(self):
        return self.proc is not None and self.proc.poll() is None

    def _ended(self):
        """Stop a worker that broke off a request (its channel closed), and say how it ended:
        by its own exit, or killed, and when killed by SIGKILL what its memory says."""
        try:  # a worker that died is gone within moments; its own status, not our kill's
            own = self.proc.wait(timeout=1) if self.proc is not None else None
        except subprocess.TimeoutExpired:
            own = None
        peak, kills = policy.memory_used(self.cgroups)
        status = self.stop()
        if own is None:
            return _describe_exit(status)
        if own in (-9, 128 + 9):  # SIGKILL, seen directly or through bubblewrap's status
            if kills and peak is not None and peak < 0.95 * self.limits.memory_mb:  # a limit around the grading's
                return (f"was killed when the memory of the whole grading ran out (it had used {peak} MB of its "
                        f"own {self.limits.memory_mb} MB)")
            if kills:
                return f"was killed for using more than its memory limit ({self.limits.memory_mb} MB)"
            used = f"; it had used up to {peak} MB" if peak else ""
            return f"was killed by SIGKILL, as the system kills a process when memory runs out{used}"
        return _describe_exit(own)

    def stop(self):
        """Kill the worker and everything it started; returns its exit status."""
        if self.proc is None:
            return None
        processes.kill_tree(self.proc.pid, extra=policy.cgroup_pids(self.cgroups))
        try:
            status = self.proc.wait(timeout=5)
        except subprocess.TimeoutExpired:
            status = None
        for fd in (self.to_worker, self.from_worker):
            try:
                os.close(fd)
            except OSError:
                pass
        if self.drain:
            self.drain.join(timeout=2)
        policy.remove_cgroups(self.cgroups)
        self.proc, self.cgroups = None, []
        return status


def _describe_exit(status):
    if status is None:
        return "stopped"
    if status < 0:
        return f"was killed by signal {-status}"
    if status == 0:  # the worker never exits by itself: the submission ended the process (os._exit)
        return "exited (status 0) in the middle of a request: the submission's code ended the process"
    return f"exited with status {status}"
