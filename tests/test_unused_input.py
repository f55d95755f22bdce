"""Every scripted caller action is used (an event says where) or reported as unused: extra
entries, keys a Gather drops past ``dtmf_length``, keys a listening Pause takes and ignores."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner, Result

from callflow.cli import cli
from callflow.parser import parse
from simulator import CallerScript, Press, simulate
from simulator.caller import HangUp, Silence

FLOW = """\
<Response>
  <Pause length="2000" dtmf_stop="#"/>
  <Gather dtmf_length="1" timeout="5000">
    <Say>Press 1 or 2.</Say>
    <DTMF value="1"><Say>one</Say></DTMF>
    <DTMF value="2"><Say>two</Say></DTMF>
    <Error/>
  </Gather>
  <Hangup/>
</Response>
"""
MENU = FLOW.replace('  <Pause length="2000" dtmf_stop="#"/>\n', "")


def run(*args: str | Path) -> Result:
    return CliRunner().invoke(cli, [str(a) for a in args])


def call(flow: str, *actions: Press | Silence | HangUp) -> tuple[str, ...]:
    result = simulate(parse(flow), caller=CallerScript(actions))
    return tuple(u.describe() for u in result.unused)


def test_extra_entries_no_wait_uses_are_reported() -> None:
    unused = call(MENU, Press("1"), Press("9"), Silence())
    assert len(unused) == 2
    assert unused[0].startswith("entry 2 ('9'): no wait for keys took it")
    assert unused[1].startswith("entry 3 (silence): no wait for keys took it")
    assert call(MENU, Press("1")) == ()


def test_keys_past_dtmf_length_are_reported_where_they_were_dropped() -> None:
    result = simulate(parse(MENU), caller=CallerScript((Press("12"),)))
    assert result.of_kind("input")[0].data == {"digits": "1", "discarded": "2"}
    (unused,) = result.unused
    assert (unused.entry, unused.keys, unused.line) == (1, "2", 2)
    assert "dtmf_length=1" in unused.reason
    assert call(MENU, Press("1#")) == ()  # a trailing stop key is allowed


def test_a_listening_pause_takes_an_entry_and_the_event_says_so() -> None:
    result = simulate(parse(FLOW), caller=CallerScript((Press("1"),)))
    pause = result.of_kind("pause")[0]
    assert pause.data["discarded"] == "1"
    (unused,) = result.unused
    assert (unused.entry, unused.line) == (1, 2)
    assert "dtmf_stop='#'" in unused.reason
    assert result.of_kind("input")[0].data == {"timeout": True}  # the Gather heard silence
    assert call(FLOW, Press("#", delay_ms=500), Press("2")) == ()


def test_a_hang_up_by_the_clock_counts_when_the_call_lived_to_see_it() -> None:
    long = MENU.replace("<Hangup/>", '<Pause length="9000"/><Hangup/>')
    assert call(long, Silence(), HangUp(at_ms=8000)) == ()
    (late,) = call(long, Silence(), HangUp(at_ms=99_000))
    assert late.startswith("entry 2 (hang up): no wait for keys took it")


def test_simulate_reports_unused_input_and_fails_with_strict(tmp_path: Path) -> None:
    flow = tmp_path / "menu.xml"
    flow.write_text(FLOW, encoding="utf-8")
    result = run("simulate", flow, "--digits", "1", "--digits", "12", "--digits", "9")
    assert result.exit_code == 0, result.output
    lines = [ln for ln in result.output.splitlines() if ln.startswith("warning: caller input")]
    assert [ln.split(":", 2)[1].strip() for ln in lines] == [
        "caller input not used",
        "caller input not used",
        "caller input not used",
    ]
    assert "entry 1 ('1')" in lines[0] and "entry 2 ('2')" in lines[1]
    assert "entry 3 ('9')" in lines[2]
    strict = run("simulate", flow, "--digits", "#,1,9", "--strict")
    assert strict.exit_code == 1
    assert "error: caller input not used: entry 3 ('9')" in strict.output
    data = json.loads(run("simulate", flow, "--digits", "#,1,9", "--format", "json").output)
    assert [(u["entry"], u["keys"]) for u in data["unused"]] == [(3, "9")]
    assert run("simulate", flow, "--digits", "#,1", "--strict").exit_code == 0


def test_scenarios_warn_and_fail_under_strict(tmp_path: Path) -> None:
    (tmp_path / "menu.xml").write_text(MENU, encoding="utf-8")
    scenario = tmp_path / "extra.yaml"
    scenario.write_text(
        "flow: menu.xml\ncaller:\n  - press: '1'\n  - press: '2'\nexpect:\n  - say: one\n",
        encoding="utf-8",
    )
    loose = run("test", scenario)
    assert loose.exit_code == 0, loose.output
    assert "PASS" in loose.output
    assert "warning: caller input not used: entry 2 ('2')" in loose.output
    strict = run("test", scenario, "--strict")
    assert strict.exit_code == 1, strict.output
    assert "FAIL" in strict.output and "caller input not used: entry 2 ('2')" in strict.output
    alone = run("simulate", "--scenario", scenario, "--strict")
    assert alone.exit_code == 1
    failing = tmp_path / "failing.yaml"
    failing.write_text(scenario.read_text().replace("say: one", "say: two"), encoding="utf-8")
    both = run("test", failing)
    assert both.exit_code == 1 and "FAIL" in both.output
    assert "warning: caller input not used: entry 2 ('2')" in both.output


def test_help_lists_a_listening_pause_as_a_wait() -> None:
    text = " ".join(run("simulate", "--help").output.split())
    assert "every Gather attempt, and a Pause or Record with dtmf_stop" in text
