"""Engine: sequential run, hang-up rules, durations of prompts, the clock, caller hang-up."""

from __future__ import annotations

from callflow import parse
from simulator import CallerScript, CallResult, HangUp, Press, Silence, simulate
from simulator.speech import PLAY_URL_MS, speech_ms, tone_ms


def run(xml: str, *actions: Press | Silence | HangUp, **kw: object) -> CallResult:
    script = kw.pop("caller", None) or CallerScript(actions=actions)
    return simulate(parse(f"<Response>{xml}</Response>"), caller=script, **kw)  # type: ignore[arg-type]


def kinds(result: CallResult) -> list[str]:
    return [e.kind for e in result.events]


def test_commands_run_in_order_on_the_clock() -> None:
    result = run("<Say>first thing</Say><Say>second</Say><Pause length='700'/><Say>third</Say>")
    says = result.of_kind("say")
    assert [e.data["text"] for e in says] == ["first thing", "second", "third"]
    assert says[0].t == 0
    assert says[1].t == speech_ms("first thing")
    assert says[2].t == speech_ms("first thing") + speech_ms("second") + 700
    assert result.duration_ms == says[2].t + speech_ms("third")


def test_hangup_ends_the_call_and_nothing_after_it_runs() -> None:
    result = run("<Say>bye</Say>\n<Hangup tag='done'/>\n<Say>never</Say>")
    assert result.result == "hangup"
    assert not result.said("never")
    last = result.events[-1]
    assert (last.kind, last.data["by"], last.data["tag"], last.line) == (
        "hangup",
        "flow",
        "done",
        2,
    )


def test_end_of_document_is_a_hangup_by_the_flow() -> None:
    implicit = run("<Say>hello</Say>")
    explicit = run("<Say>hello</Say><Hangup/>")
    assert implicit.result == explicit.result == "hangup"
    assert implicit.events[-1].kind == "hangup"
    assert implicit.events[-1].data == {"by": "flow"}
    assert implicit.events[-1].line is None
    same = [(e.kind, e.t, e.data) for e in implicit.events]
    assert same == [(e.kind, e.t, e.data) for e in explicit.events]


def test_answer_delay_moves_the_clock() -> None:
    result = run("<Answer delay='1234'/><Say>hi</Say>")
    assert result.events[0].kind == "answer"
    assert result.events[0].data["delay"] == 1234
    assert result.of_kind("say")[0].t == 1234


def test_say_loop_is_one_event_that_lasts_loop_times() -> None:
    result = run("<Say loop='3' lang='fr-FR'>bonjour</Say><Pause length='1'/>")
    say = result.of_kind("say")[0]
    assert say.data == {"text": "bonjour", "lang": "fr-FR", "loop": 3}
    assert result.of_kind("pause")[0].t == 3 * speech_ms("bonjour")


def test_say_text_attribute_is_spoken() -> None:
    assert run("<Say text='from the attribute'/>").said("from the attribute")


def test_play_url_duration_and_loop() -> None:
    result = run("<Play loop='2'>https://x.example/a.mp3</Play><Say>after</Say>")
    play = result.of_kind("play")[0]
    assert play.data == {"url": "https://x.example/a.mp3", "loop": 2}
    assert result.of_kind("say")[0].t == 2 * PLAY_URL_MS


def test_tone_duration_follows_cycles_and_timeout() -> None:
    result = run(
        "<Tone hz='440' don='400' doff='100' loop='3'/>"
        "<Tone hz='350,440' don='1000' doff='1000' loop='50' timeout='5000'/>"
        "<Tone hz='1000' timeout='2500'/><Say>end</Say>"
    )
    tones = result.of_kind("tone")
    assert [e.data["length"] for e in tones] == [
        tone_ms(400, 100, 3, 30000), tone_ms(1000, 1000, 50, 5000), tone_ms(None, None, 1, 2500),
    ]  # fmt: skip
    assert [e.data["length"] for e in tones] == [1500, 5000, 2500]
    assert result.of_kind("say")[0].t == 9000


def test_hold_and_unhold_are_events() -> None:
    result = run("<Hold timeout='5000'/><Unhold/>")
    assert kinds(result)[:2] == ["hold", "unhold"]
    assert result.events[0].data["timeout"] == 5000


def test_pause_dtmf_stop_ends_it_early_and_consumes_the_action() -> None:
    xml = (
        "<Pause length='5000' dtmf_stop='#'/>"
        "<Gather timeout='1000'><DTMF value='2'><Say>two</Say></DTMF></Gather>"
    )
    result = run(xml, Press("#", delay_ms=300), Press("2"))
    pause = result.of_kind("pause")[0]
    assert pause.data["length"] == 300
    assert result.of_kind("gather")[0].t == 300
    assert result.said("two")


def test_pause_without_its_stop_key_runs_in_full_but_still_consumes_the_action() -> None:
    xml = (
        "<Pause length='5000' dtmf_stop='#'/>"
        "<Gather timeout='1000'><DTMF value='1'><Say>one</Say></DTMF></Gather>"
    )
    result = run(xml, Press("1", delay_ms=300))
    assert result.of_kind("pause")[0].data["length"] == 5000
    assert not result.said("one")
    assert result.of_kind("input")[0].data == {"timeout": True}


def test_pause_without_dtmf_stop_leaves_the_action_for_the_gather() -> None:
    xml = "<Pause length='5000'/><Gather><DTMF value='1'><Say>one</Say></DTMF></Gather>"
    assert run(xml, Press("1")).said("one")


def test_caller_hangs_up_at_a_time_in_the_middle_of_a_command() -> None:
    result = run("<Say>hello</Say>\n<Pause length='60000'/>\n<Say>late</Say>",
                 caller=CallerScript(hangup_at_ms=5000))  # fmt: skip
    assert result.result == "caller-hangup"
    assert result.duration_ms == 5000
    last = result.events[-1]
    assert (last.kind, last.t, last.data["by"], last.line) == ("hangup", 5000, "caller", 2)
    assert not result.said("late")


def test_hangup_action_with_a_time_acts_wherever_the_flow_is() -> None:
    result = run("<Pause length='10000'/><Say>late</Say>", HangUp(at_ms=2500))
    assert (result.result, result.duration_ms) == ("caller-hangup", 2500)


def test_hangup_action_at_a_wait_ends_the_call_there() -> None:
    xml = "<Say>menu</Say><Gather timeout='9000'><Say>press</Say></Gather><Say>after</Say>"
    result = run(xml, HangUp())
    assert result.result == "caller-hangup"
    assert result.duration_ms == speech_ms("menu") + speech_ms("press")
    assert result.events[-1].data["by"] == "caller"
    assert not result.said("after")


def test_events_carry_the_file_name() -> None:
    result = simulate(parse("<Response><Say>x</Say></Response>"), file="flows/ivr.xml")
    assert {e.file for e in result.events} == {"flows/ivr.xml"}


def test_file_defaults_to_where_the_flow_was_parsed_from(tmp_path: object) -> None:
    from pathlib import Path

    path = Path(str(tmp_path)) / "flow.xml"
    path.write_text("<Response><Say>x</Say></Response>", encoding="utf-8")
    result = simulate(parse(path))
    assert result.events[0].file == str(path)


def test_a_builder_response_is_built_first() -> None:
    from callflow import builder

    flow = builder.Response()
    flow.say("built in Python")
    assert simulate(flow).said("built in Python")  # type: ignore[arg-type]


def test_something_that_is_not_a_flow_is_an_error_result() -> None:
    result = simulate(parse("<Response/>").children)  # type: ignore[arg-type]
    assert result.result == "error"
    assert result.reason and "Response" in result.reason


def test_same_inputs_same_transcript() -> None:
    xml = "<Gather attempts='2'><Say>a</Say><DTMF value='1'><Say>b</Say></DTMF></Gather>"
    assert run(xml, Silence(), Press("1")) == run(xml, Silence(), Press("1"))
