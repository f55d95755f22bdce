"""The compatibility report of one import: what each source element and attribute became.

Every element and every attribute of the source gets one entry, so a reader can check that
nothing was silently lost. An entry says where it was (line and column of the element or of
the attribute), what it became in Opentact, and what changed: converted exactly, converted
with a change of meaning, or not convertible.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from typing import Any

TEXT = "#text"
"""The ``attribute`` of an entry about an element's text content (a Dial's number)."""


class Status(enum.Enum):
    EXACT = "exact"
    """Same behaviour for the caller and the app (units may differ: 5 s is 5000 ms)."""
    CHANGED = "changed"
    """Converted, but something behaves differently; the note says what."""
    NOT_CONVERTIBLE = "not-convertible"
    """Opentact has nothing that does this; left out (a comment marks the place)."""


@dataclass(frozen=True, slots=True)
class Entry:
    """One source element or attribute and what became of it."""

    line: int
    col: int
    element: str
    attribute: str | None
    """None for the element itself, ``TEXT`` for its text content."""
    value: str | None
    """The attribute's value as written (None for an element, or an attribute not written)."""
    status: Status
    result: str
    """What it became in Opentact (``<Gather timeout="5000">``, ``gender="MALE"``); empty when
    nothing was produced for it."""
    note: str = ""
    """What changed, or why it cannot be converted (always given unless exact)."""
    implicit: bool = False
    """An attribute the source did not write whose default differs between the dialects."""
    within: str | None = None
    """``Tag at line:col`` of an ancestor whose fate this entry shares (an attribute or child
    of an element left out as a whole); the text report lists these only when verbose."""
    left_out: bool = False
    """An element left out of the output although exact (it never runs on Twilio either):
    the text report still lists it, so a reader sees every verb that is gone."""

    @property
    def subject(self) -> str:
        """``<Gather>``, ``Gather timeout="5"`` or ``Gather numDigits (not written)``."""
        if self.attribute is None:
            return f"<{self.element}>"
        if self.attribute == TEXT:
            return f"<{self.element}> text {self.value!r}"
        if self.implicit or self.value is None:
            return f"{self.element} {self.attribute} (not written)"
        return f'{self.element} {self.attribute}="{self.value}"'

    def to_dict(self) -> dict[str, Any]:
        return {
            "line": self.line,
            "col": self.col,
            "element": self.element,
            "attribute": self.attribute,
            "value": self.value,
            "status": self.status.value,
            "result": self.result,
            "note": self.note,
            "implicit": self.implicit,
            "within": self.within,
            "left_out": self.left_out,
        }


@dataclass(frozen=True, slots=True)
class Webhook:
    """One request the converted flow makes: where, and what the backend gets there."""

    line: int
    source: str
    """The TwiML that makes it: ``<Gather action>``, ``<Redirect>``..."""
    url: str
    """The Opentact URL, with any query parameters the conversion added."""
    method: str
    twilio: tuple[str, ...]
    """The parameters Twilio sent to this URL."""
    opentact: tuple[str, ...]
    """The parameters Opentact sends (query parameters; a JSON body with POST)."""
    note: str = ""

    def to_dict(self) -> dict[str, Any]:
        return {
            "line": self.line,
            "source": self.source,
            "url": self.url,
            "method": self.method,
            "twilio": list(self.twilio),
            "opentact": list(self.opentact),
            "note": self.note,
        }


@dataclass
class Report:
    """The entries of one converted file, in source order."""

    file: str | None
    entries: list[Entry] = field(default_factory=list)
    webhooks: list[Webhook] = field(default_factory=list)
    """Every request the converted flow makes, with what Twilio sent there (--webhook-map)."""

    def count(self, status: Status) -> int:
        return sum(1 for e in self.entries if e.status is status)

    @property
    def convertible(self) -> bool:
        """Whether everything carried over (exactly or with a stated change)."""
        return not any(e.status is Status.NOT_CONVERTIBLE for e in self.entries)

    def sorted(self) -> list[Entry]:
        return sorted(self.entries, key=lambda e: (e.line, e.col, e.attribute is not None))

    def summary(self) -> dict[str, int]:
        return {status.value: self.count(status) for status in Status}

    def summary_line(self) -> str:
        where = self.file or "<string>"
        counts = ", ".join(
            f"{n} {status.replace('-', ' ')}" for status, n in self.summary().items()
        )
        return f"{where}: {counts}"

    def lines(self, *, verbose: bool = False) -> list[str]:
        """``file:line:col: status subject -> result: note``, one per entry. Without
        ``verbose``, exact entries and entries that share an ancestor's fate are left out."""
        where = self.file or "<string>"
        out = []
        for entry in self.sorted():
            quiet = entry.status is Status.EXACT and not entry.left_out
            if not verbose and (quiet or entry.within is not None):
                continue
            text = f"{where}:{entry.line}:{entry.col}: {entry.status.value} {entry.subject}"
            if entry.result:
                text += f" -> {entry.result}"
            if entry.note:
                text += f": {entry.note}"
            out.append(text)
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "file": self.file,
            "summary": self.summary(),
            "entries": [e.to_dict() for e in self.sorted()],
        }

    def webhook_lines(self) -> list[str]:
        """The webhook map as text: per request, what Twilio sent and what Opentact sends."""
        where = self.file or "<string>"
        out = []
        for hook in self.webhooks:
            out.append(f"{where}:{hook.line}: {hook.source} {hook.method} {hook.url}")
            out.append(f"    Twilio sent:   {', '.join(hook.twilio)}")
            out.append(f"    Opentact sends: {', '.join(hook.opentact)}")
            if hook.note:
                out.append(f"    note: {hook.note}")
        return out
