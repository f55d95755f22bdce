"""What a coverage report (``callflow test --coverage-json``, ``callflow explore --format
json``) says of a flow, for the page: the graph steps and branch edges its runs took.

The report is read through ``callflow.coverage_report`` (the flow's entry found by content,
then by resolved path), the same reader ``callflow graph --coverage`` uses, so the page and
the drawn graph colour alike. The file is read again on every request: rerunning the tests
updates the colours.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from callflow import graph as g
from callflow import model as m
from callflow.coverage_report import read_marks


def tested(model: m.Response, flow: Path, report: Path) -> dict[str, Any]:
    """Steps and branches covered (ids as the SVG names them), their share, and a warning
    when the report was measured on another version of the flow. ``CoverageError`` when the
    report is unusable or has no entry for the flow."""
    marks, warning = read_marks(report, flow)
    graph = g.build(model)
    counted = [s for s in graph.steps if s.site is not None]
    steps = sorted(s.id for s in counted if s.site in marks.commands)
    edges = {e.branch for e in graph.edges if e.branch is not None}
    taken = sorted(f"{site}|{label}" for site, label in edges & marks.branches)
    return {
        "file": report.name,
        "steps": steps,
        "branches": taken,
        "commands_percent": _percent(len(steps), len(counted)),
        "branches_percent": _percent(len(taken), len(edges)),
        "warning": warning.replace(str(report), report.name) if warning else None,
    }


def _percent(part: int, whole: int) -> float:
    return round(100 * part / whole, 1) if whole else 100.0
