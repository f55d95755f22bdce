"""The docs say what the simulator and explorer do: every EX code wherever codes are listed,
the Gather ``<Error>`` rule for unmatched input, the waits for keys, the ``say`` forms."""

from __future__ import annotations

import re
from pathlib import Path

from callflow import parse
from callflow.cli import explore as explore_cli
from simulator import CallerScript, Press, simulate

ROOT = Path(__file__).resolve().parents[1]
README = (ROOT / "README.md").read_text(encoding="utf-8")
GUIDE = (ROOT / "docs" / "simulate.md").read_text(encoding="utf-8")
EXPLORER = (ROOT / "simulator" / "explore.py").read_text(encoding="utf-8")


def _section(text: str, title: str) -> str:
    start = text.index(title)
    end = text.find("\n## ", start + len(title))
    return text[start : end if end >= 0 else None]


def test_every_ex_code_is_listed_wherever_codes_are_listed() -> None:
    codes = set(re.findall(r'"(EX\d{3})"', EXPLORER))
    assert {"EX005", "EX006", "EX007", "EX008"} <= codes
    listings = {
        "README explore": _section(README, "## Explore every path"),
        "docs/simulate.md": GUIDE,
        "callflow explore --help module doc": explore_cli.__doc__ or "",
    }
    for where, text in listings.items():
        assert codes <= set(re.findall(r"EX\d{3}", text)), where


def test_the_gather_error_rule_for_unmatched_input_is_documented_and_true() -> None:
    decisions = _section(README, "## Decisions beyond the spec")
    # the decisions table (generated from callflow/decisions.py) carries the rule
    assert "Input that matches no `<DTMF>`, and the Gather has no `<Default>`?" in decisions
    assert "It is a failure of the Gather: its `<Error>` runs." in decisions
    assert "an input that matches no `<DTMF value>` **when the Gather has no" in GUIDE
    flow = parse(
        '<Response><Gather><Say>Menu.</Say><DTMF value="1"><Say>one</Say></DTMF>'
        "<Error><Say>handled</Say></Error></Gather></Response>"
    )
    wrong = simulate(flow, caller=CallerScript((Press("5"),)))
    assert wrong.said("handled") and not wrong.said("one")
    with_default = parse(
        '<Response><Gather><Say>Menu.</Say><DTMF value="1"><Say>one</Say></DTMF>'
        "<Default><Say>other</Say></Default><Error><Say>handled</Say></Error></Gather></Response>"
    )
    assert not simulate(with_default, caller=CallerScript((Press("5"),))).said("handled")


def test_waits_and_say_forms_are_documented() -> None:
    assert "a Pause or Record with `dtmf_stop`" in _section(README, "## Simulate a call")
    scenarios = _section(README, "## Scenario files")
    assert "`say_exact`" in scenarios and "case-insensitive substring" in scenarios
    assert "| `say_exact: text` |" in GUIDE and "| a `<Pause dtmf_stop=" in GUIDE
