"""What a simulated call did: typed events on the virtual clock, and the call's result."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Literal

EventKind = Literal[
    "answer", "say", "play", "pause", "tone", "hold", "unhold", "record", "gather", "input",
    "dial", "bridge", "dial.failed", "http", "error", "hangup", "note",
]  # fmt: skip

ResultKind = Literal["hangup", "caller-hangup", "limit", "error"]


@dataclass(frozen=True, slots=True)
class Event:
    """One thing that happened. ``data`` holds the kind's fields (see DESIGN and README)."""

    kind: EventKind
    t: int
    """Virtual time in ms since the call started."""
    line: int | None
    """Source line of the command that caused it (None for events of the call itself)."""
    data: dict[str, Any] = field(default_factory=dict)
    file: str | None = None
    """Source of the command: the flow file, or the URL of a fetched document."""

    def to_json(self) -> dict[str, Any]:
        return {"kind": self.kind, "t": self.t, "line": self.line, **self.data}


@dataclass(frozen=True, slots=True)
class Unused:
    """A scripted caller action the call did not use, or the keys of one that were dropped."""

    entry: int
    """Which action of the script (1-based: the n-th ``--digits`` entry or ``caller`` step)."""
    keys: str
    """The keys not used; ``''`` for a silence, ``hang up`` for a hang-up."""
    reason: str
    line: int | None = None
    """The command that dropped the keys, when one did."""

    def describe(self) -> str:
        what = self.keys if self.keys == "hang up" else repr(self.keys) if self.keys else "silence"
        return f"entry {self.entry} ({what}): {self.reason}"

    def to_json(self) -> dict[str, Any]:
        return {"entry": self.entry, "keys": self.keys, "reason": self.reason, "line": self.line}


@dataclass(frozen=True, slots=True)
class CallResult:
    """The whole outcome of one simulated call."""

    result: ResultKind
    duration_ms: int
    events: tuple[Event, ...]
    reason: str | None = None
    """For ``limit`` and ``error``: which bound or what went wrong, and where."""
    unused: tuple[Unused, ...] = field(default=(), compare=False)
    """Scripted caller input the call did not use (a scripted call fills it in). A report on
    the script, not part of what the call did: two calls that did the same compare equal."""

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"result": self.result, "duration_ms": self.duration_ms}
        if self.reason:
            out["reason"] = self.reason
        out["events"] = [e.to_json() for e in self.events]
        if self.unused:
            out["unused"] = [u.to_json() for u in self.unused]
        return out

    def dumps(self) -> str:
        return json.dumps(self.to_json(), indent=2, ensure_ascii=False)

    # Convenience queries for tests and the pytest plugin.
    def said(self, needle: str) -> bool:
        """True when some ``say`` event's text contains ``needle`` (case-insensitive)."""
        low = needle.lower()
        return any(e.kind == "say" and low in str(e.data.get("text", "")).lower()
                   for e in self.events)  # fmt: skip

    def of_kind(self, kind: str) -> list[Event]:
        return [e for e in self.events if e.kind == kind]
