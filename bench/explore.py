"""The explorer on a menu tree with 1,000 leaf paths (ten keys, three levels).

Every Gather also offers the explorer an unmatched key, silence and a hang-up, so it finds
more paths than there are leaves; all of them are counted.

Reports null with the reason when ``simulator.explore`` is not there to measure.
"""

from __future__ import annotations

import importlib
import statistics
import time
from typing import Any

from callflow import builder as cb
from callflow import model as m
from callflow.parser import parse

KEYS = "0123456789"


def _level(parent: cb.Element[Any], depth: int, path: str) -> None:
    with parent.gather(dtmf_length=1, timeout=5000) as g:
        g.say(f"Menu {path or 'main'}: press a key.")
        for key in KEYS:
            with g.dtmf(key) as branch:
                if depth == 1:
                    branch.say(f"You chose {path}{key}.")
                    branch.hangup()
                else:
                    _level(branch, depth - 1, path + key)


def tree_flow(levels: int = 3) -> m.Response:
    """A parsed menu tree with ``10 ** levels`` leaves."""
    r = cb.Response()
    _level(r, levels, "")
    return parse(r.to_xml())


def run(repeats: int, levels: int = 3) -> dict[str, Any]:
    try:
        module = importlib.import_module("simulator.explore")
    except ImportError as exc:
        return {"paths": None, "seconds": None, "reason": f"no explorer to measure: {exc}"}
    explore: Any = module.explore
    flow = tree_flow(levels)
    times: list[float] = []
    report: Any = None
    explore(flow)  # warm up (imports, caches) before timing
    for _ in range(repeats):
        start = time.perf_counter()
        report = explore(flow)
        times.append(time.perf_counter() - start)
    paths = report.paths
    return {
        "paths": paths if isinstance(paths, int) else len(paths),
        "seconds": round(statistics.median(times), 4),
        "leaves": len(KEYS) ** levels,
        "complete": getattr(report, "complete", None),
        "reason": None,
    }
