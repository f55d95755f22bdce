"""The step debugger's session (``simulator.debugger``), without a terminal: every command,
every kind of answer, and the edges (a breakpoint where no command is, saving before any
input, restart, Ctrl-C in the middle of a run, answers no scenario can hold)."""

from __future__ import annotations

import tempfile
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st

from callflow.cli import cli
from simulator.caller import CallerScript, DialOutcome, HangUp, Press, Silence
from simulator.choices import DialPoint
from simulator.context import CallContext
from simulator.debugger import COMMANDS, Reply, Session, Setup
from simulator.engine import simulate
from simulator.http import Canned, CannedResolver, HttpAnswer, HttpRequest, Resolver
from simulator.scenario import dial_outcome, load_flow, load_scenario, run_scenario

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
MENU = EXAMPLES / "main-menu.xml"
CALLBACK = EXAMPLES / "callback-flow.xml"
VOICEMAIL = EXAMPLES / "voicemail.xml"


def session(path: Path, **options: object) -> Session:
    flow = load_flow(path)
    assert flow.model is not None, flow.errors
    setup = Setup(flow.model, path, flow.source, **options)  # type: ignore[arg-type]
    return Session(setup)


def written(tmp_path: Path, xml: str, name: str = "flow.xml") -> Path:
    path = tmp_path / name
    path.write_text(xml, encoding="utf-8")
    return path


def texts(reply: Reply) -> str:
    return "\n".join(line.text for line in reply.lines)


def said(reply: Reply) -> list[str]:
    return [str(ln.event.data["text"]) for ln in reply.lines if ln.event and ln.event.kind == "say"]


def errors(reply: Reply) -> list[str]:
    return [line.text for line in reply.lines if line.style == "error"]


def replays(s: Session, tmp_path: Path, name: str = "saved.yaml") -> dict[str, object]:
    """Save the session, check the file passes as ``callflow test`` runs it, return its data."""
    target = tmp_path / name
    reply = s.execute(f"save {target}")
    assert not errors(reply), texts(reply)
    assert "passes" in texts(reply)
    run = run_scenario(load_scenario(target))
    assert run.passed, run.explain()
    data = yaml.safe_load(target.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


# ---- starting and answering keys -------------------------------------------------------------


def test_start_runs_to_the_first_wait_and_asks_for_keys() -> None:
    s = session(MENU)
    reply = s.start()
    assert said(reply) == [
        "Thank you for calling Bluewater Property Management.",
        "For leasing and available homes, press 1. If you are a current resident, press 2. "
        "For accounting, press 3. To reach the front desk, press 0.",
    ]
    assert s.prompt == "L6 keys> "
    assert "menu: 1, 2, 3, 0" in reply.lines[-1].text
    assert "silence" in s.words() and "busy" not in s.words()


def test_keys_walk_the_nested_menu_as_a_scripted_call_would() -> None:
    s = session(MENU)
    s.start()
    assert s.execute("2").lines[-1].text.startswith("L20 Gather residents attempt 1 of 2")
    assert s.prompt == "L20 keys> "
    s.execute("1")
    assert s.prompt == "L24 keys> "
    reply = s.execute("2")
    assert "Please submit routine repairs" in said(reply)[0]
    assert s.ended and s.prompt == "ended> "
    scripted = simulate(s.setup.flow, caller=CallerScript((Press("2"), Press("1"), Press("2"))),
                        file=str(MENU))  # fmt: skip
    assert tuple(s.machine.events) == scripted.events


def test_silence_lets_the_attempt_time_out_and_the_gather_asks_again() -> None:
    s = session(MENU)
    s.start()
    reply = s.execute("silence")
    inputs = [ln.event for ln in reply.lines if ln.event and ln.event.kind == "input"]
    assert inputs and inputs[0].data == {"timeout": True, "tag": "top-menu"}
    assert "attempt 2 of 3" in reply.lines[-1].text


def test_keys_that_are_not_keys_are_refused_and_nothing_moves() -> None:
    s = session(MENU)
    s.start()
    before = len(s.machine.events)
    reply = s.execute("12x")
    assert errors(reply) and "not an answer here" in errors(reply)[0]
    assert len(s.machine.events) == before and s.log == []


def test_a_stop_key_wait_on_a_record_listens_for_it(tmp_path: Path) -> None:
    s = session(VOICEMAIL)
    s.start()
    assert s.prompt.endswith("dial> ")
    reply = s.execute("no-answer")
    assert "listens for its stop key #" in reply.lines[-1].text
    s.execute("#")
    assert s.prompt.endswith("keys> ")  # the review menu
    reply = s.execute("1")
    plays = [ln.event for ln in reply.lines if ln.event and ln.event.kind == "play"]
    assert plays and plays[0].data["record"] == "patient-message"


# ---- dial and http answers -------------------------------------------------------------------


def test_dial_outcomes_one_for_all_or_one_per_destination() -> None:
    s = session(MENU)
    s.start()
    for keys in ("2", "1", "1"):
        s.execute(keys)
    assert s.prompt == "L28 dial> " and "busy" in s.words()
    assert errors(s.execute("busy, busy, busy")) == [
        "3 outcomes for 2 destinations: give one for all, or one per destination"
    ]
    reply = s.execute("busy, answer 5000 1000")
    bridged = [ln.event for ln in reply.lines if ln.event and ln.event.kind == "bridge"]
    assert bridged and bridged[0].data["target"] == "+15035550199"
    assert bridged[0].t == 28015 + 5000


def test_a_wrong_dial_outcome_is_refused() -> None:
    s = session(MENU)
    s.start()
    s.execute("1")
    reply = s.execute("maybe")
    assert errors(reply) and "'maybe' is not a dial outcome" in errors(reply)[0]
    assert s.prompt == "L10 dial> "


def test_http_answers_fail_timeout_status_and_a_file(tmp_path: Path) -> None:
    s = session(CALLBACK)
    s.start()
    assert s.prompt == "L7 http> "  # the CRM Curl
    assert "fail" in s.words() and "timeout" in s.words()
    reply = s.execute("fail")
    http = [ln.event for ln in reply.lines if ln.event and ln.event.kind == "http"]
    assert http[0].data["status"] == 503
    assert s.prompt == "L18 keys> "
    s.execute("1234567#")
    assert s.prompt == "L18 http> "  # the Gather url with the input
    assert "dtmf=1234567" in s.machine.pending.request.url  # type: ignore[union-attr]
    assert errors(s.execute("status 42")) == ["status CODE takes an HTTP status, e.g. status 404"]
    assert "no such file" in errors(s.execute(str(tmp_path / "missing.xml")))[0]
    answer = written(tmp_path, "<Response>\n  <Say>Your refill is ready.</Say>\n</Response>\n",
                     "ready.xml")  # fmt: skip
    reply = s.execute(str(answer))
    assert said(reply)[0] == "Your refill is ready."
    where = texts(s.execute("where"))
    assert "<Say>Your refill is ready.</Say>" in where  # the fetched document's own text
    data = replays(s, tmp_path)
    http_answers = data["http"]
    assert isinstance(http_answers, dict)
    assert http_answers["https://crm.lakesidepharmacy.example.com/hooks/call-started"] == {
        "status": 503
    }
    assert http_answers["https://ivr.lakesidepharmacy.example.com/refills/lookup"] == {
        "file": "ready.xml"
    }


def test_http_timeout_answer(tmp_path: Path) -> None:
    s = session(CALLBACK)
    s.start()
    reply = s.execute("timeout")
    http = [ln.event for ln in reply.lines if ln.event and ln.event.kind == "http"]
    assert http[0].data["error"] == "timed out"
    assert http[0].t == 0 and s.machine.now >= 3000  # the Curl's timeout went by
    data = replays(s, tmp_path)
    assert data["http"] == {
        "https://crm.lakesidepharmacy.example.com/hooks/call-started": {"timeout": True}
    }


def test_enter_uses_the_configured_resolver_and_the_save_holds_its_answer(tmp_path: Path) -> None:
    crm = "https://crm.lakesidepharmacy.example.com/hooks/call-started"
    canned = CannedResolver({crm: Canned(xml="<Response/>")})
    s = session(CALLBACK, http=lambda: nullcontext(canned), http_label="the test's answers")
    assert s.start().lines[-1].text.endswith("; Enter: the test's answers")
    reply = s.execute("")
    http = [ln.event for ln in reply.lines if ln.event and ln.event.kind == "http"]
    assert http[0].data["status"] == 200
    s.execute("")  # the Gather: no --digits, so Enter only says what to type
    assert s.prompt == "L18 keys> "
    s.execute("1234567#")
    reply = s.execute("")  # the lookup URL has no configured answer: refused
    http = [ln.event for ln in reply.lines if ln.event and ln.event.kind == "http"]
    assert "connection refused" in http[0].data["error"]
    data = replays(s, tmp_path)
    assert data["http"] == {crm: {"xml": "<Response/>"}}  # refused URLs are left out


def test_enter_takes_the_configured_keys_and_dial_outcomes() -> None:
    caller = CallerScript((Press("1"),), {"+15035550141": DialOutcome("busy")})
    s = session(MENU, caller=caller)
    reply = s.start()
    assert reply.lines[-1].text.endswith("Enter: press 1")
    s.execute("")
    assert s.prompt == "L10 dial> "
    assert s.execute("where").lines  # still fine to look around
    reply = s.execute("")
    failed = [ln.event for ln in reply.lines if ln.event and ln.event.kind == "dial.failed"]
    assert failed and failed[0].data["outcome"] == "busy"
    assert s.ended and s.machine.result is not None and s.machine.result.result == "hangup"


def test_ctrl_c_during_a_run_leaves_the_session_where_it_was() -> None:
    class Interrupting:
        def resolve(self, request: HttpRequest) -> HttpAnswer:
            raise KeyboardInterrupt

    def opener() -> AbstractContextManager[Resolver]:
        return nullcontext(Interrupting())

    s = session(CALLBACK, http=opener)
    s.start()
    events, prompt = list(s.machine.events), s.prompt
    with pytest.raises(KeyboardInterrupt):
        s.execute("")
    assert list(s.machine.events) == events and s.prompt == prompt and s.log == []
    s.execute("fail")
    assert s.prompt == "L18 keys> "


def test_a_crashing_backend_fails_the_request_not_the_session() -> None:
    class Crashing:
        def resolve(self, request: HttpRequest) -> HttpAnswer:
            raise RuntimeError("boom")

    s = session(CALLBACK, http=lambda: nullcontext(Crashing()))
    s.start()
    reply = s.execute("")
    http = [ln.event for ln in reply.lines if ln.event and ln.event.kind == "http"]
    assert http[0].data["error"] == "RuntimeError: boom"


# ---- breakpoints, step, continue ---------------------------------------------------------------


def test_breakpoint_on_a_line_without_a_command_says_so_and_names_the_nearest() -> None:
    s = session(MENU)
    s.start()
    (message,) = errors(s.execute("break 8"))
    assert message.startswith("line 8 has no command to stop at (<DTMF> is not a command)")
    assert "L7 Say" in message and "L9 Say" in message
    (message,) = errors(s.execute("break 3"))
    assert "'<!-- Bluewater Property Management" in message
    assert errors(s.execute("break 91")) == ["main-menu.xml has 90 lines; there is no line 91"]
    assert errors(s.execute("break x")) == ["break LINE takes a line number, not 'x'"]
    assert errors(s.execute("break")) == ["break LINE: which line of main-menu.xml?"]
    assert s.breakpoints == set()


def test_breakpoint_stops_before_its_command_then_where_and_vars() -> None:
    s = session(MENU)
    s.start()
    assert texts(s.execute("b 20")) == "breakpoint at L20 Gather residents"
    assert "already" in texts(s.execute("break 20"))
    reply = s.execute("2")
    assert reply.lines[-1].text == "stopped before L20 Gather residents (breakpoint)"
    assert s.prompt == "L20 debug> "
    where = s.execute("where 1")
    assert [ln.style for ln in where.lines] == ["info", "source", "current", "source"]
    assert where.lines[0].text == "main-menu.xml:20: Gather residents: stopped before this command"
    assert where.lines[2].text.startswith("->*  20        <Gather")
    variables = texts(s.execute("vars"))
    assert "time        00:12.480 (virtual)" in variables
    assert "from=+12125550100" in variables and "state=NY (from +12125550100)" in variables
    assert "recordings  none" in variables and "(of L20 Gather residents)" in variables
    reply = s.execute("continue")
    assert s.prompt == "L20 keys> " and "attempt 1 of 2" in reply.lines[-1].text


def test_keys_while_stopped_before_a_command_are_refused() -> None:
    s = session(MENU)
    s.start()
    s.execute("break 20")
    s.execute("2")
    assert errors(s.execute("1")) == [
        "the call is not waiting for keys: it is stopped before L20 Gather residents; "
        "type continue or step"
    ]
    assert errors(s.execute("frobnicate")) == [
        "unknown command 'frobnicate' (help lists the commands)"
    ]


def test_step_runs_one_command_at_a_time_and_keeps_stepping_after_an_answer() -> None:
    s = session(MENU)
    s.start()
    s.execute("break 20")
    s.execute("2")
    stops = []
    for _ in range(2):
        reply = s.execute("step")
        stops.append(reply.lines[-1].text)
    assert stops[0] == 'stopped before L21 Say "For maintenance, press 1. For rent payme..." (step)'
    assert stops[1].startswith("L20 Gather residents attempt 1 of 2 waits for keys")
    reply = s.execute("1")
    assert reply.lines[-1].text == "stopped before L24 Gather maintenance (step)"
    reply = s.execute("c")
    assert s.prompt == "L24 keys> "


def test_step_and_continue_at_a_wait_say_what_happens_after_the_answer() -> None:
    s = session(MENU)
    s.start()
    (hint,) = s.execute("step").lines
    assert hint.style == "hint" and hint.text.endswith("it stops before the next command")
    assert s.execute("2").lines[-1].text == "stopped before L20 Gather residents (step)"
    s.execute("continue")
    assert s.prompt == "L20 keys> "
    (hint,) = s.execute("continue").lines
    assert hint.text.endswith("after your answer it runs to the next breakpoint or wait")
    s.execute("1")
    assert s.prompt == "L24 keys> "


def test_delete_and_breaks() -> None:
    s = session(MENU)
    s.start()
    assert texts(s.execute("breaks")) == "no breakpoints (break LINE sets one)"
    s.execute("break 20")
    s.execute("break 88")
    assert texts(s.execute("breaks")).splitlines() == [
        "breakpoint at L20 Gather residents",
        'breakpoint at L88 Say "Thank you for calling Bluewater. Goodbye..."',
    ]
    assert errors(s.execute("delete 21")) == [
        "there is no breakpoint at line 21 (breaks lists them)"
    ]
    assert texts(s.execute("d 20")) == "deleted the breakpoint at line 20"
    s.execute("2")
    assert s.prompt == "L20 keys> "  # no longer stops before the Gather
    assert texts(s.execute("delete")) == "deleted 1 breakpoint(s)"
    assert s.breakpoints == set()


def test_commands_after_the_end_say_the_call_is_over() -> None:
    s = session(MENU)
    s.start()
    s.execute("0")
    reply = s.execute("")  # answer at the front desk Dial, then the flow ends
    assert s.ended and reply.lines[-2].text.startswith("result: hangup after")
    for command in ("step", "continue", "hangup", "silence"):
        assert errors(s.execute(command)), command
    assert "the call ended here" in texts(s.execute("where"))


# ---- hang-ups, Ctrl-D, quit, help --------------------------------------------------------------


def test_hangup_at_a_wait_is_the_callers_answer(tmp_path: Path) -> None:
    s = session(MENU)
    s.start()
    reply = s.execute("hangup")
    assert reply.lines[-2].text == "result: caller-hangup after 00:12.480"
    data = replays(s, tmp_path)
    assert data["caller"] == ["hangup"]
    assert data["expect"][-1] == {"ends": "caller-hangup"}  # type: ignore[index]


def test_hangup_while_stopped_hangs_up_a_millisecond_later_as_the_scenario_will(
    tmp_path: Path,
) -> None:
    s = session(MENU)
    s.start()
    s.execute("break 20")
    s.execute("2")
    shown = list(s.machine.events)
    reply = s.execute("hangup")
    assert list(s.machine.events[: len(shown)]) == shown  # what was shown stays
    hangup = [ln.event for ln in reply.lines if ln.event and ln.event.kind == "hangup"]
    assert hangup[0].t == 12481 and hangup[0].data == {"by": "caller"}
    data = replays(s, tmp_path)
    assert data["caller"] == [{"press": "2"}, {"hangup": {"at": 12481}}]


def test_eof_hangs_up_then_leaves() -> None:
    s = session(MENU)
    s.start()
    first = s.eof()
    assert not first.quit and s.ended
    assert s.eof().quit


def test_quit_and_help() -> None:
    s = session(MENU)
    s.start()
    shown = texts(s.execute("help"))
    for command in COMMANDS:
        assert command in shown
    assert "now: L6 Gather top-menu attempt 1 of 3" in shown
    assert s.execute("quit").quit and s.execute("q").quit


# ---- restart and save ----------------------------------------------------------------------------


def test_restart_resets_the_call_and_keeps_the_breakpoints() -> None:
    caller = CallerScript((Press("2"),))
    s = session(MENU, caller=caller)
    first = s.start()
    s.execute("break 20")
    s.execute("")  # Enter: press 2 (the configured keys)
    s.execute("step")
    assert s.stepping and s.log and s.machine.now > 0
    reply = s.execute("restart")
    assert reply.lines[0].text == "a new call; breakpoints kept: 20"
    assert reply.lines[1:] == first.lines[1:]  # the same start, shown again from the top
    assert s.log == [] and not s.stepping and s.hung_up_at is None
    assert s.breakpoints == {20}
    assert reply.lines[-1].text.endswith("Enter: press 2")  # the configured keys start over
    s.execute("")
    assert s.prompt == "L20 debug> "


def test_save_before_any_input(tmp_path: Path) -> None:
    s = session(MENU)
    s.start()
    data = replays(s, tmp_path)
    assert "caller" not in data and "dial" not in data
    assert data["expect"] == [
        {"say": "Thank you for calling Bluewater Property Management."},
        {"say": "For leasing and available homes, press 1. If you are a current resident, "
                "press 2. For accounting, press 3. To reach the front desk, press 0."},
    ]  # fmt: skip
    assert (tmp_path / str(data["flow"])).resolve() == MENU
    assert data["call"] == {
        "from": "+12125550100", "to": "+18005550199", "direction": "inbound",
        "at": "2026-01-05T10:00:00+00:00", "tz": "UTC",
    }  # fmt: skip


def test_save_a_whole_call_and_callflow_test_passes_it(tmp_path: Path) -> None:
    s = session(MENU)
    s.start()
    for answer in ("2", "1", "1", "busy, no-answer"):
        s.execute(answer)
    assert s.ended
    data = replays(s, tmp_path, "emergency.yaml")
    assert data["caller"] == [{"press": "2"}, {"press": "1"}, {"press": "1"}]
    assert data["dial"] == {"sip:oncall@pbx.bluewater.example.com": "busy",
                            "+15035550199": "no-answer"}  # fmt: skip
    assert data["expect"][-2:] == [  # type: ignore[index]
        {"say": "We could not reach the technician. If you smell gas, leave the building and "
                "call 9 1 1."},
        {"ends": "hangup"},
    ]  # fmt: skip
    result = CliRunner().invoke(cli, ["test", str(tmp_path / "emergency.yaml")])
    assert result.exit_code == 0, result.output
    assert "1 passed, 0 failed" in result.output


def test_save_refuses_a_destination_answered_two_ways(tmp_path: Path) -> None:
    path = written(tmp_path, """<Response>
  <Dial timeout="5000"><To>+15035550100</To><Error><Say>Busy.</Say></Error></Dial>
  <Dial timeout="5000"><To>+15035550100</To></Dial>
</Response>
""")  # fmt: skip
    s = session(path)
    s.start()
    s.execute("busy")
    s.execute("answer")
    assert s.ended
    (message,) = errors(s.execute(f"save {tmp_path / 'x.yaml'}"))
    assert message == ("+15035550100 was dialled with another outcome at line 3; a scenario "
                       "gives one per destination")  # fmt: skip
    assert not (tmp_path / "x.yaml").exists()


def test_save_needs_a_file_and_reports_an_unwritable_one(tmp_path: Path) -> None:
    s = session(MENU)
    s.start()
    assert errors(s.execute("save")) == [
        "save FILE: where to write the scenario (e.g. save menu.yaml)"
    ]
    assert "is a directory" in errors(s.execute(f"save {tmp_path}"))[0]
    assert "cannot write" in errors(s.execute(f"save {tmp_path / 'no' / 'such' / 'x.yaml'}"))[0]


def test_a_say_that_looks_like_a_regex_is_saved_so_it_still_matches(tmp_path: Path) -> None:
    path = written(tmp_path, "<Response>\n  <Say>/press 1/</Say>\n  <Hangup/>\n</Response>\n")
    s = session(path)
    s.start()
    data = replays(s, tmp_path)
    assert data["expect"] == [{"say": "//press\\ 1//"}, {"ends": "hangup"}]


def test_an_empty_flow_ends_at_once_and_where_says_nothing_ran(tmp_path: Path) -> None:
    s = session(written(tmp_path, "<Response/>\n"))
    reply = s.start()
    assert s.ended and reply.lines[-2].text == "result: hangup after 00:00.000"
    assert texts(s.execute("where")) == "no command has run yet"
    assert errors(s.execute("break 1")) == [
        "line 1 has no command to stop at (it holds '<Response/>'); the flow has no command"
    ]


def test_vars_shows_the_meta_values_of_the_command(tmp_path: Path) -> None:
    s = session(CALLBACK, context=CallContext(state="MN"))
    s.start()
    shown = texts(s.execute("vars"))
    assert "meta        line='refills' (of L7 Curl crm-call-started)" in shown
    assert "state=MN county=-" in shown


# ---- the property: a session is the scripted call of its answers ----------------------------


KEYS = ("1", "2", "3", "0", "9", "12#", "silence")
DIALS = ("answer", "busy", "no-answer", "answer 1000 2000", "fail", "busy, answer")


@settings(max_examples=40)
@given(data=st.data())
def test_a_session_is_the_scripted_call_of_its_answers(data: st.DataObject) -> None:
    """Whatever is answered, the session's transcript is the scripted call of its answers, and
    the saved scenario passes."""
    s = session(MENU)
    s.start()
    actions: list[Press | Silence | HangUp] = []
    dial: dict[str, DialOutcome] = {}
    for _ in range(data.draw(st.integers(0, 6), label="answers")):
        if s.ended:
            break
        pending = s.machine.pending
        if isinstance(pending, DialPoint):
            targets = pending.targets
            answer = data.draw(st.sampled_from(DIALS if len(targets) > 1 else DIALS[:-1]))
            reply = s.execute(answer)
            outcomes = [dial_outcome(":".join(p.split())) for p in answer.split(",")]
            dial.update(zip(targets, outcomes * (len(targets) // len(outcomes)), strict=True))
        else:
            answer = data.draw(st.sampled_from(KEYS))
            reply = s.execute(answer)
            actions.append(Silence() if answer == "silence" else Press(answer))
        assert not errors(reply), texts(reply)
    scripted = simulate(s.setup.flow, caller=CallerScript(tuple(actions), dial), file=str(MENU))
    shown = tuple(s.machine.events)
    assert shown == (scripted.events if s.ended else scripted.events[: len(shown)])
    with tempfile.TemporaryDirectory() as folder:
        replays(s, Path(folder))


def test_where_numbers_lines_as_the_parser_does(tmp_path: Path) -> None:
    """A Say holding U+2028 (a line break to ``str.splitlines``, a character to XML): the
    lines ``where`` shows are the lines the positions name."""
    path = written(tmp_path, (
        "<Response>\n  <Say>one\u2028two</Say>\n  <Pause length=\"500\"/>\n  <Hangup/>\n"
        "</Response>\n"
    ))  # fmt: skip
    s = session(path)
    s.start()
    shown = [line.text for line in s.execute("where").lines]
    assert shown[0].endswith(":4: Hangup: the call ended here")
    assert "->    4    <Hangup/>" in shown and '      3    <Pause length="500"/>' in shown
    assert s.execute("break 3").lines[0].text == "breakpoint at L3 Pause"
