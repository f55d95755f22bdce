"""Scripted calls per second through a three-level menu, on one core.

The flow is parsed from XML (so every event carries its source line, as with ``callflow
simulate FLOW``). Each call presses three keys, one per level, and is bridged to the Dial at the
leaf it reaches; the calls cycle through all 27 leaves.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

from bench.timing import Plan, compare
from callflow import builder as cb
from callflow import model as m
from callflow.parser import parse
from simulator import CallerScript, Press, simulate

KEYS = "123"


def _level(parent: cb.Element[Any], depth: int, path: str) -> None:
    with parent.gather(dtmf_length=1, timeout=5000, attempts=2) as g:
        g.say(f"Menu {path or 'main'}: press 1, 2 or 3.")
        for key in KEYS:
            with g.dtmf(key) as branch:
                if depth == 1:
                    branch.say(f"Connecting you to desk {path}{key}.")
                    branch.dial(f"+1555{path}{key}".ljust(12, "0"), timeout=20000)
                else:
                    _level(branch, depth - 1, path + key)
        g.default().say("That is not an option.")
        g.error().say("We did not hear a choice.")


def menu_flow(levels: int = 3) -> m.Response:
    """The menu as a parsed document: ``levels`` nested Gathers of three branches each."""
    r = cb.Response()
    r.say("Thanks for calling.")
    _level(r, levels, "")
    r.say("Goodbye.")
    r.hangup()
    return parse(r.to_xml())


def scripts(levels: int = 3) -> list[CallerScript]:
    """One caller per leaf: the keys of its path, one press per level."""
    return [
        CallerScript(actions=tuple(Press(k) for k in keys))
        for keys in itertools.product(KEYS, repeat=levels)
    ]


def run(plan: Plan) -> dict[str, Any]:
    flow = menu_flow()
    callers = scripts()
    for caller in callers:  # every scripted call must reach its leaf's Dial and bridge
        result = simulate(flow, caller=caller)
        assert any(e.kind == "bridge" for e in result.events), result.dumps()

    def prepare(n: int) -> Callable[[], object]:
        chosen = list(itertools.islice(itertools.cycle(callers), n))

        def calls() -> None:
            for caller in chosen:
                simulate(flow, caller=caller)

        return calls

    rate = compare({"simulate": prepare}, plan)["simulate"]
    return {"calls_per_s": round(rate), "flow": "3-level menu, 27 leaves", "callers": len(callers)}
