"""What holds a grading's peak memory: the grading runs under a memory-limiting wrapper
(Gradescope's limits), and every 50 ms this script reads the wrapper's memory cgroup (what
the limit counts: anonymous memory and the page cache charged to it) and each process of
the grading (its anonymous and file-backed resident memory). It prints the sample at the
cgroup's highest usage, by process.

    .venv/bin/python benchmarks/grading_memory.py --limits WRAPPER [--course cs236|bundled]
        [--cold]

``--cold`` drops the machine's page cache first (root), as a fresh Gradescope container
starts: a page is charged to the cgroup that first reads it, so on a warm machine the
libraries' pages that other processes read earlier are not counted.
"""
import argparse
import re
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from autograder.sandbox import processes  # noqa: E402
from tests.cs236.submissions import COURSE as CS236, zip_submission  # noqa: E402
from tests.submissions import reference_submission  # noqa: E402

KINDS = (("worker", "worker/main.py"), ("worker", "agworker"), ("grader", "autograder"), ("launcher", "confine.py"))


def process_memory(pid):
    """(kind, RssAnon MB, RssFile MB) of one process, or None once it is gone."""
    try:
        status = Path(f"/proc/{pid}/status").read_text()
        command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
    except OSError:
        return None
    fields = dict(re.findall(r"^(\w+):\s+(\d+) kB", status, re.M))
    kind = next((k for k, mark in KINDS if mark in command), command.split(" ")[0].rsplit("/", 1)[-1] or "other")
    return kind, int(fields.get("RssAnon", 0)) / 1024, int(fields.get("RssFile", 0)) / 1024


def memory_cgroup(pid):
    """The v1 memory cgroup folder of ``pid``, or None once it is gone."""
    try:
        lines = Path(f"/proc/{pid}/cgroup").read_text().splitlines()
    except OSError:
        return None
    for line in lines:
        _, controllers, path = line.split(":", 2)
        if "memory" in controllers.split(","):
            return Path("/sys/fs/cgroup/memory") / path.lstrip("/")
    return None


class Sampler(threading.Thread):
    """Keeps the sample taken at the cgroup's highest usage."""

    def __init__(self, process):
        super().__init__(daemon=True)
        self.process, self.peak, self.started = process, None, time.monotonic()
        self.timeline = []  # (s, cgroup MB, {kind: anonymous MB}) every second or so

    def run(self):
        ours = cgroup = memory_cgroup(self.process.pid)  # the wrapper's children move to a cgroup of its own
        while self.process.poll() is None:
            pids = [self.process.pid, *processes.descendants(self.process.pid)]
            if cgroup == ours:  # the wrapper's: the outermost other than ours (the workers' nest in it)
                cgroup = min({c for c in map(memory_cgroup, pids) if c not in (None, ours)}, default=ours,
                             key=lambda c: len(c.parts))
                if cgroup == ours:
                    time.sleep(0.05)
                    continue
            try:
                usage = int((cgroup / "memory.usage_in_bytes").read_text()) / 2 ** 20
                stat = dict(line.split() for line in (cgroup / "memory.stat").read_text().splitlines())
            except (OSError, TypeError):
                time.sleep(0.05)
                continue
            held, at = [m for m in map(process_memory, pids) if m], time.monotonic() - self.started
            if self.peak is None or usage > self.peak["usage"]:
                self.peak = {"usage": usage, "at": at, "processes": held,
                             "anon": int(stat.get("total_rss", stat["rss"])) / 2 ** 20,  # with the worker's cgroups
                             "cache": int(stat.get("total_cache", stat["cache"])) / 2 ** 20}
            if not self.timeline or at - self.timeline[-1][0] >= 1:
                anon = {}
                for kind, mb, _ in held:
                    anon[kind] = anon.get(kind, 0) + mb
                self.timeline.append((at, usage, anon))
            time.sleep(0.05)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--limits", required=True, help="the Gradescope-limits wrapper command")
    parser.add_argument("--course", choices=["bundled", "cs236"], default="cs236")
    parser.add_argument("--cold", action="store_true", help="drop the page cache first (needs root)")
    args = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="grading-memory-"))
    if args.course == "cs236":
        entry = [sys.executable, "-m", "autograder.cli", "grade", str(zip_submission(folder / "submission")),
                 "--course", str(CS236)]
    else:
        entry = [str(ROOT / "run_autograder"), "--submission", str(reference_submission(folder / "submission"))]
    if args.cold:
        subprocess.run(["sync"], check=True)
        Path("/proc/sys/vm/drop_caches").write_text("3\n")
    process = subprocess.Popen([args.limits, "--", *entry, "--results", str(folder / "results.json"), "--seed", "1",
                                "--quiet", "--device", "cpu"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                               text=True)
    sampler = Sampler(process)
    sampler.start()
    out = process.communicate()[0]
    sampler.join()
    print(next((line for line in out.splitlines() if line.startswith("limits:")), "no limits line"))
    peak = sampler.peak
    if peak is None:
        print("no sample of the cgroup was taken")
        return
    print(f"at the highest sampled usage, {peak['at']:.1f} s in: {peak['usage']:.0f} MB charged to the cgroup, "
          f"{peak['anon']:.0f} MB anonymous and {peak['cache']:.0f} MB page cache")
    print("| process | anonymous MB | file-backed resident MB |\n|---|---|---|")
    for kind, anon, mapped in sorted(peak["processes"], key=lambda m: -m[1]):
        print(f"| {kind} | {anon:.0f} | {mapped:.0f} |")
    print("\ntimeline (s: cgroup MB; anonymous MB by process kind, where a forked child counts the pages it shares "
          "with its parent again):")
    for at, usage, anon in sampler.timeline:
        print(f"  {at:5.1f}: {usage:4.0f}; " + ", ".join(f"{kind} {mb:.0f}" for kind, mb in sorted(anon.items())))


if __name__ == "__main__":
    main()
