"""The resumable machine: stopping, resuming and forking anywhere change nothing about a call.

The explorer relies on this: it stops the machine at every choice point, forks it once per
option and resumes each fork. Here every choice is answered by the scripted provider after a
stop, while a fork taken at the same point goes another way; the call must come out exactly as
``simulate`` makes it. The debugger of issue 8 relies on ``pause`` the same way.
"""

from __future__ import annotations

from typing import Any

from hypothesis import given
from strategies import valid_models
from test_engine_properties import LIMITS, contexts, resolvers, scripts

from callflow import model as m
from callflow import parse
from simulator import CallContext, CallerScript, CannedResolver, Press, Resolver, simulate
from simulator.caller import DialOutcome
from simulator.choices import (
    SUSPEND,
    ConditionPoint,
    DialPoint,
    HttpPoint,
    Point,
    ScriptedProvider,
    Suspend,
    Wait,
    hangup_time,
)
from simulator.explore import FAILED
from simulator.machine import Before, Machine


class Stopping:
    """Suspends at every choice point."""

    def keys(self, point: Wait) -> Suspend:
        return SUSPEND

    def dial(self, point: DialPoint) -> Suspend:
        return SUSPEND

    def http(self, point: HttpPoint) -> Suspend:
        return SUSPEND

    def condition(self, point: ConditionPoint) -> Suspend:
        return SUSPEND


def scripted_answer(provider: ScriptedProvider, point: Point) -> Any:
    if isinstance(point, Wait):
        return provider.keys(point)
    if isinstance(point, DialPoint):
        return provider.dial(point)
    if isinstance(point, HttpPoint):
        return provider.http(point)
    return provider.condition(point)


def another_answer(point: Point) -> Any:
    """Something else the world could have done at ``point``."""
    if isinstance(point, Wait):
        return Press("1")
    if isinstance(point, DialPoint):
        return tuple(DialOutcome("busy") for _ in point.targets)
    if isinstance(point, HttpPoint):
        return FAILED
    return True


def run_to_end(machine: Machine) -> None:
    done = machine.run()
    while not done:
        assert machine.pending is not None and not isinstance(machine.pending, Before)
        done = machine.resume(another_answer(machine.pending))


def stopping_run(flow: m.Response, script: CallerScript, context: CallContext,
                 http: Resolver | None) -> tuple[Machine, int]:  # fmt: skip
    """The call with a stop at every choice point and a fork going elsewhere at each."""
    provider = ScriptedProvider(script, http if http is not None else CannedResolver())
    machine = Machine(flow, Stopping(), context, LIMITS, hangup_at=hangup_time(script))
    stops = 0
    done = machine.run()
    while not done:
        point = machine.pending
        assert point is not None and not isinstance(point, Before)
        stops += 1
        decoy = machine.fork()
        decoy.resume(another_answer(point))
        run_to_end(decoy)
        done = machine.resume(scripted_answer(provider, point))
    return machine, stops


@given(valid_models(), scripts, contexts, resolvers)
def test_stopping_and_forking_at_every_choice_point_changes_nothing(
    flow: m.Response, script: CallerScript, context: CallContext, http: Resolver | None
) -> None:
    expected = simulate(flow, caller=script, context=context, http=http, limits=LIMITS)
    machine, _ = stopping_run(flow, script, context, http)
    assert machine.result == expected


@given(valid_models(), scripts)
def test_pausing_before_every_command_changes_nothing(
    flow: m.Response, script: CallerScript
) -> None:
    expected = simulate(flow, caller=script, limits=LIMITS)
    provider = ScriptedProvider(script, CannedResolver())
    machine = Machine(flow, provider, CallContext(), LIMITS, hangup_at=hangup_time(script),
                      trace=True)  # fmt: skip
    machine.pause = lambda node: True
    paused: list[m.Node] = []
    done = machine.run()
    while not done:
        assert isinstance(machine.pending, Before)
        paused.append(machine.pending.node)
        done = machine.resume()
    assert machine.result == expected
    ran = []  # every command the machine ran, oldest first
    trail = machine.trail
    while trail:
        item, trail = trail
        if isinstance(item, int):
            ran.append(item)
    assert [id(node) for node in paused] == ran[::-1]


MENU = """<Response>
  <Say>Hello.</Say>
  <Gather attempts="2"><Say>Press 1 or 2.</Say>
    <DTMF value="1"><Dial><To>+15550001</To><Error><Say>Busy.</Say></Error></Dial></DTMF>
    <DTMF value="2"><Schedule dow="mon"><Say>Monday.</Say></Schedule></DTMF>
  </Gather>
  <Say>Bye.</Say>
</Response>"""


def test_a_stop_names_the_choice_point_and_the_time() -> None:
    machine = Machine(parse(MENU), Stopping(), CallContext(), LIMITS)
    assert machine.run() is False
    wait = machine.pending
    assert isinstance(wait, Wait) and isinstance(wait.node, m.Gather) and wait.attempt == 1
    assert wait.now == machine.now > 0  # after "Hello." and the prompt
    assert [e.kind for e in machine.events] == ["say", "gather", "say"]
    assert machine.resume(None) is False  # silence: the second attempt
    second = machine.pending
    assert isinstance(second, Wait) and second.attempt == 2 and second.node is wait.node
    assert machine.resume(Press("1")) is False
    assert isinstance(machine.pending, DialPoint) and machine.pending.targets == ("+15550001",)


def test_forks_are_independent_and_share_the_past() -> None:
    machine = Machine(parse(MENU), Stopping(), CallContext(), LIMITS, trace=True)
    machine.run()
    before = list(machine.events)
    one, two = machine.fork(), machine.fork()
    one.resume(Press("1"))
    one.resume((DialOutcome("busy"),))
    two.resume(Press("2"))
    assert isinstance(two.pending, ConditionPoint)
    two.resume(False)
    assert one.result is not None and two.result is not None
    assert one.result.said("Busy.") and not one.result.said("Monday.")
    assert not two.result.said("Busy.") and not two.result.said("Monday.")
    assert machine.events == before and machine.result is None  # the original did not move
    assert machine.resume(None) is False  # and still goes on from where it stopped
    assert isinstance(machine.pending, Wait) and machine.pending.attempt == 2


def test_place_ignores_the_clock_but_not_the_position() -> None:
    machine = Machine(parse(MENU), Stopping(), CallContext(), LIMITS)
    machine.run()
    first = machine.place()
    later = machine.fork()
    later.now += 5000
    assert later.place() == first
    later.resume(None)
    assert later.place() != first  # the second attempt is another place


def test_a_forked_scripted_call_goes_on_from_the_same_place_in_the_script() -> None:
    flow = parse(MENU)
    script = CallerScript((Press("1"),), dial_default=DialOutcome("busy"))
    expected = simulate(flow, caller=script, limits=LIMITS)
    provider = ScriptedProvider(script, CannedResolver())
    machine = Machine(flow, provider, CallContext(), LIMITS)
    machine.pause = lambda node: isinstance(node, m.Say) and node.spoken == "Hello."
    assert machine.run() is False and isinstance(machine.pending, Before)
    copy = machine.fork()
    assert machine.resume()  # the original takes "1" from the script first
    assert copy.resume()  # the copy still has its own "1" to take
    assert copy.result == machine.result == expected
