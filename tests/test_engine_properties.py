"""Engine properties over random valid flows and random callers, and every example flow (the
corpus's, the bundled ones, and the shared ones where they are present)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from conftest import SHARED_EXAMPLES, acceptance_flows, needs_shared
from hypothesis import given
from hypothesis import strategies as st
from strategies import valid_models

from callflow import model as m
from callflow import parse
from callflow.serializer import to_xml
from simulator import (
    CallContext,
    CallerAction,
    CallerScript,
    CallResult,
    DialOutcome,
    HangUp,
    HttpAnswer,
    HttpRequest,
    Limits,
    Press,
    Silence,
    simulate,
)

LIMITS = Limits(max_steps=300, max_time_ms=2 * 3600 * 1000, max_http_hops=3)
EXAMPLES = SHARED_EXAMPLES


@dataclass(frozen=True)
class AnswerEverything:
    """Every URL answers with the same status and document (which may call back again)."""

    status: int
    text: str
    elapsed_ms: int

    def resolve(self, request: HttpRequest) -> HttpAnswer:
        return HttpAnswer(self.status, self.text, elapsed_ms=self.elapsed_ms)


def actions() -> st.SearchStrategy[CallerAction]:
    return st.one_of(
        st.builds(Press, st.text("0123456789*#", max_size=6), st.integers(0, 40_000)),
        st.just(Silence()),
        st.builds(HangUp, st.none() | st.integers(0, 3_600_000)),
    )


outcomes = st.builds(
    DialOutcome,
    st.sampled_from(["answer", "busy", "no-answer", "fail"]),
    st.integers(0, 60_000),
    st.integers(0, 600_000),
)
scripts = st.builds(
    CallerScript,
    st.lists(actions(), max_size=8).map(tuple),
    st.just({}),
    outcomes,
    st.none() | st.integers(0, 7_200_000),
)
contexts = st.builds(
    CallContext,
    from_=st.sampled_from(["+12125550100", "+14155550100", "+442075550123", "sip:a@b.example"]),
    start=st.datetimes(datetime(2020, 1, 1), datetime(2030, 1, 1), timezones=st.just(UTC)),
    tz=st.sampled_from(["UTC", "America/New_York", "Asia/Kolkata"]),
)
resolvers = st.none() | st.builds(
    AnswerEverything,
    st.sampled_from([200, 404, 500]),
    valid_models(max_depth=2, max_children=3).map(to_xml),
    st.integers(0, 20_000),
)


def check_run(result: CallResult) -> None:
    """What every run must satisfy, whatever the flow and the caller did."""
    assert result.result in ("hangup", "caller-hangup", "limit"), result.reason
    times = [e.t for e in result.events]
    assert times == sorted(times), "virtual time went backwards"
    assert all(0 <= t <= result.duration_ms for t in times)
    assert result.duration_ms <= LIMITS.max_time_ms
    assert len(result.events) <= 6 * LIMITS.max_steps + 2
    if result.result == "limit":
        assert result.reason and "reached" in result.reason
    else:
        assert result.events and result.events[-1].kind == "hangup"


@given(valid_models(), scripts, contexts, resolvers)
def test_any_valid_flow_terminates_in_bounds_and_is_deterministic(
    flow: m.Response, script: CallerScript, context: CallContext, http: AnswerEverything | None
) -> None:
    first = simulate(flow, caller=script, context=context, http=http, limits=LIMITS)
    check_run(first)
    again = simulate(flow, caller=script, context=context, http=http, limits=LIMITS)
    assert again == first


FLOWS = acceptance_flows()


@given(scripts)
def test_example_flows_run_cleanly_for_any_caller(script: CallerScript) -> None:
    for path in FLOWS:
        check_run(simulate(parse(path), caller=script, limits=LIMITS))


@needs_shared
def test_main_menu_example_paths() -> None:
    flow = parse(EXAMPLES / "main-menu.xml")
    appointments = simulate(flow, caller=CallerScript(actions=(Press("1"),)))
    assert appointments.of_kind("dial")[0].data["targets"][0].startswith("sip:appointments@")
    assert appointments.said("Goodbye")
    silent = simulate(flow)
    assert len(silent.of_kind("gather")) == 3
    assert silent.said("We did not hear a choice")
    busy = simulate(flow, caller=CallerScript(actions=(Press("1"),),
                                               dial_default=DialOutcome("busy")))  # fmt: skip
    assert busy.said("schedulers are busy")
    assert busy.events[-1].data == {"by": "flow", "tag": "appointments-busy"}


@needs_shared
def test_voicemail_example_plays_back_what_was_recorded() -> None:
    flow = parse(EXAMPLES / "voicemail.xml")
    result = simulate(flow, caller=CallerScript(actions=(Press("#", delay_ms=8000),)))
    assert result.of_kind("record")[0].data["length"] == 8000
    play = result.of_kind("play")[0]
    assert play.data == {"record": "message"}
    assert result.of_kind("say")[-1].t == play.t + 8000


@needs_shared
def test_after_hours_example_follows_the_clock() -> None:
    flow = parse(EXAMPLES / "after-hours.xml")
    saturday = simulate(flow, context=CallContext(start=datetime(2026, 1, 10, 12, tzinfo=UTC)))
    assert saturday.said("closed at weekends")
    evening = simulate(flow, context=CallContext(start=datetime(2026, 1, 6, 19, tzinfo=UTC)))
    assert evening.said("closed for the day")
    business = simulate(flow, context=CallContext(start=datetime(2026, 1, 6, 12, tzinfo=UTC)))
    assert business.of_kind("http")[0].data["url"].startswith("https://ivr.shop.example.com/live")
