"""Engine: the bounds on steps, virtual time and HTTP hops end a run with result ``limit``."""

from __future__ import annotations

from callflow import parse
from simulator import CallerScript, Canned, CannedResolver, Limits, Press, simulate

LOOP_URL = "https://ivr.example.com/again"
LOOP = f"<Response>\n<Say>round</Say>\n<Callback url='{LOOP_URL}'/>\n</Response>"


def test_a_callback_loop_hits_max_http_hops() -> None:
    http = CannedResolver({LOOP_URL: Canned(xml=LOOP)})
    result = simulate(parse(LOOP), http=http, limits=Limits(max_http_hops=5))
    assert result.result == "limit"
    assert result.reason is not None
    assert "max_http_hops=5" in result.reason and "line 3" in result.reason
    assert len(result.of_kind("http")) == 6
    assert len(result.of_kind("say")) == 6


def test_a_menu_whose_default_calls_back_to_itself_hits_the_hop_limit() -> None:
    menu = (
        f"<Response><Gather><Say>Pick.</Say><DTMF value='1'><Say>ok</Say></DTMF>"
        f"<Default><Say>Try again.</Say><Callback url='{LOOP_URL}'/></Default></Gather></Response>"
    )
    http = CannedResolver({LOOP_URL: Canned(xml=menu)})
    caller = CallerScript(actions=(Press("9"),) * 100)
    result = simulate(parse(menu), caller=caller, http=http, limits=Limits(max_http_hops=7))
    assert result.result == "limit"
    assert result.reason is not None and "max_http_hops=7" in result.reason
    assert result.reason.endswith(LOOP_URL)
    # with a script that stops pressing, the same flow ends normally
    short = simulate(parse(menu), caller=CallerScript(actions=(Press("9"),) * 3), http=http)
    assert short.result == "hangup"


def test_max_steps_names_the_line() -> None:
    flow = parse("<Response>\n" + "<Say>x</Say>\n" * 30 + "</Response>")
    result = simulate(flow, limits=Limits(max_steps=10))
    assert result.result == "limit"
    assert result.reason == "max_steps=10 reached at line 12"
    assert len(result.of_kind("say")) == 10


def test_gather_attempts_count_as_steps() -> None:
    flow = parse("<Response><Gather attempts='1000000' timeout='0'/></Response>")
    result = simulate(flow, limits=Limits(max_steps=50))
    assert result.result == "limit"
    assert len(result.of_kind("gather")) == 50


def test_max_time_stops_the_clock_at_the_bound() -> None:
    flow = parse("<Response>\n<Say>hi</Say>\n<Pause length='99999999'/>\n<Say>no</Say></Response>")
    result = simulate(flow, limits=Limits(max_time_ms=60_000))
    assert result.result == "limit"
    assert result.duration_ms == 60_000
    assert result.reason == "max_time_ms=60000 reached at line 3"
    assert not result.said("no")


def test_reaching_no_bound_is_not_a_limit() -> None:
    flow = parse("<Response><Pause length='1000'/></Response>")
    result = simulate(flow, limits=Limits(max_steps=1, max_time_ms=1000, max_http_hops=0))
    assert result.result == "hangup"
