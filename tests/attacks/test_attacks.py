"""The attack suite: one hostile submission carrying every attack, graded once.

For each attack: the attacked function earns 0, everything else is graded normally, the
results file is the grader's and valid, grading ends in bounded time, and no file or
process of the submission outlives it.
"""
import json
import os
import re
import secrets
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from autograder.grader.results import validate
from autograder.sandbox import landlock
from tests.attacks import docker_like
from tests.attacks.hostile import ATTACKED, COLLATERAL, hostile_sources, planted_files
from tests.submissions import ROOT, assignment_file, count_tests, reference_submission, system_python_environment

pytestmark = pytest.mark.slow
TIME_BOUND_S = 300


class Listener(threading.Thread):
    """A loopback server that records every connection the submission manages to make."""

    def __init__(self):
        super().__init__(daemon=True)
        self.server = socket.create_server(("127.0.0.1", 0))
        self.server.settimeout(0.5)
        self.port, self.connections, self.stopped = self.server.getsockname()[1], [], False

    def run(self):
        while not self.stopped:
            try:
                self.connections.append(self.server.accept()[0].recv(100))
            except OSError:
                pass


def worker_processes(grader_pid):
    """Live processes of this grading's worker: as root, everything its uid runs (64321 +
    the grader's pid; daemons cannot leave it); otherwise, processes naming a stage."""
    worker_uid = 64321 + grader_pid
    found = []
    for pid in os.listdir("/proc"):
        try:
            if os.geteuid() == 0:
                if os.stat(f"/proc/{pid}").st_uid == worker_uid:
                    found.append(int(pid))
            elif b"agworker-" in Path(f"/proc/{pid}/cmdline").read_bytes():
                found.append(int(pid))
        except (OSError, ValueError):
            pass
    return found


def markers(token):
    places = [Path("/tmp"), Path.home(), ROOT, Path("/")]
    return sorted(str(p) for place in places if place.is_dir() for p in place.glob(f"{token}*"))


def in_docker(folder, landlock=True):
    """(command prefix, python, assignment) for grading as Gradescope's Docker container
    does: root, Docker's default capabilities and seccomp rules (docker_like.py), so
    bubblewrap is refused, with the worker under its own uid (a system Python's
    environment, system_python_environment); ``landlock=False`` as on a kernel without it."""
    return (docker_like.prefix(), system_python_environment(),
            assignment_file(folder, drop=["training"], sandbox={"landlock": landlock}))


@pytest.fixture(scope="module", params=["default", "docker-like", "docker-like without Landlock"])
def attacked(request, tmp_path_factory):
    folder = tmp_path_factory.mktemp("attack")
    # the training problem adds time, not attack surface: its calls go through the same worker
    prefix, python, assignment = [], sys.executable, assignment_file(folder, drop=["training"])
    if request.param.startswith("docker-like"):
        prefix, python, assignment = in_docker(folder, landlock="Landlock" not in request.param)
    token = f"agattack-{secrets.token_hex(4)}"
    listener = Listener()
    listener.start()
    results_path = folder / "results" / "results.json"
    planted = planted_files(token)
    extra = {**planted, **{f"hw3/{name}": text for name, text in planted.items()}}
    submission = reference_submission(folder / "submission", replace=hostile_sources(results_path, token,
                                                                                    listener.port, ROOT), extra=extra)
    started = time.monotonic()
    grader = subprocess.Popen([*prefix, str(ROOT / "run_autograder"), "--submission", str(submission), "--results",
                               str(results_path), "--seed", "11", "--assignment", str(assignment)], stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True, env={"PATH": "/usr/bin:/bin", "AUTOGRADER_PYTHON": python})
    stdout, stderr = grader.communicate(timeout=TIME_BOUND_S + 60)  # run_autograder execs the grader: same pid
    process = subprocess.CompletedProcess(grader.args, grader.returncode, stdout, stderr)
    elapsed = time.monotonic() - started
    written = results_path.read_text()
    time.sleep(2)  # a surviving daemon would rewrite the file by now
    listener.stopped = True
    results = json.loads(results_path.read_text())
    if request.param.startswith("docker-like"):
        assert "bubblewrap refused" in process.stdout, process.stdout
        assert re.search(r"worker ran as uid \d{5,}", process.stdout), process.stdout
        assert ("; Landlock allow-list" in process.stdout) == (request.param == "docker-like" and landlock.abi() > 0)
    if os.geteuid() == 0:  # the uid that worker_processes looks for
        assert f"worker ran as uid {64321 + grader.pid}" in process.stdout, process.stdout
    return {"mode": request.param, "process": process, "grader_pid": grader.pid, "elapsed": elapsed,
            "written": written, "results": results, "token": token,
            "listener": listener, "results_dir": results_path.parent, "submission": submission,
            "by_test": {t["name"].split(" ")[0]: t for t in results["tests"]}}


def covers(test):
    return set(test["name"].split("(", 1)[1].rstrip(")").split(", "))


def test_grading_finishes_in_bounded_time_with_valid_results(attacked):
    assert attacked["process"].returncode == 0, attacked["process"].stderr
    assert attacked["elapsed"] < TIME_BOUND_S
    validate(attacked["results"])
    assert attacked["results"]["output"] != "forged"
    assert len(attacked["results"]["tests"]) == count_tests(drop=["training"])


def test_results_file_is_the_graders_and_stays_so(attacked):
    assert json.loads(attacked["written"]) == attacked["results"]
    assert sorted(p.name for p in attacked["results_dir"].iterdir()) == ["results.json"]


def test_attacked_functions_earn_nothing(attacked):
    for name, test in attacked["by_test"].items():
        if covers(test) & ATTACKED:
            assert test["score"] == 0, (name, test["output"])


def test_everything_else_is_graded_normally(attacked):
    for name, test in attacked["by_test"].items():
        if not covers(test) & (ATTACKED | COLLATERAL):
            assert test["score"] == test["max_score"], (name, test["output"])


@pytest.mark.parametrize("test, expected", [
    ("kl_conjugate", "12345"),
    ("dv_bound", "crashed the worker process"),
    ("kl_discrete", "12345"),
    ("js_discrete", "modified its input tensor #1"),
    ("discriminator_loss", "tensor subclass"),
    ("generator_loss_minimax", "an object of type"),
    ("generator_loss_nonsaturating", "12345"),
    ("generator_loss_ml", "did not finish within 20 s"),
    ("log_normal_mixture", "crashed the worker process"),
    ("log_density_from_discriminator", "an object of type"),
    ("bigan_step", "importing hw3/bigan.py failed: SystemExit"),
])
def test_each_failure_says_what_happened(attacked, test, expected):
    assert expected in attacked["by_test"][test]["output"]


def test_a_worker_killed_for_its_memory_says_so(attacked):
    """The memory bomb's worker is killed by SIGKILL (its cgroup's limit, or the machine's
    out-of-memory killer): the student reads that memory ran out, not only a status."""
    output = attacked["by_test"]["log_normal_mixture"]["output"]
    assert "memory limit" in output or "memory runs out" in output, output


def test_output_is_captured_and_truncated(attacked):
    output = attacked["by_test"]["optimal_discriminator"]["output"]
    assert "more bytes of output dropped" in output and len(output) < (64 + 8) * 1024 + 200


def test_no_code_ran_from_unpickling_planted_files_or_reading_the_reference(attacked):
    assert markers(attacked["token"]) == []
    assert attacked["by_test"]["causal_mask"]["score"] == 0


def test_no_network_where_namespaces_or_landlock_are_available(attacked):
    assert attacked["by_test"]["wasserstein_1d"]["score"] == 0
    if "no network" in attacked["process"].stdout or "TCP blocked" in attacked["process"].stdout:
        assert attacked["listener"].connections == []
    else:  # documented: without a network namespace the grader says so and cannot block it
        assert "network is not blocked" in attacked["process"].stdout
    assert "Isolation" not in attacked["results"]["output"]  # staff read it in the log; students do not


def test_no_process_outlives_grading(attacked):
    assert worker_processes(attacked["grader_pid"]) == []


def test_fork_bomb_is_bounded(attacked):
    output = attacked["by_test"]["gmvae_kl_estimate"]["output"]
    assert "got " in output  # it returned the number of children it managed: far below 300
    got = float(output.split("got ")[1].split(",")[0])
    assert got < 100
