"""Engine: Record with children, its stop key and timeout, background recordings, playback."""

from __future__ import annotations

from callflow import parse
from simulator import CallerScript, CallResult, Press, simulate
from simulator.engine import DEFAULT_RECORD_MS
from simulator.speech import speech_ms


def run(xml: str, *actions: Press, hangup_at_ms: int | None = None) -> CallResult:
    script = CallerScript(actions=actions, hangup_at_ms=hangup_at_ms)
    return simulate(parse(f"<Response>{xml}</Response>"), caller=script)


def test_children_run_while_recording_and_play_record_plays_it_back() -> None:
    xml = (
        "<Record tag='msg'><Say>speak now</Say><Pause length='4000'/></Record>"
        "<Play record='msg'/><Say>end</Say>"
    )
    result = run(xml)
    record = result.of_kind("record")[0]
    length = speech_ms("speak now") + 4000
    assert record.data == {"tag": "msg", "length": length}
    assert result.of_kind("say")[0].t == record.t
    play = result.of_kind("play")[0]
    assert play.data == {"record": "msg"}
    assert result.of_kind("say")[1].t == play.t + length


def test_record_stop_key_cuts_the_children_short() -> None:
    xml = (
        "<Record tag='msg' dtmf_stop='#'><Pause length='60000'/><Say>not reached</Say></Record>"
        "<Say>after</Say>"
    )
    result = run(xml, Press("#", delay_ms=2500))
    assert result.of_kind("record")[0].data["length"] == 2500
    assert [e.data["text"] for e in result.of_kind("say")] == ["after"]
    assert result.of_kind("say")[0].t == 2500


def test_record_timeout_cuts_the_children_short() -> None:
    xml = (
        "<Record tag='m' timeout='3000'><Pause length='10000'/><Say>cut</Say></Record><Say>x</Say>"
    )
    result = run(xml)
    assert result.of_kind("record")[0].data["length"] == 3000
    assert not result.said("cut")
    assert result.of_kind("say")[0].t == 3000


def test_nested_records_each_keep_their_own_deadline() -> None:
    xml = (
        "<Record tag='outer' timeout='5000'>"
        "<Record tag='inner' timeout='2000'><Pause length='9000'/></Record>"
        "<Say>between</Say><Pause length='9000'/><Say>cut</Say></Record><Say>after</Say>"
    )
    result = run(xml)
    lengths = {e.data["tag"]: e.data["length"] for e in result.of_kind("record")}
    assert lengths == {"outer": 5000, "inner": 2000}
    assert [e.data["text"] for e in result.of_kind("say")] == ["between", "after"]


def test_pause_inside_record_ends_on_its_stop_key_like_voicemail() -> None:
    xml = "<Record tag='m' timeout='60000'><Pause length='60000' dtmf_stop='#'/></Record>"
    result = run(xml, Press("#", delay_ms=7000))
    assert result.of_kind("record")[0].data["length"] == 7000


def test_record_without_children_waits_for_stop_key_or_timeout() -> None:
    assert run("<Record tag='a' dtmf_stop='#' timeout='9000'/>", Press("#", delay_ms=1200)
               ).of_kind("record")[0].data["length"] == 1200  # fmt: skip
    assert run("<Record tag='a' timeout='9000'/>").of_kind("record")[0].data["length"] == 9000
    assert run("<Record tag='a'/>").of_kind("record")[0].data["length"] == DEFAULT_RECORD_MS


def test_play_of_a_recording_never_made_fails() -> None:
    result = run("<Play record='ghost'><Error><Say>no such recording</Say></Error></Play>")
    assert result.said("no such recording")
    assert "ghost" in result.of_kind("error")[0].data["reason"]
    assert result.of_kind("play") == []


def test_background_recording_lasts_from_start_to_stop() -> None:
    xml = (
        "<RecordStart tag='bg'/><Pause length='3000'/><RecordStop tag='bg'/>"
        "<RecordWait tag='bg'/><Play record='bg'/><Say>end</Say>"
    )
    result = run(xml)
    actions = [e.data["action"] for e in result.of_kind("record")]
    assert actions == ["start", "stop", "wait"]
    assert result.of_kind("say")[0].t == 3000 + 3000


def test_caller_hangup_while_recording_keeps_what_was_recorded() -> None:
    result = run("<Record tag='m'><Pause length='9000'/></Record>", hangup_at_ms=4000)
    assert result.result == "caller-hangup"
    assert result.of_kind("record")[0].data["length"] == 4000
