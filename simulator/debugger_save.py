"""A debugging session written as a scenario file that places the same call again.

The debugger (``simulator.debugger``) records every answer given at a choice point; this module
turns them into the parts of a scenario: the caller's actions in order, one outcome per Dial
destination, one canned answer per URL, the call fields and bounds. Expectations come from
what the caller heard (the says and plays in order) and, when the call is over, how it ended.
The file is written atomically, then loaded and run like ``callflow test`` would run it, so the
user learns at once whether it reproduces the session.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

import yaml

from callflow.fsio import atomic_write
from simulator.caller import CallerAction, DialOutcome
from simulator.context import CallContext
from simulator.http import Canned
from simulator.limits import Limits
from simulator.scenario import Flow, ScenarioError, load_scenario, run_scenario
from simulator.scenario_yaml import action_yaml, canned_yaml, outcome_yaml, relative
from simulator.transcript import Event

_DEFAULT_CONTEXT = CallContext()
_REGEX_LIKE = re.compile(r"/.*/[ims]*", re.DOTALL)
"""Text a scenario would read as a regular expression: such a say is written escaped."""


@dataclass(frozen=True, slots=True)
class Recorded:
    """What a session did, in the terms of a scenario file."""

    flow: Path
    context: CallContext
    limits: Limits
    actions: tuple[CallerAction, ...]
    dial: dict[str, DialOutcome]
    http: dict[str, Canned]
    """URL without its query -> answer. A URL left out answers "connection refused"."""
    hangup_at: int | None
    events: tuple[Event, ...]
    ended: str | None
    """The call's result when it is over (``hangup``, ``caller-hangup``, ...), else None."""


def scenario_yaml(recorded: Recorded, folder: Path, comment: str) -> str:
    """The scenario file's text; paths in it are relative to ``folder`` (where it is written)."""
    data: dict[str, Any] = {
        "flow": relative(recorded.flow, folder),
        "description": comment,
        "call": _call(recorded.context),
    }
    caller: list[Any] = [action_yaml(a) for a in recorded.actions]
    if recorded.hangup_at is not None:
        caller.append({"hangup": {"at": recorded.hangup_at}})
    if caller:
        data["caller"] = caller
    if recorded.dial:
        data["dial"] = {target: outcome_yaml(o) for target, o in recorded.dial.items()}
    if recorded.http:
        data["http"] = {url: canned_yaml(c, folder) for url, c in recorded.http.items()}
    default = Limits()
    bounds = {
        f.name: getattr(recorded.limits, f.name)
        for f in fields(Limits)
        if getattr(recorded.limits, f.name) != getattr(default, f.name)
    }
    if bounds:
        data["limits"] = bounds
    expect = expectations(recorded.events, recorded.ended)
    if expect:
        data["expect"] = expect
    head = "# Saved by `callflow simulate --interactive`; run it with `callflow test`.\n"
    return head + yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)


def expectations(events: tuple[Event, ...], ended: str | None) -> list[dict[str, str]]:
    """What the caller heard, in order (says and plays), then how the call ended."""
    expect: list[dict[str, str]] = []
    for event in events:
        value: Any = None
        if event.kind == "say":
            value = str(event.data.get("text", "")).strip()
        elif event.kind == "play":
            value = event.data.get("url") or event.data.get("record")
        if not value:
            continue
        text = str(value)
        if _REGEX_LIKE.fullmatch(text):
            text = f"/{re.escape(text)}/"
        expect.append({event.kind: text})
    if ended is not None:
        expect.append({"ends": ended})
    return expect


def save(recorded: Recorded, target: Path, flow: Flow) -> tuple[bool, str]:
    """Write the scenario to ``target`` and run it: (passes, what to tell the user).

    ``OSError`` when the file cannot be written.
    """
    name = recorded.flow.name
    text = scenario_yaml(recorded, target.parent, f"a call to {name} placed with the step debugger")
    atomic_write(target, text.encode("utf-8"))
    try:
        run = run_scenario(load_scenario(target), flow)
    except ScenarioError as exc:
        return False, f"saved {target}, but it does not load: {exc.finding.render()}"
    expected = len(expectations(recorded.events, recorded.ended))
    counts = f"{len(recorded.actions)} caller action(s), {expected} expectation(s)"
    if not run.passed:
        return False, f"saved {target} ({counts}), but replaying it fails: {run.headline()}"
    return True, f"saved {target} ({counts}); replayed, it passes"


def _call(context: CallContext) -> dict[str, Any]:
    """Every call field the run used, written out so the file does not depend on defaults."""
    call: dict[str, Any] = {
        "from": context.from_,
        "to": context.to,
        "direction": context.direction,
        "at": context.start.isoformat(),
        "tz": context.tz,
    }
    if context.state is not None:
        call["state"] = context.state
    if context.county is not None:
        call["county"] = context.county
    if context.call_uuid != _DEFAULT_CONTEXT.call_uuid:
        call["call_uuid"] = context.call_uuid
    if context.app_uuid != _DEFAULT_CONTEXT.app_uuid:
        call["app_uuid"] = context.app_uuid
    if context.extra:
        call["extra"] = dict(context.extra)
    return call
