"""What a load run adds to Locust's statistics: calls, and each command against its timeout.

Locust counts requests; it does not know that a request belongs to a call, that the call then
took an Error branch, or that a command has a timeout after which Opentact gives up. A
``Collector`` keeps those per process; workers send what is new (``drain``) to the master,
which ``merge``s it, so the report of a distributed run is the report of all its calls.
Plain data only (no Locust import): the CLI, the tests and the master all read it.
"""

from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

REPORT_VERSION = 1


@dataclass
class CommandStats:
    """The requests of one command (one stats name)."""

    timeout_ms: int
    samples: list[tuple[float, int]] = field(default_factory=list)
    """(wall-clock time the request was sent, milliseconds it took)."""
    failures: Counter[str] = field(default_factory=Counter)
    """Failure kind (``late``, ``status 500``, ``invalid document``, ``no answer``) -> count."""


@dataclass
class Collector:
    """Requests per command and calls, for one process (or, merged, for the whole run)."""

    commands: dict[str, CommandStats] = field(default_factory=dict)
    calls: Counter[str] = field(default_factory=Counter)
    """``started``, ``completed``, ``not_answered``, ``backend_failed``, ``error_branch``, and
    ``ending:<how>`` per way a call ended."""
    requests: int = 0
    _sent: dict[str, int] = field(default_factory=dict)
    _failures_sent: dict[str, Counter[str]] = field(default_factory=dict)
    _calls_sent: Counter[str] = field(default_factory=Counter)

    def request(self, name: str, timeout_ms: int, at: float, ms: int, kind: str | None) -> None:
        stats = self.commands.get(name)
        if stats is None:
            stats = self.commands[name] = CommandStats(timeout_ms)
        stats.samples.append((at, ms))
        if kind is not None:
            stats.failures[kind] += 1
        self.requests += 1

    def call(self, *, answered: bool, ending: str | None, backend_failed: bool,
             error_branch: bool) -> None:  # fmt: skip
        """One call placed and over (``ending`` None: it was cut short by the end of the run)."""
        self.calls["started"] += 1
        if not answered:
            self.calls["not_answered"] += 1
            return
        if ending is not None:
            self.calls["completed"] += 1
            self.calls[f"ending:{ending}"] += 1
        if backend_failed:
            self.calls["backend_failed"] += 1
        if error_branch:
            self.calls["error_branch"] += 1

    # ---- distributed: what is new since the last report, and adding it up -----------------

    def drain(self) -> dict[str, Any]:
        """What this process collected since the last ``drain`` (for the master)."""
        commands: dict[str, Any] = {}
        for name, stats in self.commands.items():
            start = self._sent.get(name, 0)
            old = self._failures_sent.setdefault(name, Counter())
            new_failures = stats.failures - old
            if start == len(stats.samples) and not new_failures:
                continue
            commands[name] = {
                "timeout_ms": stats.timeout_ms,
                "samples": stats.samples[start:],
                "failures": dict(new_failures),
            }
            self._sent[name] = len(stats.samples)
            old.update(new_failures)
        calls = self.calls - self._calls_sent
        self._calls_sent.update(calls)
        return {"commands": commands, "calls": dict(calls)}

    def merge(self, data: dict[str, Any]) -> None:
        """Add what a worker drained."""
        for name, part in data.get("commands", {}).items():
            stats = self.commands.get(name)
            if stats is None:
                stats = self.commands[name] = CommandStats(int(part["timeout_ms"]))
            stats.samples.extend((float(a), int(b)) for a, b in part["samples"])
            stats.failures.update(part["failures"])
            self.requests += len(part["samples"])
        self.calls.update(data.get("calls", {}))

    # ---- the report ----------------------------------------------------------------------

    def report(self, start: float, settings: dict[str, Any] | None = None) -> dict[str, Any]:
        """The end-of-run report (the ``--json`` file): calls, then one entry per command."""
        commands = []
        for name in sorted(self.commands, key=_order):
            stats = self.commands[name]
            times = sorted(ms for _, ms in stats.samples)
            failed = sum(stats.failures.values())
            first = first_over(stats.samples, stats.timeout_ms, start)
            commands.append({
                "name": name,
                "timeout_ms": stats.timeout_ms,
                "requests": len(times),
                "failures": failed,
                "failure_ratio": failed / len(times) if times else 0.0,
                "failures_by_kind": dict(sorted(stats.failures.items())),
                "p50_ms": percentile(times, 50),
                "p95_ms": percentile(times, 95),
                "p99_ms": percentile(times, 99),
                "max_ms": times[-1] if times else None,
                "p95_over_timeout_at_s": first,
            })  # fmt: skip
        calls = self.calls
        endings = {k.split(":", 1)[1]: v for k, v in sorted(calls.items()) if ":" in k}
        return {
            "version": REPORT_VERSION,
            "settings": settings or {},
            "requests": sum(c["requests"] for c in commands),
            "failures": sum(c["failures"] for c in commands),
            "calls": {
                "started": calls["started"],
                "completed": calls["completed"],
                "not_answered": calls["not_answered"],
                "cut_short": calls["started"] - calls["completed"] - calls["not_answered"],
                "with_backend_failure": calls["backend_failed"],
                "error_branch_by_backend": calls["error_branch"],
                "endings": endings,
            },
            "commands": commands,
        }


def percentile(ordered: list[int], pct: float) -> int | None:
    """Nearest-rank percentile of sorted values (None when there are none)."""
    if not ordered:
        return None
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[rank - 1]


def first_over(samples: list[tuple[float, int]], timeout_ms: int, start: float) -> int | None:
    """The first second of the run (counted from ``start``) in which the command's p95 was
    above its timeout: when the backend began to lose callers at this step."""
    seconds: dict[int, list[int]] = {}
    for at, ms in samples:
        seconds.setdefault(max(0, int(at - start)), []).append(ms)
    for second in sorted(seconds):
        p95 = percentile(sorted(seconds[second]), 95)
        if p95 is not None and p95 > timeout_ms:
            return second
    return None


def _order(name: str) -> tuple[int, str, int]:
    """The flow's own commands first, by line; then each fetched document's, by URL and line."""
    where, _, rest = name.rpartition(" L") if not name.startswith("L") else ("", "", name[1:])
    line = rest.split(" ", 1)[0]
    return (1 if where else 0, where, int(line) if line.isdigit() else 0)


def over_ratio(report: dict[str, Any], fail_ratio: float) -> list[dict[str, Any]]:
    """The commands whose failure ratio exceeds ``fail_ratio``."""
    return [c for c in report["commands"] if c["failure_ratio"] > fail_ratio]


def table(report: dict[str, Any]) -> list[str]:
    """The report as the lines ``callflow load`` prints: calls, then one row per command."""
    calls = report["calls"]
    lines = [
        f"calls: {calls['started']} placed, {calls['completed']} completed, "
        f"{calls['cut_short']} cut short by the end of the run, "
        f"{calls['not_answered']} not answered",
        f"calls with a failed request: {calls['with_backend_failure']}, "
        f"of which took an Error branch: {calls['error_branch_by_backend']}",
        "",
        f"{'command':<40} {'reqs':>6} {'fail':>6} {'p50':>6} {'p95':>6} {'p99':>6} "
        f"{'timeout':>8}  p95>timeout at",
    ]
    for c in report["commands"]:
        at = "-" if c["p95_over_timeout_at_s"] is None else f"{c['p95_over_timeout_at_s']} s"
        cells = [c[k] if c[k] is not None else "-" for k in ("p50_ms", "p95_ms", "p99_ms")]
        lines.append(
            f"{c['name'][:40]:<40} {c['requests']:>6} {c['failures']:>6} "
            f"{cells[0]:>6} {cells[1]:>6} {cells[2]:>6} {c['timeout_ms']:>8}  {at}"
        )
        for kind, count in c["failures_by_kind"].items():
            lines.append(f"    {count} {kind}")
    lines.append(f"total: {report['requests']} requests, {report['failures']} failed")
    return lines
