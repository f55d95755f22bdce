"""The decisions table: every row's flow behaves, under lint and the simulator, as the row
says; and the README and docs/decisions.md carry exactly the table the code renders."""

from __future__ import annotations

from pathlib import Path

import pytest

from callflow import decisions, parse
from callflow.decisions import DECISIONS, TIMEOUT, Decision
from callflow.lint import lint_source
from simulator import CallerScript, Canned, CannedResolver, DialOutcome, Press, Silence, simulate

ROOT = Path(__file__).resolve().parent.parent


def _document(d: Decision) -> str:
    return f"<Response>{d.flow}</Response>"


@pytest.mark.parametrize("d", DECISIONS, ids=lambda d: d.key)
def test_lint_shows_the_decision(d: Decision) -> None:
    findings = lint_source(_document(d))
    codes = {f.code for f in findings}
    assert set(d.lint) <= codes, findings
    unexpected = [f for f in findings if f.severity == "error" and f.code not in d.lint]
    assert unexpected == []


@pytest.mark.parametrize("d", DECISIONS, ids=lambda d: d.key)
def test_the_simulator_shows_the_decision(d: Decision) -> None:
    actions = tuple(Press(k) if k else Silence() for k in d.keys)
    caller = CallerScript(actions=actions, dial_default=DialOutcome(kind=d.dial))
    answers = {
        url: Canned(timeout=True) if answer == TIMEOUT else Canned(xml=answer)
        for url, answer in d.http
    }
    call = simulate(parse(_document(d)), caller=caller, http=CannedResolver(answers))
    assert call.result == d.ends, call.reason
    said = [str(e.data.get("text", "")) for e in call.events if e.kind == "say"]
    at = 0
    for text in d.heard:
        later = [i for i, s in enumerate(said) if i >= at and text.lower() in s.lower()]
        assert later, f"{text!r} not heard (in order) in {said}"
        at = later[0] + 1
    for text in d.not_heard:
        assert not call.said(text), said
    if d.event is not None:
        kind, name, value = d.event
        assert any(e.data.get(name) == value for e in call.of_kind(kind)), call.events
    if d.duration_ms is not None:
        assert call.duration_ms == d.duration_ms


def test_keys_are_unique() -> None:
    keys = [d.key for d in DECISIONS]
    assert len(keys) == len(set(keys))


@pytest.mark.parametrize("name", ["README.md", "docs/decisions.md"])
def test_the_written_table_is_the_generated_one(name: str) -> None:
    text = (ROOT / name).read_text(encoding="utf-8")
    assert decisions.embedded(text) == decisions.table(), (
        f"{name} is out of date: run python -m callflow.decisions --write {name}"
    )


def test_with_table_replaces_only_between_the_markers() -> None:
    text = f"before\n{decisions.MARK_START}\nold\n{decisions.MARK_END}\nafter\n"
    new = decisions.with_table(text)
    assert new.startswith("before\n") and new.endswith("after\n")
    assert decisions.embedded(new) == decisions.table()
    with pytest.raises(ValueError, match="markers"):
        decisions.with_table("no markers here")
