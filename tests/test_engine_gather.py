"""Engine: Gather attempts, key reading, DTMF / Default / Error, legacy spellings."""

from __future__ import annotations

from callflow import parse
from simulator import CallerScript, CallResult, Press, Silence, simulate
from simulator.speech import speech_ms

MENU = """
  <Gather dtmf_length="1" timeout="4000" attempts="3">
    <Say>Press 1 or 2.</Say>
    <DTMF value="1"><Say>one chosen</Say></DTMF>
    <DTMF value="2"><Say>two chosen</Say></DTMF>
    <Default><Say>not an option</Say></Default>
    <Error><Say>no choice heard</Say></Error>
  </Gather>
  <Say>after the menu</Say>
"""


def run(xml: str, *actions: Press | Silence) -> CallResult:
    return simulate(parse(f"<Response>{xml}</Response>"), caller=CallerScript(actions=actions))


def said(result: CallResult) -> list[str]:
    return [str(e.data["text"]) for e in result.of_kind("say")]


def test_matching_input_runs_its_block_then_the_flow_goes_on() -> None:
    result = run(MENU, Press("2"))
    assert said(result) == ["Press 1 or 2.", "two chosen", "after the menu"]
    assert result.of_kind("input")[0].data == {"digits": "2"}


def test_no_input_retries_then_runs_error_not_default() -> None:
    result = run(MENU)
    attempts = result.of_kind("gather")
    assert [e.data["attempt"] for e in attempts] == [1, 2, 3]
    assert all(e.data == {"timeout": True} for e in result.of_kind("input"))
    assert "no choice heard" in said(result)
    assert "not an option" not in said(result)
    one_attempt = speech_ms("Press 1 or 2.") + 4000
    assert [e.t for e in attempts] == [0, one_attempt, 2 * one_attempt]
    error = result.of_kind("error")[0]
    assert error.data["handled"] is True and "3 attempt" in error.data["reason"]
    assert said(result)[-1] == "after the menu"


def test_unmatched_input_runs_default_not_error() -> None:
    result = run(MENU, Press("7"))
    assert "not an option" in said(result)
    assert "no choice heard" not in said(result)
    assert result.of_kind("error") == []
    assert said(result)[-1] == "after the menu"


def test_input_on_a_later_attempt() -> None:
    result = run(MENU, Silence(), Press("1"))
    assert [e.data["attempt"] for e in result.of_kind("gather")] == [1, 2]
    assert "one chosen" in said(result)


def test_unmatched_input_without_default_is_a_failure() -> None:
    xml = "<Gather><DTMF value='1'><Say>one</Say></DTMF><Error><Say>handled</Say></Error></Gather>"
    result = run(xml, Press("5"))
    assert said(result) == ["handled"]
    assert "5" in result.of_kind("error")[0].data["reason"]


def test_dtmf_length_and_stop_key() -> None:
    xml = (
        "<Gather dtmf_length='4' dtmf_stop='#' timeout='9000'>"
        "<DTMF value='12'><Say>twelve</Say></DTMF><DTMF value='1234'><Say>full</Say></DTMF>"
        "</Gather>"
    )
    stopped = run(xml, Press("12#9", delay_ms=700))
    assert stopped.of_kind("input")[0].data == {"digits": "12", "discarded": "9"}
    assert stopped.of_kind("input")[0].t == 700
    assert "twelve" in said(stopped)
    full = run(xml, Press("123456", delay_ms=300))
    assert full.of_kind("input")[0].data == {"digits": "1234", "discarded": "56"}
    assert full.of_kind("input")[0].t == 300
    assert "full" in said(full)


def test_fewer_keys_without_stop_key_wait_for_the_timeout() -> None:
    xml = (
        "<Gather dtmf_length='4' timeout='6000'><DTMF value='12'><Say>partial</Say></DTMF></Gather>"
    )
    result = run(xml, Press("12", delay_ms=100))
    assert result.of_kind("input")[0].t == 6000
    assert result.said("partial")


def test_keys_after_the_timeout_are_lost() -> None:
    xml = "<Gather timeout='3000'><DTMF value='1'><Say>one</Say></DTMF></Gather>"
    result = run(xml, Press("1", delay_ms=3001))
    assert result.of_kind("input")[0].data == {"timeout": True}
    assert not result.said("one")
    assert run(xml, Press("1", delay_ms=3000)).said("one")


def test_stop_key_alone_is_no_input() -> None:
    xml = "<Gather attempts='2' dtmf_stop='#'><DTMF value='1'><Say>one</Say></DTMF></Gather>"
    result = run(xml, Press("#"), Press("1"))
    assert result.of_kind("input")[0].data == {"digits": ""}
    assert result.said("one")


def test_prompt_pause_with_dtmf_stop_does_not_take_the_gathers_keys() -> None:
    xml = (
        "<Gather><Pause length='500' dtmf_stop='#'/><Say>pick</Say>"
        "<DTMF value='3'><Say>three</Say></DTMF></Gather>"
    )
    result = run(xml, Press("3"))
    assert result.of_kind("pause")[0].data["length"] == 500
    assert result.said("three")


def test_nested_menus_consume_one_action_each() -> None:
    xml = (
        "<Gather><DTMF value='1'><Gather><DTMF value='2'><Say>deep</Say></DTMF></Gather>"
        "<Say>back in one</Say></DTMF></Gather><Say>top</Say>"
    )
    assert said(run(xml, Press("1"), Press("2"))) == ["deep", "back in one", "top"]


def test_gather_tag_is_on_its_events() -> None:
    result = run("<Gather tag='menu'><Say>x</Say></Gather>")
    assert result.of_kind("gather")[0].data["tag"] == "menu"
    assert result.of_kind("input")[0].data["tag"] == "menu"


LEGACY = """<Response>
  <Scheduler dow="mon" time="09:00:00-11:00:00"><Say>standup</Say></Scheduler>
  <Gather numDigits="2" finishOnKey="*" timeout="5000" attempts="2">
    <Say>Enter a code.</Say>
    <Switch>
      <Case dtmf="12"><Say>twelve</Say><Dial><Sip>1000@pbx.example.net:5060</Sip></Dial></Case>
      <Default><Say>unknown</Say></Default>
      <Error say="true"><Say>nothing</Say></Error>
    </Switch>
  </Gather>
  <Tone hz="440" don="100" v="-3"/>
</Response>"""

CANONICAL = """<Response>
  <Schedule dow="mon" time="09:00:00-11:00:00"><Say>standup</Say></Schedule>
  <Gather dtmf_length="2" dtmf_stop="*" timeout="5000" attempts="2">
    <Say>Enter a code.</Say>
    <DTMF value="12"><Say>twelve</Say><Dial><To>1000@pbx.example.net:5060</To></Dial></DTMF>
    <Default><Say>unknown</Say></Default>
    <Error play="true"><Say>nothing</Say></Error>
  </Gather>
  <Tone hz="440" don="100" volume="-3"/>
</Response>"""


def _story(xml: str, *actions: Press | Silence) -> list[tuple[str, int, dict[str, object]]]:
    result = simulate(parse(xml), caller=CallerScript(actions=actions))
    return [(e.kind, e.t, e.data) for e in result.events]


def test_aliases_behave_like_canonical_names() -> None:
    scripts: list[tuple[Press | Silence, ...]] = [
        (Press("12"),),
        (Press("1*"),),
        (Press("99"),),
        (Silence(), Silence()),
        (Press("12*"),),
    ]
    for script in scripts:
        assert _story(LEGACY, *script) == _story(CANONICAL, *script), script
    assert any(k == "bridge" for k, _, _ in _story(LEGACY, Press("12")))
    assert any(d.get("text") == "nothing" for _, _, d in _story(LEGACY, Silence(), Silence()))
