"""Engine: the Error bubbling rule of spec section 5, and Dial outcomes."""

from __future__ import annotations

from callflow import parse
from simulator import CallerScript, CallResult, DialOutcome, simulate
from simulator.speech import speech_ms

BUSY = DialOutcome("busy")


ANSWER = DialOutcome()


def run(
    xml: str, dial: dict[str, DialOutcome] | None = None, default: DialOutcome = ANSWER
) -> CallResult:
    script = CallerScript(dial=dial or {}, dial_default=default)
    return simulate(parse(f"<Response>{xml}</Response>"), caller=script)


def said(result: CallResult) -> list[str]:
    return [str(e.data["text"]) for e in result.of_kind("say")]


def test_own_error_runs_and_the_flow_goes_on_after_the_failed_command() -> None:
    xml = (
        "<Dial><To>+15550001</To><Error><Say>own handler</Say></Error></Dial>"
        "<Say>next</Say><Error><Say>document handler</Say></Error>"
    )
    result = run(xml, default=BUSY)
    assert said(result) == ["own handler", "next"]
    assert result.of_kind("error")[0].data["handled"] is True


def test_error_bubbles_to_the_nearest_enclosing_block() -> None:
    xml = (
        "<Call field='direction' value='inbound'>"
        "<Geo><Dial><To>+15550001</To></Dial><Say>inside after</Say></Geo>"
        "<Error><Say>call block handler</Say></Error></Call>"
        "<Say>outside after</Say><Error><Say>document handler</Say></Error>"
    )
    result = run(xml, default=BUSY)
    assert said(result) == ["call block handler", "inside after", "outside after"]


def test_error_bubbles_up_to_response() -> None:
    xml = (
        "<Say>start</Say><Geo><Dial><To>+15550001</To></Dial></Geo><Say>after</Say>"
        "<Error><Say>document handler</Say></Error>"
    )
    assert said(run(xml, default=BUSY)) == ["start", "document handler", "after"]


def test_a_branch_failure_skips_the_gathers_own_error_and_reaches_the_document() -> None:
    """The Gather's Error means "no input"; a failed Dial inside a branch is not that."""
    xml = (
        "<Gather><DTMF value='1'><Dial><To>+15550001</To></Dial></DTMF>"
        "<Error><Say>gather handler</Say></Error></Gather>"
        "<Error><Say>document handler</Say></Error>"
    )
    from simulator import Press

    script = CallerScript(actions=(Press("1"),), dial_default=BUSY)
    result = simulate(parse(f"<Response>{xml}</Response>"), caller=script)
    assert said(result) == ["document handler"]
    errors = result.of_kind("error")
    assert [e.data["handled"] for e in errors] == [True]


def test_a_branch_failure_is_caught_by_the_branch_blocks_own_error() -> None:
    xml = (
        "<Gather><DTMF value='1'><Dial><To>+15550001</To></Dial>"
        "<Error><Say>branch handler</Say></Error></DTMF>"
        "<Error><Say>gather handler</Say></Error></Gather>"
    )
    from simulator import Press

    script = CallerScript(actions=(Press("1"),), dial_default=BUSY)
    result = simulate(parse(f"<Response>{xml}</Response>"), caller=script)
    assert said(result) == ["branch handler"]


def test_handler_that_hangs_up_ends_the_call() -> None:
    xml = "<Dial><To>+15550001</To><Error><Hangup/></Error></Dial><Say>never</Say>"
    result = run(xml, default=BUSY)
    assert result.result == "hangup"
    assert not result.said("never")


def test_uncaught_failure_is_recorded_and_the_flow_goes_on() -> None:
    result = run("<Dial><To>+15550001</To></Dial><Say>still here</Say>", default=BUSY)
    error = result.of_kind("error")[0]
    assert error.data["handled"] is False
    assert error.line == 1
    assert said(result) == ["still here"]


def test_error_play_speaks_the_reason_first() -> None:
    xml = "<Dial><To>+15550001</To><Error play='true'><Say>sorry</Say></Error></Dial>"
    result = run(xml, default=BUSY)
    reason = result.of_kind("error")[0].data["reason"]
    assert said(result) == [reason, "sorry"]
    assert result.of_kind("say")[1].t == result.of_kind("say")[0].t + speech_ms(reason)


def test_empty_error_play_speaks_and_goes_on() -> None:
    xml = "<Dial><To>+15550001</To><Error play='true'/></Dial><Say>go on</Say>"
    result = run(xml, default=BUSY)
    assert said(result)[-1] == "go on"
    assert len(said(result)) == 2


def test_a_failure_inside_a_handler_does_not_rerun_that_handler() -> None:
    xml = (
        "<Say>start</Say>"
        "<Error><Say>handler</Say><Dial><To>+15550002</To></Dial><Say>handler end</Say></Error>"
        "<Dial><To>+15550001</To></Dial><Say>after</Say>"
    )
    result = run(xml, default=BUSY)
    assert said(result) == ["start", "handler", "handler end", "after"]
    assert [e.data["handled"] for e in result.of_kind("error")] == [True, False]


# ---- Dial ---------------------------------------------------------------------------------


def test_first_answer_by_ring_time_wins_and_flow_goes_on_after_the_bridge() -> None:
    xml = "<Dial timeout='20000'><To>+15550001</To><To>+15550002</To></Dial><Say>after</Say>"
    script = CallerScript(dial={
        "+15550001": DialOutcome("answer", after_ms=8000, talk_ms=1000),
        "+15550002": DialOutcome("answer", after_ms=2000, talk_ms=5000),
    })  # fmt: skip
    result = simulate(parse(f"<Response>{xml}</Response>"), caller=script)
    assert result.of_kind("dial")[0].data["targets"] == ["+15550001", "+15550002"]
    bridge = result.of_kind("bridge")[0]
    assert (bridge.data["target"], bridge.t) == ("+15550002", 2000)
    assert result.of_kind("say")[0].t == 7000


def test_equal_ring_times_bridge_the_first_written() -> None:
    xml = "<Dial><To>a@x.example</To><To>b@x.example</To></Dial>"
    assert run(xml).of_kind("bridge")[0].data["target"] == "a@x.example"


def test_all_busy_fails_at_once_and_runs_error() -> None:
    xml = "<Dial><To>a@x.example</To><To>b@x.example</To><Error><Say>busy</Say></Error></Dial>"
    result = run(xml, default=BUSY)
    failed = result.of_kind("dial.failed")[0]
    assert (failed.data["outcome"], failed.t) == ("busy", 0)
    assert said(result) == ["busy"]


def test_nobody_answering_in_time_fails_after_the_ring_timeout() -> None:
    xml = "<Dial timeout='9000'><To>a@x.example</To><To>b@x.example</To></Dial><Say>x</Say>"
    result = run(xml, {"a@x.example": DialOutcome("answer", after_ms=9500), "b@x.example": BUSY})
    failed = result.of_kind("dial.failed")[0]
    assert (failed.data["outcome"], failed.t) == ("no-answer", 9000)
    assert result.of_kind("error")[0].data["handled"] is False
    assert result.of_kind("bridge") == []


def test_answer_exactly_at_the_timeout_still_bridges() -> None:
    xml = "<Dial timeout='9000'><To>a@x.example</To></Dial>"
    result = run(xml, {"a@x.example": DialOutcome("answer", after_ms=9000)})
    assert result.of_kind("bridge")


def test_all_failed_destinations_report_fail() -> None:
    result = run("<Dial><To>a@x.example</To></Dial>", default=DialOutcome("fail"))
    assert result.of_kind("dial.failed")[0].data["outcome"] == "fail"


def test_caller_hanging_up_during_the_bridge_ends_the_call() -> None:
    xml = "<Dial><To>a@x.example</To></Dial><Say>after</Say>"
    script = CallerScript(dial_default=DialOutcome("answer", 1000, 60000), hangup_at_ms=30000)
    result = simulate(parse(f"<Response>{xml}</Response>"), caller=script)
    assert (result.result, result.duration_ms) == ("caller-hangup", 30000)
    assert not result.said("after")


def test_dial_without_destination_fails() -> None:
    result = run("<Dial><Error><Say>no one</Say></Error></Dial>")
    assert said(result) == ["no one"]
