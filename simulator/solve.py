"""Find a call under which chosen conditions hold: the start time, place and fields.

The explorer takes both branches of a ``Call``, ``Geo`` or ``Schedule`` block, but a path is only
real if one call makes every condition on it come out as chosen (a path cannot be both inside
and outside office hours at the same moment). ``solve`` finds such a call by trying a small set
of candidates (the call's own values first, then values the conditions name, then one none of
them name) and checking each with the very functions the simulator evaluates conditions with,
so a solution always reproduces the path. ``None`` means no candidate fits: the branch is not
taken on that path.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Sequence
from datetime import datetime, time, timedelta
from typing import Any, NamedTuple
from zoneinfo import ZoneInfo

from callflow import model as m
from callflow.types import US_STATES
from simulator.conditions import (
    call_fields,
    geo_matches,
    local_time,
    schedule_matches,
    value_matches,
)
from simulator.context import CallContext

OTHER_VALUE = "other-value"
OTHER_COUNTY = "Other County"


class Holds(NamedTuple):
    """The condition of ``node``, tested at ``at_ms`` on the call's clock, came out ``truth``."""

    node: m.Call | m.Geo | m.Schedule
    at_ms: int
    truth: bool


def solve(holds: Sequence[Holds], base: CallContext) -> CallContext | None:
    """A call like ``base`` under which every condition in ``holds`` comes out as recorded."""
    calls = [h for h in holds if isinstance(h.node, m.Call)]
    places = [h for h in holds if isinstance(h.node, m.Geo)]
    times = [h for h in holds if isinstance(h.node, m.Schedule)]
    changes: dict[str, Any] = {}
    if calls:
        extra = _fields(calls, base)
        if extra is None:
            return None
        if extra:
            changes["extra"] = {**base.extra, **extra}
    if places:
        place = _place(places, base)
        if place is None:
            return None
        changes["state"], changes["county"] = place
    if times:
        start = _start(times, base)
        if start is None:
            return None
        changes["start"] = start
    return dataclasses.replace(base, **changes) if changes else base


# ---- Call: the call's fields ------------------------------------------------------------------


def _fields(holds: list[Holds], base: CallContext) -> dict[str, str] | None:
    """Field values (for ``extra``) that make every Call test come out as recorded."""
    given = call_fields(base.from_, base.to, base.direction, base.call_uuid, base.app_uuid,
                        base.extra)  # fmt: skip
    by_field: dict[str, list[Holds]] = {}
    for h in holds:
        by_field.setdefault(h.node.field, []).append(h)  # type: ignore[union-attr]
    extra: dict[str, str] = {}
    for name, tests in by_field.items():
        written = [str(t.node.value) for t in tests]  # type: ignore[union-attr]
        other = OTHER_VALUE
        while any(value_matches(other, w) for w in written):
            other += "-x"
        candidates: list[Any] = [given.get(name), *written, other]
        for candidate in candidates:
            if all(value_matches(candidate, str(t.node.value)) == t.truth for t in tests):  # type: ignore[union-attr]
                if candidate is not given.get(name):
                    extra[name] = str(candidate)
                break
        else:
            return None
    return extra


# ---- Geo: the caller's state and county -------------------------------------------------------


def _place(holds: list[Holds], base: CallContext) -> tuple[str | None, str | None] | None:
    """(state, county) that make every Geo test come out as recorded."""
    named = [s for h in holds for s in (h.node.states or ())]  # type: ignore[union-attr]
    elsewhere = next((s for s in US_STATES if s not in named), None)
    states: list[str | None] = [_state_of(base), *dict.fromkeys(named), elsewhere]
    counties = [base.county, *[h.node.county for h in holds if h.node.county], OTHER_COUNTY]  # type: ignore[union-attr]
    for state in dict.fromkeys(states):
        if state is None:
            continue
        for county in dict.fromkeys(counties):
            if all(geo_matches(h.node.states, h.node.county, state, county) == h.truth  # type: ignore[union-attr]
                   for h in holds):  # fmt: skip
                return state, county
    return None


def _state_of(base: CallContext) -> str | None:
    if base.state is not None:
        return base.state
    from simulator.location import state_of  # heavy import: only for flows with Geo

    return state_of(base.from_)


# ---- Schedule: when the call starts -------------------------------------------------------


def _start(holds: list[Holds], base: CallContext) -> datetime | None:
    """A start time at which every Schedule test (at its time on the clock) comes out right."""
    for start in _starts(holds, base):
        if all(_at(h, start, base.tz) == h.truth for h in holds):
            return start
    return None


def _at(h: Holds, start: datetime, tz: str) -> bool:
    node: m.Schedule = h.node  # type: ignore[assignment]
    return schedule_matches(node.dow, node.time, local_time(start, h.at_ms, tz))


def _starts(holds: list[Holds], base: CallContext) -> Iterator[datetime]:
    """The call's own start; then round times of day on each day of the week from it (inside
    each window, then every hour); last, starts that put one test just inside or just outside
    an edge of a window (for windows shorter than the call)."""
    yield base.start
    zone = ZoneInfo(base.tz)
    first = base.start.astimezone(zone).date()
    days = [first + timedelta(days=d) for d in range(7)]
    windows = [_window(h.node.time) for h in holds if h.node.time]  # type: ignore[union-attr]
    inside = {time(12, 0)}
    for begin, end in windows:
        length = (end - begin) % 86400
        inside |= {_clock(begin + length // 2 // 60 * 60), _clock(begin + 60)}
    hourly = [time(hour, 0) for hour in range(24)]
    for moments in (sorted(inside), hourly):
        for date in days:
            for moment in moments:
                yield datetime.combine(date, moment, tzinfo=zone)
    edges = {_clock(second + delta) for pair in windows for second in pair for delta in (-1, 0, 1)}
    for date in days:
        for moment in sorted(edges):
            local = datetime.combine(date, moment, tzinfo=zone)
            for h in holds:
                yield local - timedelta(milliseconds=h.at_ms)


def _window(text: str) -> tuple[int, int]:
    begin, end = (time.fromisoformat(part) for part in text.split("-"))
    return _seconds(begin), _seconds(end)


def _seconds(moment: time) -> int:
    return moment.hour * 3600 + moment.minute * 60 + moment.second


def _clock(second: int) -> time:
    second %= 86400
    return time(second // 3600, second // 60 % 60, second % 60)
