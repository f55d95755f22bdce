"""Expectations on a call transcript, and why they failed.

A scenario lists what the call must do. Event expectations (``say``, ``play``, ``dial``,
``http``) are matched in order: each one must be found after the event the previous one
matched, so a scenario reads like the call. ``not_say`` holds over the whole call; ``ends``
and ``at_line`` look at how the call ended. A failure names the step and its scenario line and
shows the transcript around the point where matching stopped.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Literal

from simulator.http import without_query
from simulator.render import clock, window
from simulator.transcript import CallResult, Event

EventKey = Literal["say", "say_exact", "play", "dial", "http"]
ENDINGS: tuple[str, ...] = ("hangup", "caller-hangup", "limit", "error")
_REGEX_FLAGS = {"i": re.IGNORECASE, "m": re.MULTILINE, "s": re.DOTALL}
_REGEX = re.compile(r"/(?P<body>.*)/(?P<flags>[ims]*)", re.DOTALL)


@dataclass(frozen=True, slots=True)
class Pattern:
    """Text to look for: a substring (case-insensitive), an exact value, or ``/regex/flags``.

    Exact text is compared whole and case-sensitively, with runs of white space counting as one
    space (a ``<Say>`` written over several lines says it once). A regex is searched for
    (``re.search``), case-sensitively unless its flags include ``i``."""

    text: str
    regex: re.Pattern[str] | None = None
    exact: bool = False

    @classmethod
    def parse(cls, raw: str, *, exact: bool = False) -> Pattern:
        """``/.../`` (optionally followed by ``i``, ``m`` or ``s``) is a regex; else plain text."""
        found = _REGEX.fullmatch(raw)
        if found is None:
            return cls(raw, None, exact)
        flags = 0
        for letter in found["flags"]:
            flags |= _REGEX_FLAGS[letter]
        try:
            return cls(raw, re.compile(found["body"], flags), exact)
        except re.error as exc:
            raise ValueError(f"bad regular expression {raw}: {exc}") from None

    def matches(self, value: str) -> bool:
        if self.regex is not None:
            return self.regex.search(value) is not None
        if self.exact:
            return " ".join(value.split()) == " ".join(self.text.split())
        return self.text.lower() in value.lower()

    def __str__(self) -> str:
        return self.text if self.regex is not None else repr(self.text)


@dataclass(frozen=True, slots=True)
class EventExpectation:
    """An event that must happen after the one the previous expectation matched."""

    key: EventKey
    pattern: Pattern
    line: int | None = None
    """The scenario line this expectation was written on."""

    def values(self, event: Event) -> list[str]:
        """The texts of ``event`` this expectation looks at (none when the kind differs)."""
        data = event.data
        if self.key in ("say", "say_exact") and event.kind == "say":
            return [str(data.get("text", ""))]
        if self.key == "play" and event.kind == "play":
            return [str(data[k]) for k in ("url", "record") if data.get(k) is not None]
        if self.key == "dial" and event.kind == "dial":
            targets = data.get("targets", ())
            return [str(t) for t in (targets if isinstance(targets, list | tuple) else [targets])]
        if self.key == "http" and event.kind == "http":
            url = str(data.get("url", ""))
            return [url, without_query(url)]
        return []

    def matches(self, event: Event) -> bool:
        return any(self.pattern.matches(v) for v in self.values(event))

    def describe(self) -> str:
        return f"{self.key}: {self.pattern}"


@dataclass(frozen=True, slots=True)
class NotSay:
    """Nothing said during the whole call may match."""

    pattern: Pattern
    line: int | None = None

    def describe(self) -> str:
        return f"not_say: {self.pattern}"


@dataclass(frozen=True, slots=True)
class Ends:
    """The call's result: ``hangup``, ``caller-hangup``, ``limit`` or ``error``."""

    result: str
    line: int | None = None

    def describe(self) -> str:
        return f"ends: {self.result}"


@dataclass(frozen=True, slots=True)
class AtLine:
    """The call ended at this flow line: the last event that has a source line came from it."""

    flow_line: int
    line: int | None = None

    def describe(self) -> str:
        return f"at_line: {self.flow_line}"


Expectation = EventExpectation | NotSay | Ends | AtLine


@dataclass(frozen=True, slots=True)
class Failure:
    """One expectation that did not hold: which step, why, and the transcript around it."""

    step: int
    """1-based position in the scenario's ``expect`` list."""
    expectation: Expectation
    reason: str
    context: tuple[str, ...]

    def headline(self) -> str:
        where = f" (line {self.expectation.line})" if self.expectation.line else ""
        return f"step {self.step}{where} {self.expectation.describe()}: {self.reason}"

    def explain(self) -> str:
        """The headline, then the transcript around the point where matching stopped."""
        return "\n".join([self.headline(), *self.context])


def _where(event: Event) -> str:
    line = f", line {event.line}" if event.line is not None else ""
    return f"{clock(event.t)}{line}"


def _last_line(events: tuple[Event, ...]) -> tuple[int, int | None]:
    """Index and source line of the last event that has a source line (-1, None if none)."""
    for index in range(len(events) - 1, -1, -1):
        if events[index].line is not None:
            return index, events[index].line
    return -1, None


def _ordered(step: int, exp: EventExpectation, events: tuple[Event, ...], cursor: int
             ) -> tuple[int, Failure | None]:  # fmt: skip
    """Find ``exp`` at or after ``cursor``: (new cursor, None) or (same cursor, failure)."""
    for index in range(cursor, len(events)):
        if exp.matches(events[index]):
            return index + 1, None
    earlier = next((e for e in events[:cursor] if exp.matches(e)), None)
    if earlier is not None:
        reason = f"it happened at {_where(earlier)}, before the previous expectation matched"
    elif cursor > 0:
        reason = f"not found after {_where(events[cursor - 1])} (where the previous one matched)"
    else:
        reason = "it never happened"
    return cursor, Failure(step, exp, reason, tuple(window(events, cursor)))


def check(expectations: tuple[Expectation, ...], result: CallResult) -> list[Failure]:
    """Every failed expectation, in scenario order; an empty list means the scenario passed.

    After an event expectation fails, later ones are matched from the same point, so one
    missing prompt does not hide what else is wrong.
    """
    events = result.events
    failures: list[Failure] = []
    cursor = 0
    for step, exp in enumerate(expectations, start=1):
        if isinstance(exp, EventExpectation):
            cursor, failure = _ordered(step, exp, events, cursor)
            if failure:
                failures.append(failure)
        elif isinstance(exp, NotSay):
            probe = EventExpectation("say", exp.pattern)
            hit = next((i for i, e in enumerate(events) if probe.matches(e)), None)
            if hit is not None:
                reason = f"it was said at {_where(events[hit])}"
                failures.append(Failure(step, exp, reason, tuple(window(events, hit))))
        elif isinstance(exp, Ends):
            if result.result != exp.result:
                reason = f"the call ended with {result.result}"
                reason += f" ({result.reason})" if result.reason else ""
                context = window(events, len(events), before=5)
                failures.append(Failure(step, exp, reason, tuple(context)))
        else:
            index, line = _last_line(events)
            if line != exp.flow_line:
                reason = f"the call ended at line {line}" if line else "no event has a line"
                at = index if index >= 0 else len(events)
                failures.append(Failure(step, exp, reason, tuple(window(events, at, before=5))))
    return failures
