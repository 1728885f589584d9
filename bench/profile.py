"""Where the server's time goes under load: py-spy samples it while wrk loads one endpoint."""
import collections
import pathlib
import shutil
import subprocess
import sys
import threading

from bench import wrk

SAMPLES_PER_SECOND = 200
TOP = 15


def py_spy():
    beside_python = pathlib.Path(sys.executable).parent / "py-spy"
    return str(beside_python) if beside_python.exists() else shutil.which("py-spy")


def available():
    return py_spy() is not None


def record(pid, url, settings, load_pin, headers, output):
    """Sample `pid` for one wrk run against `url`; the collapsed stacks go to `output`.

    Returns `summarise` of the samples. py-spy runs on the load core beside wrk and skips idle stacks, so waiting in epoll is not counted.
    """
    def sample():
        subprocess.run([py_spy(), "record", "--pid", str(pid), "--duration", f"{settings.duration:g}",
                        "--rate", str(SAMPLES_PER_SECOND), "--nonblocking", "--nolineno", "--format", "raw",
                        "--output", str(output)], check=True, capture_output=True, timeout=settings.duration + 60)
    sampler = threading.Thread(target=sample)
    sampler.start()
    try:
        wrk.run(url, settings, load_pin, headers)
    finally:
        sampler.join()
    return summarise(pathlib.Path(output).read_text())


def summarise(collapsed):
    """Per function, the share of samples inside it (inclusive) and in its own code.

    The frames above every request (the module, asyncio's loop: those in as many samples as the
    busiest frame) say nothing and are left out of the inclusive list.
    """
    inclusive, own = collections.Counter(), collections.Counter()
    total = 0
    for line in collapsed.splitlines():
        stack, _, count = line.rpartition(" ")
        frames = stack.split(";")[1:]  # the first frame names the process
        if not frames:
            continue
        total += int(count)
        for frame in set(frames):
            inclusive[frame] += int(count)
        own[frames[-1]] += int(count)
    if not total:
        return {"samples": 0, "inclusive": [], "own": []}
    root = max(inclusive.values())
    return {"samples": total,
            "inclusive": [(f, 100 * n / total) for f, n in inclusive.most_common() if n < root][:TOP],
            "own": [(f, 100 * n / total) for f, n in own.most_common(TOP)]}
