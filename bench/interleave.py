"""Figures measured interleaved with the baseline: baseline, endpoint, baseline, endpoint, baseline.

Both servers stay up, on the same core. Each endpoint run's ratio is taken to the baseline runs
just before and just after it, so a figure's ratio never rests on a baseline measured minutes
away (on the 2-core machine the baseline alone drifts by a third over a full run).
"""
import contextlib
import dataclasses
import time
from collections.abc import Callable

from bench import cpu, wrk


@dataclasses.dataclass(frozen=True)
class Target:
    """What one figure loads: `url` with `headers`; the CPU time of process group `server_group`
    is read around each run (None: not measured); `during()`, a context manager, runs around
    each measured run (a background load), not around the baseline runs."""
    url: str
    headers: tuple = ()
    server_group: int | None = None
    during: Callable | None = None


class Interleaved:
    """The baseline's runs of a whole benchmark, and the figures measured between them."""

    def __init__(self, baseline_url, settings, load_pin):
        self.baseline_url = baseline_url
        self.settings = settings
        self.load_pin = load_pin
        self.baseline_runs = []  # every baseline run, in order
        self._last_ended = None  # time.monotonic() at the end of the latest baseline run

    def baseline(self):
        run = wrk.run(self.baseline_url, self.settings, self.load_pin)
        self.baseline_runs.append(run)
        self._last_ended = time.monotonic()
        return run

    def _neighbour(self):
        """The latest baseline run if nothing came between it and now for longer than a run
        lasts (a server start, a slow first answer); else a new one."""
        if self._last_ended is None or time.monotonic() - self._last_ended > self.settings.duration:
            return self.baseline()
        return self.baseline_runs[-1]

    def measure(self, targets, repeats, warmup):
        """A Measurement per target: `repeats` rounds of (each target, then a baseline run), each
        target warmed up for `warmup` seconds (unmeasured) before its first run."""
        if not targets:
            return []
        runs = [[] for _ in targets]
        neighbours = [[] for _ in targets]
        before = self._neighbour()
        for round_number in range(repeats):
            for index, target in enumerate(targets):
                if round_number == 0 and warmup:
                    wrk.run(target.url, self.settings, self.load_pin, target.headers, duration=warmup)
                runs[index].append(self._run(target))
                after = self.baseline()
                neighbours[index].append((before, after))
                before = after
        return [wrk.Measurement(r, n) for r, n in zip(runs, neighbours)]

    def _run(self, target):
        with target.during() if target.during else contextlib.nullcontext():
            started = cpu.group_seconds(target.server_group) if target.server_group else None
            run = wrk.run(target.url, self.settings, self.load_pin, target.headers)
            if started is None:
                return run
            return dataclasses.replace(run, cpu_seconds=cpu.group_seconds(target.server_group) - started)
