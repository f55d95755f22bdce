"""A call transcript as text a person reads: one line per event, time, source line, kind, details.

Used by ``callflow simulate``, by expectation failures (the transcript around the point where
matching stopped) and by the pytest plugin. Colour is opt-in so the same text goes to files.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterable
from typing import IO, Any

import click

from simulator.transcript import CallResult, Event

KIND_WIDTH = 11
"""Width of the event-kind column: the longest kind, ``dial.failed``."""

_COLOURS: dict[str, str] = {
    "say": "green", "play": "green", "tone": "green",
    "gather": "yellow", "input": "yellow",
    "dial": "cyan", "bridge": "cyan", "dial.failed": "red",
    "http": "blue", "error": "red", "hangup": "magenta",
}  # fmt: skip

# Fields shown first, in this order, without their name; the rest follow as ``name=value``.
_LEADING: dict[str, tuple[str, ...]] = {
    "say": ("text",),
    "play": ("url", "record"),
    "dial": ("targets",),
    "bridge": ("target",),
    "dial.failed": ("outcome",),
    "http": ("method", "url"),
    "error": ("reason",),
    "input": ("digits",),
    "note": ("text",),
}


def wants_colour(stream: IO[str]) -> bool:
    """Colour only for a terminal, and never when ``NO_COLOR`` is set (no-color.org)."""
    if "NO_COLOR" in os.environ:
        return False
    isatty = getattr(stream, "isatty", None)
    return bool(isatty and isatty())


def clock(t_ms: int) -> str:
    """Virtual time as ``mm:ss.mmm`` (minutes keep counting past 59)."""
    minutes, rest = divmod(max(t_ms, 0), 60_000)
    seconds, millis = divmod(rest, 1000)
    return f"{minutes:02d}:{seconds:02d}.{millis:03d}"


def _value(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, list | tuple):
        return ", ".join(_value(v) for v in value)
    return json.dumps(value, ensure_ascii=False)


def details(event: Event, main_file: str | None = None) -> str:
    """The event's fields, most telling first: ``"Welcome" lang=en-US``."""
    data = dict(event.data)
    parts: list[str] = []
    for name in _LEADING.get(event.kind, ()):
        if name in data:
            value = data.pop(name)
            if value is None:
                continue
            if event.kind == "say" and name == "text":
                parts.append(json.dumps(str(value), ensure_ascii=False))
            elif event.kind == "play" and name == "record":
                parts.append(f"record {value}")
            elif event.kind == "input":
                parts.append(f"pressed {value}")
            else:
                parts.append(_value(value))
    if event.kind == "input" and data.pop("timeout", None):
        parts.append("nothing pressed (timeout)")
    if event.kind == "http":
        status, error = data.pop("status", None), data.pop("error", None)
        parts.append(f"-> failed: {error}" if error else f"-> {status}")
    parts.extend(f"{name}={_value(value)}" for name, value in data.items() if value is not None)
    if event.file and main_file and event.file != main_file:
        parts.append(f"(in {event.file})")
    return " ".join(parts)


def event_line(event: Event, *, colour: bool = False, main_file: str | None = None) -> str:
    """One transcript line: ``00:01.200  L5    say         "Welcome"``."""
    where = f"L{event.line}" if event.line is not None else "-"
    kind = event.kind.ljust(KIND_WIDTH)
    text = details(event, main_file)
    if colour:
        stamp = click.style(clock(event.t), dim=True)
        kind = click.style(kind, fg=_COLOURS.get(event.kind), bold=event.kind == "input")
        return f"{stamp}  {where:<5} {kind} {text}".rstrip()
    return f"{clock(event.t)}  {where:<5} {kind} {text}".rstrip()


def summary_line(result: CallResult, *, colour: bool = False) -> str:
    """The call's outcome: ``result: hangup after 00:35.200`` (plus the reason, if any)."""
    text = f"result: {result.result} after {clock(result.duration_ms)}"
    if result.reason:
        text += f" ({result.reason})"
    if colour:
        good = result.result in ("hangup", "caller-hangup")
        return click.style(text, fg="green" if good else "red", bold=True)
    return text


def transcript(
    result: CallResult, *, colour: bool = False, main_file: str | None = None
) -> list[str]:
    """Every event line, then the summary line."""
    lines = [event_line(e, colour=colour, main_file=main_file) for e in result.events]
    lines.append(summary_line(result, colour=colour))
    return lines


def window(
    events: Iterable[Event], at: int, *, before: int = 3, after: int = 5, marker: str = ">"
) -> list[str]:
    """The events around index ``at``, the one at ``at`` marked (or an end marker past the end).

    This is what an expectation failure shows: where matching stopped and what came next.
    """
    listed = list(events)
    start, stop = max(0, at - before), min(len(listed), at + after)
    lines: list[str] = []
    if start > 0:
        lines.append(f"    ... {start} earlier event(s)")
    for index in range(start, stop):
        prefix = f"  {marker} " if index == at else "    "
        lines.append(prefix + event_line(listed[index]))
    if at >= len(listed):
        lines.append(f"  {marker} (end of call)")
    elif stop < len(listed):
        lines.append(f"    ... {len(listed) - stop} later event(s)")
    return lines
