"""``callflow graph`` on one long block: a ``<Response>`` of 99,990 ``<Say>`` commands.

Drawing used to search the sibling list for the command after each command, so this took
minutes; it is linear now. Measured: parse, build the graph and write Mermaid, as the CLI does.
Half the size is measured too, so the ratio shows whether the cost grows linearly (about 2x;
a document may hold at most 100,000 elements, so the full size cannot be doubled).
"""

from __future__ import annotations

import statistics
import time
from typing import Any

from callflow import graph
from callflow.cli.graph import mermaid
from callflow.parser import parse

SAYS = {"full": 99_990, "quick": 20_000, "smoke": 200}


def long_block(says: int) -> str:
    """A flow of ``says`` Say commands, one per line."""
    lines = "".join(f"  <Say>Line {i}.</Say>\n" for i in range(says))
    return f"<Response>\n{lines}</Response>\n"


def _seconds(text: str, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        mermaid(graph.build(parse(text)), None)
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def run(mode: str, repeats: int) -> dict[str, Any]:
    says = SAYS[mode]
    half = _seconds(long_block(says // 2), repeats)
    full = _seconds(long_block(says), repeats)
    return {
        "says": says,
        "seconds": round(full, 4),
        "seconds_half": round(half, 4),
        "growth_when_doubled": round(full / half, 2) if half > 0 else None,
    }
