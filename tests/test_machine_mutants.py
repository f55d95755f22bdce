"""Behaviour of the call machine that a mutation run showed no test stated (#24).

Each test names the change it catches: the mutant of ``simulator/machine.py`` that survived
the suite before it was written.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from callflow import model as m
from callflow import parse
from simulator import CallerScript, DialOutcome, Limits, Press, simulate
from simulator.caller import DialKind
from simulator.choices import ScriptedProvider
from simulator.context import CallContext
from simulator.coverage import trail_items
from simulator.http import Canned, CannedResolver
from simulator.machine import RUNS, Machine, Trail


@contextmanager
def trails() -> Iterator[list[Trail | None]]:
    """The trail of every scripted call made inside the block."""
    seen: list[Trail | None] = []
    token = RUNS.set(lambda doc, file, trail: seen.append(trail))
    try:
        yield seen
    finally:
        RUNS.reset(token)


def _nodes(doc: m.Node, kind: type[m.Node]) -> list[m.Node]:
    found = [doc] if isinstance(doc, kind) else []
    for child in getattr(doc, "children", ()):
        found += _nodes(child, kind)
    return found


def test_after_a_failing_prompts_error_handler_the_remaining_prompts_still_play() -> None:
    # Caught: dropping the frame that resumes a Gather's prompts after a handler ran.
    doc = parse(
        "<Response><Gather><Say>One.</Say><Play record='never-made'/><Say>Two.</Say>"
        "<DTMF value='1'><Say>Chose one.</Say></DTMF></Gather>"
        "<Error><Say>Handled.</Say></Error></Response>"
    )
    result = simulate(doc, caller=CallerScript(actions=(Press("1"),)))
    said = [e.data["text"] for e in result.of_kind("say")]
    assert said[:3] == ["One.", "Handled.", "Two."]
    assert "Chose one." in said


def test_a_command_may_start_at_exactly_max_time_ms() -> None:
    # Caught: the stop at ``max_time_ms + 1`` moved to ``- 1`` (or ``max_time_ms``): the limit is
    # reached when the clock passes it, so the Say at exactly 5000 ms is heard.
    doc = parse("<Response><Pause length='5000'/><Say>At the limit.</Say></Response>")
    at_limit = simulate(doc, limits=Limits(max_time_ms=5000))
    assert [(e.kind, e.t) for e in at_limit.events] == [("pause", 0), ("say", 5000)]
    assert at_limit.result == "limit"
    assert at_limit.reason is not None and "max_time_ms=5000" in at_limit.reason
    under = simulate(doc, limits=Limits(max_time_ms=4999))
    assert [(e.kind, e.t) for e in under.events] == [("pause", 0)]
    assert under.duration_ms == 4999


def test_a_caller_hanging_up_at_exactly_max_time_ms_is_a_hang_up_not_the_limit() -> None:
    # Caught: ``max_time_ms + 1`` -> ``- 1`` where the first of hang-up and limit is chosen.
    doc = parse("<Response><Pause length='9000'/></Response>")
    result = simulate(doc, caller=CallerScript(hangup_at_ms=5000), limits=Limits(max_time_ms=5000))
    assert result.result == "caller-hangup"
    assert [(e.kind, e.t, e.data) for e in result.events][-1] == ("hangup", 5000, {"by": "caller"})


def test_say_events_carry_loop_only_when_it_repeats() -> None:
    # Caught: ``loop > 1`` -> ``loop > 0`` (every Say event would carry loop=1).
    doc = parse("<Response><Say>Once.</Say><Say loop='2'>Twice.</Say></Response>")
    say = simulate(doc).of_kind("say")
    assert [e.data for e in say] == [
        {"text": "Once.", "lang": say[0].data["lang"]},
        {"text": "Twice.", "lang": say[1].data["lang"], "loop": 2},
    ]


def _taken(flow: str, context: CallContext | None = None, **kwargs: object) -> set[tuple[str, str]]:
    doc = parse(flow)
    with trails() as seen:
        if context is None:
            simulate(doc, **kwargs)  # type: ignore[arg-type]
        else:
            simulate(doc, context=context, **kwargs)  # type: ignore[arg-type]
    (trail,) = seen
    _, took = trail_items(trail)
    names = {id(node): type(node).__name__ for node in _nodes(doc, m.Node)}
    return {(names[i], label) for i, label in took if i in names}


def test_condition_blocks_mark_the_branch_they_took_true_and_false() -> None:
    # Caught: dropping the coverage mark of a Call/Geo/Schedule branch.
    ctx = CallContext(from_="+12125550100", state="NY")
    flow = (
        "<Response><Call field='from' value='+12125550100'><Say>a</Say></Call>"
        "<Call field='from' value='+19995550000'><Say>b</Say></Call>"
        "<Geo states='NY'><Say>c</Say></Geo><Geo states='CA'><Say>d</Say></Geo>"
        "<Schedule dow='mon'><Say>e</Say></Schedule><Schedule dow='sun'><Say>f</Say></Schedule>"
        "</Response>"
    )
    taken = _taken(flow, ctx)
    for kind in ("Call", "Geo", "Schedule"):
        assert (kind, "true") in taken, kind
        assert (kind, "false") in taken, kind


def test_a_pause_with_a_stop_key_marks_no_key_and_stop_key() -> None:
    # Caught: dropping the "no key" mark of a Pause that listens for a stop key.
    flow = "<Response><Pause length='3000' dtmf_stop='#'/><Say>x</Say></Response>"
    assert ("Pause", "no key") in _taken(flow)
    pressed = _taken(flow, caller=CallerScript(actions=(Press("#", delay_ms=500),)))
    assert ("Pause", "stop key") in pressed and ("Pause", "no key") not in pressed


def test_a_gathers_prompts_are_in_the_trail() -> None:
    # Caught: prompts missing from the trail when tracing (coverage, explore, debugger).
    doc = parse(
        "<Response><Gather><Say>Prompt.</Say><DTMF value='1'><Say>One.</Say></DTMF>"
        "</Gather></Response>"
    )
    with trails() as seen:
        simulate(doc, caller=CallerScript(actions=(Press("1"),)))
    ran, _ = trail_items(seen[0])
    (prompt,) = [n for n in _nodes(doc, m.Say) if getattr(n, "spoken", "") == "Prompt."]
    assert id(prompt) in ran


FAILING_PROMPT = (
    "<Response><Gather><Say>One.</Say><Play record='never-made'/><Say>Two.</Say>"
    "<DTMF value='1'><Say>Chose one.</Say></DTMF></Gather>"
    "<Error><Say>Handled.</Say></Error></Response>"
)


def _stepping(doc: m.Response, stop: bool) -> tuple[list[tuple[str, int]], Trail]:
    """Run ``doc`` as the debugger does (a pause predicate, so the prompts keep a frame of
    their own), stopping before every command when ``stop``: the events and the trail."""
    caller = CallerScript(actions=(Press("1"),))
    machine = Machine(
        doc, ScriptedProvider(caller, CannedResolver()), CallContext(), Limits(), trace=True
    )
    machine.pause = lambda node: stop
    done = machine.run()
    while not done:
        done = machine.resume()
    assert machine.result is not None and machine.trail is not None
    return [(e.kind, e.t) for e in machine.result.events], machine.trail


def test_stepping_through_a_failing_prompt_hears_what_the_call_hears() -> None:
    # Caught (debugger/explore path): a prompts frame that forgets its place, or goes on past
    # a failed prompt before its handler ran: handler first, then the remaining prompts, once.
    doc = parse(FAILING_PROMPT)
    plain = simulate(doc, caller=CallerScript(actions=(Press("1"),)))
    expected = [(e.kind, e.t) for e in plain.events]
    assert [e.data.get("text") for e in plain.of_kind("say")][:3] == ["One.", "Handled.", "Two."]
    for stop in (False, True):
        events, _ = _stepping(doc, stop)
        assert events == expected, f"stopping before every command: {stop}"


def test_stepping_keeps_the_prompts_in_the_trail() -> None:
    # Caught: prompts missing from the trail in explore/debugger mode.
    doc = parse(FAILING_PROMPT)
    (gather,) = _nodes(doc, m.Gather)
    prompts = [c for c in gather.children if type(c) in (m.Say, m.Play)]
    assert len(prompts) == 3
    for stop in (False, True):
        ran, _ = trail_items(_stepping(doc, stop)[1])
        assert {id(p) for p in prompts} <= ran, f"stopping before every command: {stop}"


@pytest.mark.parametrize(
    ("kind", "reason"),
    [
        ("busy", "every destination was busy"),
        ("fail", "every destination failed"),
        ("no-answer", "nobody answered within 5000 ms"),
    ],
)
def test_a_failed_dial_says_why_in_its_error(kind: DialKind, reason: str) -> None:
    # Caught: the reason of a Dial whose every destination failed replaced by any text.
    doc = parse(
        "<Response><Dial timeout='5000'><To>+15035550141</To><To>+15035550142</To>"
        "<Error><Say>Sorry.</Say></Error></Dial></Response>"
    )
    result = simulate(doc, caller=CallerScript(dial_default=DialOutcome(kind)))
    (failed,) = result.of_kind("dial.failed")
    assert failed.data == {"outcome": kind}
    (error,) = result.of_kind("error")
    assert error.data == {"reason": f"Dial: {reason}", "handled": True}


def test_a_curl_answered_with_an_error_status_fails_naming_the_status() -> None:
    # Caught: the reason of a Curl refused by its server replaced by any text.
    url = "https://ivr.example.com/notify"
    doc = parse(f"<Response><Curl url='{url}'><Error><Say>No.</Say></Error></Curl></Response>")
    result = simulate(doc, http=CannedResolver({url: Canned(status=503)}))
    (error,) = result.of_kind("error")
    assert error.data == {"reason": "HTTP status 503", "handled": True}
    assert [e.data["text"] for e in result.of_kind("say")] == ["No."]
