"""Engine: Call, Geo and Schedule blocks, and the caller's location from the number."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from callflow import parse
from simulator import CallContext, CallResult, simulate
from simulator.conditions import schedule_matches, typed_value, value_matches
from simulator.location import state_from_description, state_of


def run(xml: str, **context: object) -> CallResult:
    return simulate(parse(f"<Response>{xml}</Response>"), context=CallContext(**context))  # type: ignore[arg-type]


def holds(block: str, **context: object) -> bool:
    """Does the block (with a Say inside) run for this call?"""
    tag = block.split()[0]
    return run(f"<{block}><Say>inside</Say></{tag}>", **context).said("inside")


# ---- Call ---------------------------------------------------------------------------------


def test_call_compares_strings_exactly() -> None:
    assert holds("Call field='direction' value='inbound'")
    assert not holds("Call field='direction' value='Inbound'")
    assert holds("Call field='direction' value='outbound'", direction="outbound")


def test_call_compares_numbers_as_numbers() -> None:
    assert holds("Call field='to' value='18005550199'", to="+18005550199")
    assert holds("Call field='to' value='18005550199.0'", to="18005550199")
    assert not holds("Call field='to' value='18005550198'", to="+18005550199")
    assert holds("Call field='level' value='2'", extra={"level": "2.0"})
    assert not holds("Call field='level' value='2'", extra={"level": "two"})


def test_call_null_and_bool_values() -> None:
    assert holds("Call field='missing' value='null'")
    assert not holds("Call field='from' value='null'")
    assert holds("Call field='vip' value='true'", extra={"vip": "TRUE"})
    assert not holds("Call field='vip' value='false'", extra={"vip": "true"})


def test_call_state_is_the_call_state() -> None:
    assert holds("Call field='state' value='live'")


@given(st.integers(-(10**12), 10**12))
def test_integers_match_their_float_and_signed_spellings(n: int) -> None:
    assert value_matches(f"{n}", str(n))
    assert value_matches(f"{n}.0", str(n))
    assert value_matches(f"{n:+d}", str(n))
    assert not value_matches(str(n + 1), str(n))
    assert typed_value(str(n)) == n


# ---- Geo ----------------------------------------------------------------------------------


def test_geo_state_comes_from_the_caller_number() -> None:
    assert holds("Geo states='NJ,NY'", from_="+12125550100")
    assert not holds("Geo states='CA'", from_="+12125550100")
    assert holds("Geo states='CA'", from_="+14155550100")


def test_geo_state_from_context_overrides_the_number() -> None:
    assert holds("Geo states='TX'", from_="+12125550100", state="TX")
    assert not holds("Geo states='NY'", from_="+12125550100", state="TX")


def test_geo_county_only_from_context() -> None:
    block = "Geo states='CA' county='LOS ANGELES'"
    assert not holds(block, from_="+13235550100")
    assert holds(block, from_="+13235550100", county="Los Angeles")
    assert holds(block, state="CA", county="Los Angeles County")
    assert not holds(block, state="CA", county="Orange")


def test_geo_without_attributes_always_holds_and_unknown_location_never_matches() -> None:
    assert holds("Geo", from_="sip:alice@example.net")
    assert not holds("Geo states='NY'", from_="sip:alice@example.net")
    assert not holds("Geo states='NY'", from_="+442075550123")


@pytest.mark.parametrize(
    ("number", "code"),
    [("+12125550100", "NY"), ("+12015550100", "NJ"), ("+13125550100", "IL"),
     ("+12025550100", "DC"), ("+17875550100", "PR"), ("+18005550199", None),
     ("+442075550123", None), ("not a number", None)],
)  # fmt: skip
def test_state_of_numbers(number: str, code: str | None) -> None:
    assert state_of(number) == code


def test_state_from_descriptions() -> None:
    assert state_from_description("Chicago, IL") == "IL"
    assert state_from_description("New Jersey") == "NJ"
    assert state_from_description("Washington D.C.") == "DC"
    assert state_from_description("") is None
    assert state_from_description("Atlantis") is None


# ---- Schedule -----------------------------------------------------------------------------

MONDAY_10 = datetime(2026, 1, 5, 10, 0, tzinfo=UTC)  # a Monday


def at(day_offset: int, hh: int, mm: int = 0, ss: int = 0) -> datetime:
    return (MONDAY_10 + timedelta(days=day_offset)).replace(hour=hh, minute=mm, second=ss)


def test_schedule_window_is_inclusive() -> None:
    window = "09:00:00-17:00:00"
    assert holds(f"Schedule dow='mon' time='{window}'", start=at(0, 9))
    assert holds(f"Schedule dow='mon' time='{window}'", start=at(0, 17))
    assert not holds(f"Schedule dow='mon' time='{window}'", start=at(0, 17, 0, 1))
    assert not holds(f"Schedule dow='tue' time='{window}'", start=at(0, 12))


def test_schedule_wraps_past_midnight_on_the_day_it_starts() -> None:
    block = "Schedule dow='fri' time='22:00:00-02:00:00'"
    friday = 4
    assert holds(block, start=at(friday, 23))
    assert holds(block, start=at(friday + 1, 1, 30))  # Saturday 01:30 belongs to Friday
    assert not holds(block, start=at(friday, 1, 30))  # Friday 01:30 belongs to Thursday
    assert not holds(block, start=at(friday, 12))


def test_schedule_in_the_app_time_zone() -> None:
    block = "Schedule dow='mon' time='04:00:00-06:00:00'"
    assert holds(block, start=MONDAY_10, tz="America/New_York")  # 05:00 in New York
    assert not holds(block, start=MONDAY_10)  # 10:00 UTC
    naive = datetime(2026, 1, 5, 5, 0)
    assert holds(block, start=naive, tz="America/New_York")


def test_schedule_uses_the_virtual_time_when_it_runs() -> None:
    xml = (
        "<Pause length='7200000'/>"
        "<Schedule time='11:00:00-13:00:00'><Say>later window</Say></Schedule>"
    )
    result = run(xml, start=at(0, 9, 30))
    assert result.said("later window")


def test_schedule_alias_behaves_like_schedule() -> None:
    assert holds("Scheduler dow='mon'", start=MONDAY_10)
    assert not holds("Scheduler dow='sun'", start=MONDAY_10)


@given(st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2099, 1, 1)))
def test_wrapped_window_equals_two_plain_windows(moment: datetime) -> None:
    local = moment.replace(tzinfo=ZoneInfo("UTC"))
    days = ("mon",)
    wrapped = schedule_matches(days, "20:00:00-03:00:00", local)
    before = schedule_matches(days, "20:00:00-23:59:59", local)
    after = schedule_matches(("tue",), "00:00:00-03:00:00", local)
    assert wrapped == (before or after)


def test_an_unknown_time_zone_is_an_error_result_not_a_traceback() -> None:
    result = run("<Say>a</Say><Schedule dow='mon'><Say>b</Say></Schedule>", tz="Mars/Olympus")
    assert result.result == "error"
    assert result.reason is not None and "Mars/Olympus" in result.reason
    assert [e.kind for e in result.events] == ["say"]
