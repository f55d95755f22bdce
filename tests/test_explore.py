"""The explorer: exact path counts on hand-counted menus, problems found with a reproducing
script, a consistent outside world, shared prefixes, bounds, and every path replaying exactly.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from hypothesis import example, given, settings
from strategies import valid_models

from callflow import builder as cb
from callflow import graph, parse
from callflow import model as m
from simulator import Canned, CannedResolver, Limits, simulate
from simulator.emit import replay
from simulator.explore import Exploration, explore
from simulator.explore import Path as ExploredPath
from simulator.machine import Machine
from simulator.transcript import CallResult, Event

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data" / "explore"
MAIN_MENU = ROOT / "examples" / "main-menu.xml"
BROKEN = DATA / "broken-menu.xml"
MENU_URL = "http://ivr.example.com/menu.xml"


def explored(path: Path, **options: object) -> Exploration:
    return explore(parse(path), file=str(path), keep=True, **options)  # type: ignore[arg-type]


def replayed(path: ExploredPath, out: Exploration) -> CallResult:
    """The scripted call a path stands for (what its scenario file does)."""
    call = replay(path, out)
    return simulate(out.flow, caller=call.caller, context=call.context,
                    http=CannedResolver(call.http), limits=call.limits, file=out.file)  # fmt: skip


def as_seen_at_cut(replayed: tuple[Event, ...], explored: tuple[Event, ...]) -> list[Event]:
    """The replayed events a cut path also has, as the path saw them: a recording still running
    where the path stops has no length yet (None), whatever length the replay gives it later."""
    seen = list(replayed[: len(explored)])
    for i, (got, cut) in enumerate(zip(seen, explored, strict=False)):
        if cut.kind == got.kind == "record" and "length" in cut.data and cut.data["length"] is None:
            assert isinstance(got.data["length"], int)  # the replay ends every recording
            seen[i] = Event(got.kind, got.t, got.line, {**got.data, "length": None}, got.file)
    return seen


def assert_replays(out: Exploration) -> None:
    """Every path happens exactly as explored when its script is played as a scenario."""
    assert out.every is not None
    for path in out.every:
        result = replayed(path, out)
        if path.ending in ("hangup", "end-of-document", "caller-hangup", "limit", "error"):
            assert result.events == path.events, path.script()
        elif path.ending == "unknown-document":  # a placeholder answers; the rest is its own
            assert result.events[: len(path.events)] == path.events, path.script()
        else:  # loop (the scenario goes round until the hop bound), depth, infeasible
            assert as_seen_at_cut(result.events, path.events) == list(path.events), path.script()
        if path.ending == "loop":
            assert result.result == "limit" and "max_http_hops" in (result.reason or "")


# ---- exact counts ----------------------------------------------------------------------------


def test_main_menu_has_exactly_the_hand_counted_139_paths() -> None:
    """examples/main-menu.xml, counted branch by branch.

    Every attempt of a Gather offers: each DTMF value, one unmatched key ("other"), silence and
    a hang-up. Silence before the last attempt tries again; at the last it is "no input".
    Each Dial is answer, busy or no answer.

    maintenance (2 attempts; 1, 2, other, hang-up; no input -> Error, flow goes on):
        1 -> Dial: 3 paths; 2, other, hang-up: 1 each   => 6 per attempt
        2 attempts * 6 + 1 (no input)                   = 13
    residents (2 attempts; 1, 2, 3, other, hang-up):
        1 -> maintenance: 13; 2, 3, other, hang-up: 1   => 17 per attempt
        2 * 17 + 1 (no input)                           = 35
    top menu (3 attempts; 1, 2, 3, 0, other, hang-up):
        1, 3, 0 -> Dial: 3 each; 2 -> residents: 35; other, hang-up: 1 each => 46
        3 * 46 + 1 (no input -> Error hangs up)          = 139
    Hang-ups: 3 at the top, 3 * 2 in residents, 3 * 2 * 2 in maintenance = 21.
    """
    out = explored(MAIN_MENU)
    assert out.paths == 139 and out.complete and not out.bounded()
    assert out.endings == Counter({"hangup": 118, "caller-hangup": 21})
    assert out.every is not None
    scripts = [p.script() for p in out.every]
    assert len(set(scripts)) == 139  # the paths are distinct
    assert out.tally is not None
    assert out.tally.percent("commands") == 100.0 and out.tally.percent("branches") == 100.0
    assert not out.problems


def test_nested_menu_has_exactly_the_hand_counted_17_paths() -> None:
    """tests/data/explore/nested.xml.

    sales (2 attempts; 1, 2, other, hang-up; other and no input go to its Error, which hangs up):
        1 -> Dial answer / busy / no answer: 3; 2, other, hang-up: 1 each => 6 per attempt
        2 * 6 + 1 (no input)                                          = 13
    top (1 attempt; 1, 2, other, silence, hang-up): 13 + 1 + 1 + 1 + 1  = 17
    Every path ends in a Hangup except the 3 where the caller hangs up.
    """
    out = explored(DATA / "nested.xml")
    assert out.paths == 17
    assert out.endings == Counter({"hangup": 14, "caller-hangup": 3})
    assert out.every is not None
    assert sorted(p.script() for p in out.every if p.ending == "caller-hangup") == [
        "hang up", "press 1, hang up", "press 1, silence, hang up"]  # fmt: skip


def tree(keys: str, levels: int) -> m.Response:
    """A menu tree: every Gather offers ``keys``; the leaves say something and hang up."""

    def level(parent: cb.Element[Any], depth: int) -> None:
        with parent.gather(timeout=3000) as g:
            g.say("Choose.")
            for key in keys:
                with g.dtmf(key) as branch:
                    if depth == 1:
                        branch.say(f"Leaf {key}.")
                        branch.hangup()
                    else:
                        level(branch, depth - 1)

    root = cb.Response()
    level(root, levels)
    return parse(root.to_xml())


def test_a_generated_tree_with_1000_leaves_is_explored_completely() -> None:
    """10 keys, 3 levels. A Gather whose keys lead to leaves has 10 + 3 paths (other, silence
    and hang-up end the call: no Default, no Error, nothing after it); one level up 10 * 13 + 3,
    and at the top 10 * 133 + 3 = 1,333 paths, 1,000 of them through a leaf."""
    out = explore(tree("0123456789", 3))
    assert out.paths == 1333 and out.complete
    assert out.endings["hangup"] == 1000
    assert out.endings["end-of-document"] == 222  # other and silence at 111 Gathers
    assert out.endings["caller-hangup"] == 111


# ---- sharing the prefix ------------------------------------------------------------------


def test_a_common_prefix_runs_once_not_once_per_path(monkeypatch: pytest.MonkeyPatch) -> None:
    flow = tree("12345", 2)
    greeting = flow.children[0].children[0]  # the top menu's prompt
    counts: Counter[int] = Counter()
    step = Machine._step

    def counting(self: Machine, node: m.Node) -> None:
        counts[id(node)] += 1
        step(self, node)

    monkeypatch.setattr(Machine, "_step", counting)
    out = explore(flow)
    assert out.paths == 5 * (5 + 3) + 3
    assert counts[id(greeting)] == 1  # 43 paths start with it; it ran once


# ---- problems and how to reproduce them --------------------------------------------------------


def test_the_broken_menu_reports_the_dead_end_and_the_loop_with_scripts() -> None:
    """Same hand count as nested.xml's top menu: 1 -> Dial (3), 2 -> end of document (1),
    silence (1), hang-up (1), other -> Callback fail (1) or ok: the document again, where the
    same five options give 3 + 1 + 1 + 1 and other comes back to where it was: a loop (1)."""
    out = explored(BROKEN, http={MENU_URL: Canned(file=BROKEN)})
    assert out.paths == 14
    assert out.endings == Counter(
        {"hangup": 9, "end-of-document": 2, "caller-hangup": 2, "loop": 1}
    )
    by_code: dict[str, list[tuple[int | None, str | None, str]]] = {}
    for problem in out.problems.values():
        assert problem.path is not None
        by_code.setdefault(problem.code, []).append(
            (problem.line, problem.file, problem.path.script())
        )
    assert (20, str(BROKEN), "press 2") in by_code["EX001"]  # key 2: no Hangup
    [(line, file, script)] = by_code["EX002"]
    assert (line, file) == (6, MENU_URL)  # the Gather, in the document fetched again
    assert script == "press 3 (other), Callback ok, press 3 (other), Callback ok"
    assert {p.severity for p in out.problems.values() if p.code == "EX002"} == {"warning"}
    assert_replays(out)


def test_failures_no_handler_catches_are_reported_with_the_shortest_script() -> None:
    flow = parse("""<Response>
      <Gather attempts="1"><Say>Press 1.</Say>
        <DTMF value="1"><Dial><To>+15550001</To></Dial><Say>After.</Say></DTMF>
      </Gather>
      <Hangup/>
    </Response>""")
    out = explore(flow)
    unhandled = {p.line or 0: p for p in out.problems.values() if p.code == "EX004"}
    assert sorted(unhandled) == [2, 3]  # the Gather (other, no input) and the Dial
    dial = unhandled[3]
    assert dial.path is not None and dial.severity == "warning"
    assert dial.path.script() == "press 1, Dial busy"  # the first of the shortest
    assert dial.count == 2  # busy and no answer
    assert unhandled[2].path is not None and unhandled[2].path.script() == "press 2 (other)"


def test_commands_no_path_reaches_are_warned_about() -> None:
    flow = parse("""<Response>
      <Gather attempts="1"><Say>Press 1.</Say>
        <DTMF value="1"><Say>One.</Say><Hangup/></DTMF>
        <Error><Hangup/></Error><Default><Hangup/></Default>
      </Gather>
      <Say>Never heard.</Say>
    </Response>""")
    out = explore(flow)
    unreached = [p for p in out.problems.values() if p.code == "EX005"]
    assert [(p.line, p.severity) for p in unreached] == [(6, "warning")]


# ---- the outside world stays consistent ---------------------------------------------------


def test_a_destination_keeps_its_outcome_along_a_path() -> None:
    flow = parse("""<Response>
      <Dial><To>+15550001</To><Error><Say>First failed.</Say></Error></Dial>
      <Dial><To>+15550001</To><Error><Say>Second failed.</Say></Error></Dial>
      <Hangup/>
    </Response>""")
    out = explore(flow, keep=True)
    assert out.every is not None
    assert sorted(p.script() for p in out.every) == [
        "Dial answer, Dial answer",
        "Dial busy, Dial busy",
        "Dial no answer, Dial no answer",
    ]
    assert_replays(out)


def test_http_without_an_answer_is_an_unknown_document_or_a_failure() -> None:
    flow = parse("""<Response>
      <Curl url="https://api.example.com/log"/>
      <Callback url="https://api.example.com/next"><Error><Say>Down.</Say></Error></Callback>
      <Say>After a failed callback.</Say>
    </Response>""")
    out = explore(flow, keep=True)
    assert out.every is not None
    assert sorted((p.script(), p.ending) for p in out.every) == [
        ("Curl fail, Callback fail", "end-of-document"),
        ("Curl fail, Callback ok", "unknown-document"),
        ("Curl ok, Callback fail", "end-of-document"),
        ("Curl ok, Callback ok", "unknown-document"),
    ]
    assert_replays(out)


def test_a_canned_answer_is_followed_and_may_still_fail() -> None:
    flow = parse("""<Response>
      <Callback url="https://api.example.com/next"><Error><Say>Down.</Say></Error></Callback>
    </Response>""")
    answer = Canned(xml="<Response><Say>Fetched.</Say><Hangup/></Response>")
    out = explore(flow, http={"https://api.example.com/next": answer}, keep=True)
    assert out.every is not None
    endings = {p.script(): (p.ending, any(e.data.get("text") == "Fetched." for e in p.events))
               for p in out.every}  # fmt: skip
    assert endings == {"Callback ok": ("hangup", True),
                       "Callback fail": ("end-of-document", False)}  # fmt: skip
    broken = explore(flow, http={"https://api.example.com/next": Canned(status=500)})
    assert broken.paths == 1  # a canned failure is the only way it goes


def test_conditions_take_both_branches_only_when_some_call_does() -> None:
    flow = parse("""<Response>
      <Schedule dow="mon,tue,wed,thu,fri" time="09:00:00-17:00:00"><Say>Open.</Say></Schedule>
      <Schedule dow="mon,tue,wed,thu,fri" time="09:00:00-17:00:00"><Say>Still open.</Say></Schedule>
      <Schedule><Say>Always.</Say></Schedule>
      <Hangup/>
    </Response>""")
    out = explore(flow, keep=True)
    assert out.every is not None
    # Outside the window nothing is said, so the second test is at the same instant and must
    # agree; inside, "Open." takes 325 ms, and a call starting in the last second of the
    # window sees it close in between. "false, true" is no real call; "Always" is no choice.
    assert sorted(p.script() for p in out.every) == [
        "Schedule false, Schedule false", "Schedule true, Schedule false",
        "Schedule true, Schedule true"]  # fmt: skip
    edge = next(p for p in out.every if p.script() == "Schedule true, Schedule false")
    call = replay(edge, out)
    assert call.context.start.strftime("%a %H:%M:%S") == "Mon 17:00:00"
    assert_replays(out)
    pinned = explore(flow, pinned=frozenset({"schedule"}), keep=True)
    assert pinned.every is not None and [p.script() for p in pinned.every] == ["no choices"]


def test_geo_and_call_conditions_replay_with_the_fields_found() -> None:
    flow = parse("""<Response>
      <Call field="vip" value="true"><Say>Welcome back.</Say></Call>
      <Geo states="NY,NJ"><Say>Local office.</Say>
        <Geo states="NY" county="Kings"><Say>Brooklyn desk.</Say></Geo>
      </Geo>
      <Hangup/>
    </Response>""")
    out = explore(flow, keep=True)
    assert out.every is not None
    assert out.paths == 2 * (1 + 2)  # vip or not; outside NY/NJ, or inside and Kings or not
    assert_replays(out)


# ---- bounds --------------------------------------------------------------------------------


def test_bounds_stop_the_exploration_and_say_so() -> None:
    out = explored(MAIN_MENU, max_paths=10)
    assert out.paths == 10 and not out.complete and out.bounded()
    shallow = explored(MAIN_MENU, max_depth=1)
    assert shallow.endings["depth"] > 0 and shallow.bounded()
    assert {p.code for p in shallow.problems.values()} >= {"EX006"}
    assert out.stopped_by() == ["--max-paths=10"] and shallow.stopped_by() == ["--max-depth=1"]
    # unexplored is not unreachable: summed up, not one EX005 per command
    assert not [p for p in shallow.problems.values() if p.code == "EX005"]
    assert shallow.unexplored().commands > 0
    assert_replays(shallow)


def test_a_machine_bound_ends_a_path_and_is_reported() -> None:
    out = explored(DATA / "nested.xml", limits=Limits(max_time_ms=12_000))
    limits = [p for p in out.problems.values() if p.code == "EX003"]
    assert limits and "max_time_ms=12000" in limits[0].message
    assert out.endings["limit"] > 0
    assert_replays(out)


# ---- every path replays, on random flows ------------------------------------------------


RECORD_PAST_DEPTH = parse(
    '<Response><Pause length="1000"/><Schedule time="00:00:00-00:00:00">'
    '<Record timeout="200000"><Gather attempts="20"/></Record></Schedule></Response>'
)
"""Found by hypothesis: 20 silent Gather attempts inside a Record outlast ``max_depth=12``, so a
path stops while the Record runs (its children and its timeout end at the same instant)."""


@settings(max_examples=120)
@given(valid_models(max_depth=3, max_children=3))
@example(RECORD_PAST_DEPTH)
def test_every_explored_path_replays_as_a_scenario(flow: m.Response) -> None:
    out = explore(flow, limits=Limits(max_steps=200, max_time_ms=3_600_000, max_http_hops=3),
                  max_paths=40, max_depth=12, keep=True)  # fmt: skip
    assert out.every is not None and len(out.every) == out.paths
    taken = {(b.id, b.label) for b in graph.branches(flow)}
    for path in out.every:
        assert path.branches <= taken  # the simulator names only branches the graph lists
    assert_replays(out)


def test_a_path_cut_while_a_record_runs_claims_no_length_and_replays() -> None:
    out = explore(RECORD_PAST_DEPTH, limits=Limits(max_time_ms=3_600_000), max_depth=12, keep=True)
    assert out.every is not None
    cut = [p for p in out.every if p.ending == "depth"]
    assert len(cut) == 1 and cut[0].script() == "Schedule true" + ", silence" * 11
    explored = [e for e in cut[0].events if e.kind == "record"]
    assert [(e.t, e.data["length"]) for e in explored] == [(1000, None)]  # not 0: still recording
    again = [e for e in replayed(cut[0], out).events if e.kind == "record"]
    assert [(e.t, e.data["length"]) for e in again] == [(1000, 200_000)]  # ends at its timeout
    assert_replays(out)
