"""Choice points: where the outside world decides what a call does next, and who decides.

The machine (``simulator.machine``) asks a ``ChoiceProvider`` at every such point: a wait for
the caller's keys, the outcome of a Dial, the answer to an HTTP request, the truth of a
``Call``/``Geo``/``Schedule`` condition. Three providers serve three tools:

- ``ScriptedProvider`` answers from a ``CallerScript``, a resolver and the call's fields: one
  deterministic call (``simulate``, scenarios);
- the explorer's provider answers ``SUSPEND``: the machine stops at the point, the explorer
  copies it once per option and resumes each copy with that option;
- an interactive debugger can ask the terminal (answer at once) or suspend and resume later.

A provider answers with plain world data (keys pressed, one ``DialOutcome`` per destination,
an ``HttpAnswer``, a truth value) and the machine computes every consequence itself, so a path
the explorer found replays exactly as a scripted call with the same data.
"""

from __future__ import annotations

import enum
from typing import NamedTuple, Protocol

from callflow import model as m
from simulator.caller import CallerScript, DialOutcome, HangUp, Press, Silence
from simulator.http import HttpAnswer, HttpRequest, Resolver


class Suspend(enum.Enum):
    """The provider does not answer now: the machine stops at the point and can be resumed."""

    SUSPEND = "suspend"


class Hang(enum.Enum):
    """The caller hangs up at the wait (the ``HangUp()`` of a script)."""

    HANGUP = "hangup"


SUSPEND = Suspend.SUSPEND
HANGUP = Hang.HANGUP

KeyAnswer = Press | Hang | None
"""At a wait for keys: keys pressed, the caller hanging up, or ``None`` for silence."""


class Wait(NamedTuple):
    """A wait for the caller's keys: a Gather attempt, or a Pause/Record with ``dtmf_stop``."""

    node: m.Gather | m.Pause | m.Record
    now: int
    attempt: int = 1
    """For a Gather, which attempt (1-based)."""


class DialPoint(NamedTuple):
    """A Dial about to ring its destinations."""

    node: m.Dial
    now: int
    targets: tuple[str, ...]


class HttpPoint(NamedTuple):
    """A request about to be sent (Callback, Curl, or Gather ``url`` with the input)."""

    node: m.Callback | m.Curl | m.Gather
    now: int
    request: HttpRequest


class ConditionPoint(NamedTuple):
    """A ``Call``, ``Geo`` or ``Schedule`` block about to test its condition."""

    node: m.Call | m.Geo | m.Schedule
    now: int


Point = Wait | DialPoint | HttpPoint | ConditionPoint


class ChoiceProvider(Protocol):
    """Who decides at choice points. Any method may answer ``SUSPEND``."""

    def keys(self, point: Wait) -> KeyAnswer | Suspend: ...

    def dial(self, point: DialPoint) -> tuple[DialOutcome, ...] | Suspend: ...

    def http(self, point: HttpPoint) -> HttpAnswer | Suspend: ...

    def condition(self, point: ConditionPoint) -> bool | Suspend | None:
        """The condition's truth, or ``None``: evaluate it from the call's fields and clock."""
        ...


UNKNOWN_DOCUMENT = HttpAnswer(200, None, source="(unknown document)")
"""The explorer's answer "the server answered a document we do not know" (no canned answer):
the machine ends the path there (identity is what marks it)."""


def failed_request(exc: Exception) -> HttpAnswer:
    """A resolver's bug or a user's app crashing is a failed request, not a crash of the run."""
    return HttpAnswer(error=f"{type(exc).__name__}: {exc}")


class ScriptedProvider:
    """Answers from a caller script and a resolver: the deterministic call of ``simulate``.

    The script's actions are taken in order by the waits that listen for keys; an exhausted
    script is silence. A ``HangUp(at_ms=T)`` keeps its place until the clock reaches T (waits
    before then hear silence); the machine hangs up at T wherever the flow is.
    """

    __slots__ = ("actions", "default", "next_action", "resolver", "table", "taken")

    def __init__(self, caller: CallerScript, resolver: Resolver) -> None:
        self.actions = caller.actions
        self.next_action = 0
        self.taken: list[tuple[int, Wait]] = []
        """Each action taken, by index, with the wait that took it (in order)."""
        self.table = caller.dial
        self.default = caller.dial_default
        self.resolver = resolver

    def fork(self) -> ScriptedProvider:
        """A copy that goes on from the same place in the script (for a forked machine)."""
        new = ScriptedProvider.__new__(ScriptedProvider)
        new.actions, new.next_action, new.taken = self.actions, self.next_action, list(self.taken)
        new.table, new.default, new.resolver = self.table, self.default, self.resolver
        return new

    def keys(self, point: Wait) -> KeyAnswer:
        index = self.next_action
        if index >= len(self.actions):
            return None
        action = self.actions[index]
        if type(action) is HangUp and action.at_ms is not None and action.at_ms > point.now:
            return None
        self.next_action = index + 1
        self.taken.append((index, point))
        if type(action) is Press:
            return action if action.digits else None
        if type(action) is Silence:
            return None
        return HANGUP

    def dial(self, point: DialPoint) -> tuple[DialOutcome, ...]:
        table, default = self.table, self.default
        return tuple(table.get(target, default) for target in point.targets)

    def http(self, point: HttpPoint) -> HttpAnswer:
        try:
            return self.resolver.resolve(point.request)
        except Exception as exc:
            return failed_request(exc)

    def condition(self, point: ConditionPoint) -> None:
        return None


def hangup_time(caller: CallerScript) -> int | None:
    """When a script hangs up by the clock (the earliest ``HangUp(at_ms)`` or ``hangup_at_ms``)."""
    times = [a.at_ms for a in caller.actions if type(a) is HangUp and a.at_ms is not None]
    if caller.hangup_at_ms is not None:
        times.append(caller.hangup_at_ms)
    return min(times) if times else None
