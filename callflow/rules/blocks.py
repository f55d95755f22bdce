"""Rules about condition blocks: Schedule windows and Geo locations."""

from __future__ import annotations

from collections.abc import Iterator

from callflow import model as m
from callflow import types as t
from callflow.rules.base import Hit, Scope, rule
from callflow.rules.flow import BLOCK_TYPES

DAY = 24 * 60 * 60
WEEK = 7 * DAY

Interval = tuple[int, int]
"""Inclusive range of seconds since Sunday 00:00:00."""


def _seconds(hms: str) -> int:
    hours, minutes, seconds = (int(part) for part in hms.split(":"))
    return hours * 3600 + minutes * 60 + seconds


def windows(schedule: m.Schedule) -> list[Interval]:
    """The moments of the week a Schedule matches, as inclusive second ranges.

    No ``dow`` means every day; no ``time`` the whole day. A range whose end is before its
    start wraps past midnight into the next day (the day in ``dow`` is the day it starts).
    """
    days = schedule.dow or t.DAYS
    start, end = 0, DAY - 1
    if schedule.time:
        first, last = schedule.time.split("-")
        start, end = _seconds(first), _seconds(last)
    out: list[Interval] = []
    for day in days:
        base = t.DAYS.index(day) * DAY
        if end >= start:
            out.append((base + start, base + end))
        else:
            out.append((base + start, base + DAY - 1))
            following = (base + DAY) % WEEK
            out.append((following, following + end))
    return out


def first_overlap(a: list[Interval], b: list[Interval]) -> int | None:
    """The earliest second of the week both sets of ranges contain, if any."""
    common = [max(x[0], y[0]) for x in a for y in b if max(x[0], y[0]) <= min(x[1], y[1])]
    return min(common) if common else None


def _moment(second: int) -> str:
    day, rest = divmod(second, DAY)
    return f"{t.DAYS[day]} {rest // 3600:02d}:{rest // 60 % 60:02d}:{rest % 60:02d}"


@rule(
    "CF140",
    "schedule-overlap",
    "warning",
    "Sibling <Schedule> blocks whose time windows overlap.",
    targets=BLOCK_TYPES,
    children_only=True,
)
def schedule_overlap(node: m.Node, scope: Scope) -> Iterator[Hit]:
    """Two ``<Schedule>`` blocks in the same parent match some common moment of the week, so
    at that moment both run (or the first hangs up and the second's message is never heard).
    Opening-hours flows mean their windows to be disjoint; an overlap is usually an
    off-by-one (``09:00:00-17:00:00`` next to ``17:00:00-23:59:59``) or a day listed twice.

    A window with an end before its start wraps past midnight, into the next day. Reported at
    the later block, with the first moment both match.

    Fix: make the windows disjoint, e.g. end the first at ``16:59:59``.
    """
    earlier: list[tuple[m.Schedule, list[Interval]]] = []
    for child in node.children:
        if not isinstance(child, m.Schedule):
            continue
        mine = windows(child)
        for other, theirs in earlier:
            second = first_overlap(theirs, mine)
            if second is not None:
                where = f" at line {other.pos.line}" if other.pos else ""
                yield Hit(
                    child,
                    f"Schedule window overlaps the Schedule{where} (both match {_moment(second)})",
                    hint="make the windows disjoint",
                )
                break
        earlier.append((child, mine))


@rule(
    "CF141",
    "geo-county-without-states",
    "warning",
    "<Geo county=...> without states: a county name alone is ambiguous.",
    targets=(m.Geo,),
)
def geo_county_without_states(node: m.Node, scope: Scope) -> Iterator[Hit]:
    """``county`` narrows ``states``. County names repeat across states (there is a
    Washington County in about thirty of them), so a county without ``states`` does not say
    where the caller is.

    Fix: add ``states``, e.g. ``<Geo states="CA" county="LOS ANGELES">``.
    """
    assert isinstance(node, m.Geo)
    if node.county and not node.states:
        yield Hit(
            node,
            "Geo county is given without states",
            attr="county",
            hint='add states, e.g. states="CA"',
        )
