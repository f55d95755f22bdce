"""What the step debugger shows: named commands, the source around one, the call's variables.

Pure functions of the machine and the flow, kept apart from the session (``simulator.debugger``)
so its logic reads as commands and answers. Every line carries a style; the front end decides
what a style looks like (or, without colour, nothing: the text alone must say it all, so the
current source line is marked with ``->`` and a breakpoint with ``*``).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from callflow import model as m
from simulator.caller import CallerAction, DialOutcome, HangUp, Press
from simulator.conditions import call_fields
from simulator.context import CallContext
from simulator.machine import Machine
from simulator.render import clock
from simulator.requests import meta_values
from simulator.transcript import Event

Style = Literal["event", "info", "hint", "error", "source", "current", "result"]
SAY_WIDTH = 40
"""Characters of a Say's text that name it."""


@dataclass(frozen=True, slots=True)
class Line:
    """One line to show; ``event`` is set for transcript lines (a front end may colour them)."""

    text: str
    style: Style = "info"
    event: Event | None = None


def label(node: m.Node) -> str:
    """``Gather residents`` (its tag), ``Say "Thank you for..."`` (its text), else the element."""
    text = node.TAG
    tag = getattr(node, "tag", None)
    if tag:
        return f"{text} {tag}"
    if isinstance(node, m.Say):
        spoken = node.spoken.strip()
        return (
            f'{text} "{spoken[:SAY_WIDTH]}..."' if len(spoken) > SAY_WIDTH else f'{text} "{spoken}"'
        )
    return text


def name(node: m.Node, main_file: str | None) -> str:
    """``L20 Gather residents``; ``L3 of URL Say ...`` for a command of a fetched document."""
    pos = node.pos
    where = f"L{pos.line}" if pos is not None else "L?"
    if pos is not None and pos.file is not None and pos.file != main_file:
        where += f" of {pos.file}"
    return f"{where} {label(node)}"


def say_keys(action: CallerAction) -> str:
    if isinstance(action, Press) and action.digits:
        return f"press {action.digits}"
    return "hangup" if isinstance(action, HangUp) else "silence"


def say_outcome(outcome: DialOutcome) -> str:
    """An outcome as it is typed: ``busy``, ``answer 3000 60000``."""
    if outcome.kind != "answer":
        return outcome.kind
    return f"answer {outcome.after_ms} {outcome.talk_ms}"


def say_outcomes(outcomes: tuple[DialOutcome, ...]) -> str:
    """One outcome when every destination has it, else one per destination."""
    said = [say_outcome(o) for o in outcomes]
    return said[0] if len(set(said)) == 1 else ", ".join(said)


def source_window(
    source: list[str], line: int, around: int, breakpoints: set[int] | frozenset[int]
) -> list[Line]:
    """Lines ``line - around`` to ``line + around`` of ``source``, the current one marked."""
    low, high = max(1, line - around), min(len(source), line + around)
    lines = []
    for number in range(low, high + 1):
        here = number == line
        mark = "->" if here else "  "
        stop = "*" if number in breakpoints else " "
        text = f"{mark}{stop}{number:>4}  {source[number - 1]}"
        lines.append(Line(text, "current" if here else "source"))
    return lines


def variables(machine: Machine, context: CallContext, node: m.Node | None,
              main_file: str | None, state: str) -> list[Line]:  # fmt: skip
    """The clock, the call fields a ``<Call>`` tests, where the caller is, the recordings, the
    Meta values of ``node`` and the document that runs. ``state`` is the caller's state as
    shown (given, or derived from the number)."""
    c = context
    fields = call_fields(c.from_, c.to, c.direction, c.call_uuid, c.app_uuid, c.extra)
    made = [f"{tag}={clock(ms)}" for tag, ms in sorted(machine.recordings.items())]
    made += [f"{tag or '(untagged)'}=recording since {clock(t)}"
             for tag, t in machine.background.items()]  # fmt: skip
    lines = [
        Line(f"time        {clock(machine.now)} (virtual), {machine.steps} step(s)"),
        Line("call        " + " ".join(f"{k}={v}" for k, v in fields.items())),
        Line(f"location    state={state} county={c.county or '-'}"),
        Line(f"started     {c.start.isoformat()} (tz {c.tz})"),
        Line(f"recordings  {', '.join(made) if made else 'none'}"),
    ]
    if node is not None:
        meta = meta_values(node)
        shown = ", ".join(f"{k}={v!r}" for k, v in meta.items()) if meta else "none"
        lines.append(Line(f"meta        {shown} (of {name(node, main_file)})"))
    lines.append(Line(f"document    {machine.file}"))
    return lines
