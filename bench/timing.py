"""Timing rules shared by every benchmark: calibrated loops, interleaved repeats, medians.

Contestants of one comparison run in turns (A, B, C, A, B, C, ...) in the same process, so a
machine that slows down or speeds up mid-run affects all of them alike; each is reported as
the median of its repeats.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass

Prepare = Callable[[int], Callable[[], object]]
"""Given a number of iterations, set up (untimed) and return the timed callable doing them."""


@dataclass(frozen=True, slots=True)
class Plan:
    """How long to measure: repeats per contestant and the least time per repeat."""

    repeats: int
    min_seconds: float


def _calibrate(prepare: Prepare, min_seconds: float) -> int:
    """Iterations that take about ``min_seconds`` (at least one)."""
    n = 1
    while True:
        run = prepare(n)
        start = time.perf_counter()
        run()
        took = time.perf_counter() - start
        if took >= min_seconds / 4 or n >= 1 << 24:
            return max(1, round(n * min_seconds / max(took, 1e-9)))
        n *= 4 if took < min_seconds / 40 else 2


def compare(contestants: Mapping[str, Prepare], plan: Plan) -> dict[str, float]:
    """Median iterations per second of each contestant, measured in turns."""
    loops = {name: _calibrate(prep, plan.min_seconds) for name, prep in contestants.items()}
    rates: dict[str, list[float]] = {name: [] for name in contestants}
    for _ in range(plan.repeats):
        for name, prep in contestants.items():
            run = prep(loops[name])
            start = time.perf_counter()
            run()
            rates[name].append(loops[name] / (time.perf_counter() - start))
    return {name: statistics.median(values) for name, values in rates.items()}


def cpu_seconds() -> float:
    """CPU time of this process and of its finished children (worker pools)."""
    total = time.process_time()
    try:
        import resource
    except ImportError:  # not on Windows: children are not counted there
        return total
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return total + children.ru_utime + children.ru_stime


@dataclass(frozen=True, slots=True)
class Pass:
    """Medians over the repeats of a whole-pass contestant."""

    per_s: float
    """Items per second of wall time."""
    cpu_us: float
    """CPU microseconds per item, all processes together (shows what a pool costs)."""


def passes(contestants: Mapping[str, Callable[[], int]], repeats: int) -> dict[str, Pass]:
    """Contestants that each do one whole pass per call and return how many items it handled
    (a lint of a whole corpus), measured in turns."""
    rates: dict[str, list[float]] = {name: [] for name in contestants}
    cpus: dict[str, list[float]] = {name: [] for name in contestants}
    for _ in range(repeats):
        for name, run in contestants.items():
            cpu = cpu_seconds()
            start = time.perf_counter()
            items = run()
            rates[name].append(items / (time.perf_counter() - start))
            cpus[name].append((cpu_seconds() - cpu) / items * 1e6)
    return {
        name: Pass(statistics.median(rates[name]), statistics.median(cpus[name]))
        for name in contestants
    }


def ratio(ours: float | None, theirs: float | None) -> float | None:
    """How many times faster ours is (None when either side was not measured)."""
    if not ours or not theirs:
        return None
    return round(ours / theirs, 2)
