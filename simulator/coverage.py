"""Which commands and branches of a flow some runs exercised: a tally, a table and JSON.

The denominators come from the document (``callflow.graph.commands`` / ``branches``); the
numerators from the machine's trail of each run (``Machine(trace=True)``), which names every
command it ran and every branch it took. Only the flow's own document counts: commands of
fetched documents are not the flow's.

The JSON (``version`` 1) is what ``callflow graph --coverage`` colours a graph with::

    {"version": 1, "flows": [{"flow": "menu.xml", "sha256": "...", "runs": 12,
      "commands": {"total": 30, "covered": 28, "percent": 93.3,
                   "items": [{"id": "3", "line": 6, "command": "Gather", "hits": 12}, ...]},
      "branches": {"total": 20, "covered": 15, "percent": 75.0,
                   "items": [{"id": "3", "line": 6, "command": "Gather", "branch": "1",
                              "hits": 4}, ...]}}]}

``hits`` counts the runs (or explored paths) that reached the command or took the branch.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from pathlib import Path
from typing import Any

from callflow import graph
from callflow import model as m
from simulator.machine import RUNS, Trail

VERSION = 1


def trail_items(trail: Trail | None) -> tuple[set[int], set[tuple[int, str]]]:
    """The commands (``id``) and branches (``(id, label)``) a run's trail names, once each."""
    ran: set[int] = set()
    took: set[tuple[int, str]] = set()
    while trail:
        item, trail = trail
        if type(item) is int:
            ran.add(item)
        else:
            took.add(item)
    return ran, took


class Tally:
    """Coverage of one flow document over many runs."""

    def __init__(self, doc: m.Response, flow: str, sha256: str | None = None) -> None:
        self.doc = doc
        self.flow = flow
        self.sha256 = sha256
        self.ids = graph.site_ids(doc)
        self.commands = graph.commands(doc)
        self.branches = graph.branches(doc)
        self.command_hits: Counter[str] = Counter()
        self.branch_hits: Counter[tuple[str, str]] = Counter()
        self.runs = 0
        self._other: tuple[m.Response | None, dict[int, str]] = (None, {})

    def add(self, trail: Trail | None, doc: m.Response | None = None
            ) -> tuple[frozenset[str], frozenset[tuple[str, str]]]:  # fmt: skip
        """Count one run of ``doc`` (default: the tally's; another parse of the same file is
        fine); returns the site ids it ran and the branches it took."""
        ran, took = trail_items(trail)
        if doc is None or doc is self.doc:
            ids = self.ids
        else:
            ids = self._other[1] if self._other[0] is doc else graph.site_ids(doc)
            self._other = (doc, ids)
        commands = frozenset(ids[i] for i in ran if i in ids)
        branches = frozenset((ids[i], label) for i, label in took if i in ids)
        self.command_hits.update(commands)
        self.branch_hits.update(branches)
        self.runs += 1
        return commands, branches

    # ---- results ---------------------------------------------------------------------------

    def uncovered_commands(self) -> list[graph.Site]:
        return [s for s in self.commands if not self.command_hits[s.id]]

    def uncovered_branches(self) -> list[graph.Site]:
        return [s for s in self.branches if not self.branch_hits[(s.id, s.label)]]

    def percent(self, of: str) -> float:
        """Covered share of ``commands`` or ``branches`` in percent (100 when there are none)."""
        sites = self.commands if of == "commands" else self.branches
        if not sites:
            return 100.0
        missing = len(self.uncovered_commands() if of == "commands" else self.uncovered_branches())
        return 100.0 * (len(sites) - missing) / len(sites)

    def to_json(self) -> dict[str, Any]:
        def part(sites: list[graph.Site], hits: Any, branch: bool) -> dict[str, Any]:
            items = []
            for s in sites:
                item: dict[str, Any] = {"id": s.id, "line": s.line, "command": s.command}
                if branch:
                    item["branch"] = s.label
                item["hits"] = hits[(s.id, s.label)] if branch else hits[s.id]
                items.append(item)
            covered = sum(1 for i in items if i["hits"])
            percent = round(100.0 * covered / len(items), 1) if items else 100.0
            return {"total": len(items), "covered": covered, "percent": percent, "items": items}

        out: dict[str, Any] = {"flow": self.flow}
        if self.sha256 is not None:
            out["sha256"] = self.sha256
        out["runs"] = self.runs
        out["commands"] = part(self.commands, self.command_hits, False)
        out["branches"] = part(self.branches, self.branch_hits, True)
        return out

    def table(self) -> list[str]:
        """Lines for a terminal: the totals, then every command and branch not covered."""
        c_total, b_total = len(self.commands), len(self.branches)
        c_cov = c_total - len(self.uncovered_commands())
        b_cov = b_total - len(self.uncovered_branches())
        lines = [
            f"{self.flow}: commands {c_cov}/{c_total} ({self.percent('commands'):.1f}%), "
            f"branches {b_cov}/{b_total} ({self.percent('branches'):.1f}%)"
        ]
        for site in self.uncovered_commands():
            lines.append(f"  {_where(self.flow, site)}: {site.command} never ran")
        for site in self.uncovered_branches():
            lines.append(f"  {_where(self.flow, site)}: {site.command} branch "
                         f"{describe(site.label)} never taken")  # fmt: skip
        return lines


def describe(label: str) -> str:
    """A branch label for people: DTMF values become ``key 1``."""
    return f"key {label}" if label and label[0] in graph.KEYS else repr(label)


def _where(flow: str, site: graph.Site) -> str:
    return f"{flow}:{site.line}" if site.line is not None else f"{flow} (at {site.id})"


class Collector:
    """Tallies of every scripted call made while ``collect()`` is active, one per flow file."""

    def __init__(self) -> None:
        self.tallies: dict[str, Tally] = {}

    def add(self, doc: m.Response, file: str | None, trail: Trail | None) -> None:
        name = file or "<flow>"
        tally = self.tallies.get(name)
        if tally is None:
            sha = graph.digest(Path(file)) if file is not None else None
            tally = self.tallies[name] = Tally(doc, name, sha)
        tally.add(trail, doc)


@contextmanager
def collect() -> Iterator[Collector]:
    """Count the coverage of every ``simulate`` call (scenarios included) inside the block."""
    collector = Collector()
    token = RUNS.set(collector.add)
    try:
        yield collector
    finally:
        RUNS.reset(token)


def report(tallies: list[Tally]) -> dict[str, Any]:
    """The coverage JSON of several flows."""
    return {"version": VERSION, "flows": [t.to_json() for t in tallies]}


def combined_percent(tallies: list[Tally]) -> float:
    """Branch coverage over all flows together, in percent (for ``--fail-under``)."""
    total = sum(len(t.branches) for t in tallies)
    if not total:
        return 100.0
    covered = sum(len(t.branches) - len(t.uncovered_branches()) for t in tallies)
    return 100.0 * covered / total


def measuring(enabled: bool) -> AbstractContextManager[Collector | None]:
    """``collect()`` when coverage was asked for, else a block that measures nothing."""
    return collect() if enabled else nullcontext()


def conclude(collector: Collector, show: bool, json_file: Path | None,
             fail_under: float | None) -> tuple[list[str], bool]:  # fmt: skip
    """After a test run: the lines to print (table, verdict), and whether coverage is too low.

    Writes the JSON to ``json_file`` (``OSError`` when it cannot). ``fail_under`` compares the
    branch coverage of all flows together.
    """
    tallies = sorted(collector.tallies.values(), key=lambda t: t.flow)
    lines = [line for t in tallies for line in t.table()] if show else []
    if json_file is not None:
        json_file.write_text(json.dumps(report(tallies), indent=2) + "\n", encoding="utf-8")
    low = False
    if fail_under is not None:
        percent = combined_percent(tallies)
        low = percent < fail_under
        verdict = "below" if low else "meets"
        lines.append(f"branch coverage {percent:.1f}% {verdict} --fail-under {fail_under:g}%")
    return lines, low
