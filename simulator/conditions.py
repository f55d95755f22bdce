"""The conditions of ``Call``, ``Geo`` and ``Schedule`` blocks, and typed ``Meta`` values.

Values written in ``Call value`` and ``Meta`` are typed as the spec says: ``null``, ``true`` /
``false``, an integer, a float, else a string. A number compares as a number, so
``value="18005550199"`` matches the call field ``+18005550199``.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from datetime import datetime, time, timedelta
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo

from callflow.types import DAYS

_INT = re.compile(r"[+-]?[0-9]+")
_FLOAT = re.compile(r"[+-]?([0-9]+\.[0-9]*|\.[0-9]+|[0-9]+)([eE][+-]?[0-9]+)?")


def typed_value(raw: str) -> Any:
    """``null`` -> None, ``true``/``false`` -> bool, numbers -> int/float, else the text."""
    text = raw.strip()
    if text == "null":
        return None
    if text in ("true", "false"):
        return text == "true"
    if _INT.fullmatch(text):
        return int(text)
    if _FLOAT.fullmatch(text):
        return float(text)
    return raw


def _as_number(value: Any) -> int | float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        return value
    if isinstance(value, str):
        text = value.strip()
        if _INT.fullmatch(text):
            return int(text)
        if _FLOAT.fullmatch(text):
            return float(text)
    return None


def value_matches(actual: Any, written: str) -> bool:
    """Does a call field's value equal a ``Call value`` (typed; numbers as numbers)?"""
    expected = typed_value(written)
    if expected is None:
        return actual is None or (isinstance(actual, str) and actual.strip() == "null")
    if actual is None:
        return False
    if isinstance(expected, bool):
        if isinstance(actual, bool):
            return actual is expected
        return str(actual).strip().lower() == ("true" if expected else "false")
    if isinstance(expected, int | float):
        number = _as_number(actual)
        return number is not None and bool(number == expected)
    return str(actual) == str(expected)


def call_fields(
    from_: str, to: str, direction: str, call_uuid: str, app_uuid: str, extra: Mapping[str, str]
) -> dict[str, Any]:
    """The fields a ``<Call field=...>`` can test. ``state`` is the call's state (``live``
    while it is up), as in Opentact's requests; ``tn`` is the dialled number (same as ``to``).
    ``extra`` adds fields and overrides these."""
    fields: dict[str, Any] = {
        "from": from_, "to": to, "tn": to, "direction": direction, "state": "live",
        "call": call_uuid, "sca": app_uuid,
    }  # fmt: skip
    fields.update(extra)
    return fields


def geo_matches(
    states: Sequence[str] | None, county: str | None, state: str | None, where: str | None
) -> bool:
    """``state``/``where`` are the caller's state code and county (None = unknown)."""
    if states is not None and (state is None or state.upper() not in states):
        return False
    if county is not None:
        return where is not None and _county_key(where) == _county_key(county)
    return True


def _county_key(name: str) -> str:
    key = " ".join(name.replace("-", " ").split()).casefold()
    return key.removesuffix(" county")


@lru_cache(maxsize=256)
def _zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)


@lru_cache(maxsize=256)
def _window(text: str) -> tuple[int, int]:
    start, end = text.split("-")
    return _seconds(time.fromisoformat(start)), _seconds(time.fromisoformat(end))


def _seconds(moment: time) -> int:
    return moment.hour * 3600 + moment.minute * 60 + moment.second


EARLIEST_START = datetime(1000, 1, 1)
LATEST_START = datetime(8999, 12, 31, 23, 59, 59)
"""Call starts outside these (as written, in their own zone) are refused: the simulator moves
the clock by the call's length and by days either way (Schedule), and Python's dates end at
years 1 and 9999; a thousand years of margin keeps every step clear of the edge."""


LONGEST_CALL_MS = 366 * 24 * 3600 * 1000
"""The most virtual time a call may be given (``limits: max_time_ms``): a year, far past any
real call, and well inside the margin the start range leaves to the clock."""


def check_start(moment: datetime, written: str | None = None) -> None:
    """``ValueError`` naming the value and the supported range when a call cannot start at
    ``moment``. Compares the wall-clock value, so no offset is applied (nothing overflows)."""
    if not EARLIEST_START <= moment.replace(tzinfo=None) <= LATEST_START:
        shown = written if written is not None else moment.isoformat()
        raise ValueError(
            f"{shown!r} is outside the supported range of call start times, "
            f"{EARLIEST_START.date()} to {LATEST_START.date()}"
        )


def local_time(start: datetime, elapsed_ms: int, tz: str) -> datetime:
    """The wall-clock time in ``tz`` ``elapsed_ms`` after ``start`` (naive = already in tz)."""
    zone = _zone(tz)
    if start.tzinfo is None:
        start = start.replace(tzinfo=zone)
    return (start + timedelta(milliseconds=elapsed_ms)).astimezone(zone)


def schedule_matches(dow: Sequence[str] | None, window: str | None, now: datetime) -> bool:
    """Inclusive window on the listed days; an end before the start wraps past midnight and
    belongs to the day it starts on (``fri 22:00-02:00`` holds on Saturday at 01:00)."""
    day = DAYS[(now.weekday() + 1) % 7]  # Python: Monday = 0; DAYS starts on Sunday
    if window is None:
        return dow is None or day in dow
    begin, end = _window(window)
    second = now.hour * 3600 + now.minute * 60 + now.second
    if begin <= end:
        return (dow is None or day in dow) and begin <= second <= end
    if second >= begin:
        return dow is None or day in dow
    if second <= end:
        yesterday = DAYS[now.weekday() % 7]  # the day before ``day``
        return dow is None or yesterday in dow
    return False
