"""``callflow.graph`` and ``callflow graph``: the branches of each command, a graph that holds
every step the simulator takes, Mermaid and dot that parse, coverage colours, SVG via dot."""

from __future__ import annotations

import itertools
import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result
from hypothesis import given, settings
from strategies import valid_models

from callflow import graph, parse
from callflow import model as m
from callflow.cli import cli
from callflow.cli import graph as draw
from simulator import CannedResolver, Limits, simulate
from simulator.emit import replay
from simulator.explore import explore
from simulator.machine import RUNS, Trail

ROOT = Path(__file__).resolve().parents[1]
MAIN_MENU = ROOT / "examples" / "main-menu.xml"
NESTED = ROOT / "tests" / "data" / "explore" / "nested.xml"
HAS_DOT = shutil.which("dot") is not None


def run(*args: object) -> Result:
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


# ---- branches ------------------------------------------------------------------------------


def test_each_command_lists_the_ways_it_can_go() -> None:
    flow = parse("""<Response>
      <Gather dtmf_length="1" attempts="2"><Say>Menu.</Say><Pause length="500" dtmf_stop="#"/>
        <DTMF value="1"/><DTMF value="2"/><DTMF value="12"/></Gather>
      <Gather url="https://x.example/g"><Say>Number?</Say></Gather>
      <Dial><To>+15550001</To></Dial>
      <Callback url="https://x.example/c"/><Curl url="https://x.example/u"/>
      <Schedule dow="mon"/><Schedule/><Geo/><Geo states="NY"/><Call field="from" value="1"/>
      <Pause length="500"/><Pause length="500" dtmf_stop="*"/><Record dtmf_stop="#"/>
    </Response>""")
    labels: dict[tuple[int | None, str], list[str]] = {}
    for site in graph.branches(flow):
        labels.setdefault((site.line, site.command), []).append(site.label)
    assert labels == {
        (2, "Gather"): ["1", "2", "other", "retry", "no input", "hang-up"],  # 12 is too long
        (4, "Gather"): ["ok", "fail", "no input", "hang-up"],
        (5, "Dial"): ["answer", "busy", "no answer"],
        (6, "Callback"): ["ok", "fail"],
        (6, "Curl"): ["ok", "fail"],
        (7, "Schedule"): ["true", "false", "true"],
        (7, "Geo"): ["true", "true", "false"],
        (7, "Call"): ["true", "false"],
        (8, "Pause"): ["stop key", "no key", "hang-up"],
        (8, "Record"): ["stop key", "no key", "hang-up"],
    }  # fmt: skip  (the Pause inside the Gather is a prompt: no key stops it)


def test_other_is_the_shortest_input_no_value_matches() -> None:
    every_key = "".join(f'<DTMF value="{k}"/>' for k in "1234567890*")
    full = parse(f"<Response><Gather>{every_key}</Gather></Response>").children[0]
    assert isinstance(full, m.Gather) and graph.unmatched_input(full) is None
    long = parse(f'<Response><Gather dtmf_length="4">{every_key}</Gather></Response>')
    gather = long.children[0]
    assert isinstance(gather, m.Gather) and graph.unmatched_input(gather) == "11"


def test_commands_count_prompts_and_handlers() -> None:
    flow = parse(NESTED)
    sites = graph.commands(flow)
    assert len(sites) == 19
    assert [s.command for s in sites[:3]] == ["Gather", "Say", "Gather"]
    assert len({s.id for s in sites}) == 19


# ---- the graph holds every step the simulator takes --------------------------------------


def _trails(flow: m.Response) -> list[Trail]:
    """The trail of the scripted call of every explored path."""
    out = explore(flow, limits=Limits(max_steps=200, max_http_hops=2), max_paths=30,
                  max_depth=10, keep=True)  # fmt: skip
    assert out.every is not None
    trails: list[Trail] = []
    token = RUNS.set(lambda doc, file, trail: trails.append(trail or ()))
    try:
        for path in out.every:
            call = replay(path, out)
            simulate(flow, caller=call.caller, context=call.context,
                     http=CannedResolver(call.http), limits=call.limits)  # fmt: skip
    finally:
        RUNS.reset(token)
    return trails


def _commands(trail: Trail) -> list[int]:
    ran: list[int] = []
    while trail:
        item, trail = trail
        if isinstance(item, int):
            ran.append(item)
    return ran[::-1]


@settings(max_examples=80)
@given(valid_models(max_depth=3, max_children=3))
def test_every_step_the_simulator_takes_is_an_edge_of_the_graph(flow: m.Response) -> None:
    drawn = graph.build(flow)
    edges = {(e.source, e.target) for e in drawn.edges}
    steps = {s.id for s in drawn.steps}
    assert all(e.source in steps and e.target in steps for e in drawn.edges)
    ids: dict[int, str] = {}
    loose: set[int] = set()  # prompts, and commands a Record's deadline may cut short
    for path, node, ancestors, prompt in graph.walk(flow):
        if node.IS_COMMAND and not prompt:
            ids[id(node)] = graph.step_id(path)
        if prompt or any(isinstance(a, m.Record) for a in ancestors):
            loose.add(id(node))
    for trail in _trails(flow):
        shown = [c for c in _commands(trail) if c in ids]
        for before, after in itertools.pairwise(shown):
            if before not in loose:
                assert (ids[before], ids[after]) in edges


def test_the_nested_menu_graph() -> None:
    drawn = graph.build(parse(NESTED))
    labelled = {(e.source, e.target, e.label, e.handler) for e in drawn.edges}
    assert ("call_start", "n0", "", False) in labelled  # the top Gather first
    assert ("n0", "n0_1_0", "1", False) in labelled  # key 1: the sales Gather
    assert ("n0", "n0_2_0", "2", False) in labelled
    assert ("n0", "n0_3_0", "other", False) in labelled  # the Default
    assert ("n0", "n0_4_0", "no input", True) in labelled  # its Error, dashed
    assert ("n0_1_0", "n0_1_0", "retry", False) in labelled  # 2 attempts
    assert ("n0_1_0", "n0_1_0_3_0", "other", True) in labelled  # no Default: the Error
    assert ("n0_1_0_1_1", "n0_1_0_1_1_1_0", "busy", True) in labelled  # Dial -> its Error
    assert ("n0_1_0_1_1", "n0_1_0_1_2", "answer", False) in labelled  # -> the Hangup after
    assert all(s.id != "call_end" for s in drawn.steps)  # every path hangs up


def test_failures_reach_the_enclosing_handler_and_then_go_on_after_the_command() -> None:
    flow = parse("""<Response>
      <Schedule dow="mon"><Dial><To>+15550001</To></Dial><Say>Next.</Say>
        <Error><Say>Could not.</Say></Error></Schedule>
      <Callback url="https://x.example/c"/>
    </Response>""")
    drawn = graph.build(flow)
    labelled = {(e.source, e.target, e.label, e.handler) for e in drawn.edges}
    assert ("n0_0", "n0_2_0", "busy", True) in labelled  # Schedule's Error catches the Dial
    assert ("n0_2_0", "n0_1", "", False) in labelled  # then the flow goes on after the Dial
    assert ("n1", "doc_1", "ok", False) in labelled  # the fetched document
    assert ("n1", "call_end", "fail (no handler)", False) in labelled


# ---- Mermaid and dot -------------------------------------------------------------------------

_SHAPES = [('(["', '"])'), ('{{"', '"}}'), ('{"', '"}'), ('[["', '"]]'), ('["', '"]')]
_NODE = re.compile(r"    ([A-Za-z][A-Za-z0-9_]*)(.*)")
_EDGE = re.compile(
    r'    ([A-Za-z][A-Za-z0-9_]*) (-->|-\.->)(\|"([^"]*)"\|)? ([A-Za-z][A-Za-z0-9_]*)'
)


def parse_mermaid(text: str) -> dict[str, Any]:
    """A strict reader of the Mermaid subset we write; fails on anything else."""
    lines = text.splitlines()
    assert lines[0] == "flowchart TD"
    nodes: dict[str, str] = {}
    edges: list[tuple[str, str, str | None]] = []
    classes: dict[str, list[str]] = {}
    styles: list[tuple[list[int], str]] = []
    for line in lines[1:]:
        if found := _EDGE.fullmatch(line):
            edges.append((found[1], found[5], found[4]))
        elif line.startswith("    classDef "):
            assert re.fullmatch(r"    classDef \w+ fill:#[0-9a-f]{6},stroke:#[0-9a-f]{6}", line)
        elif line.startswith("    class "):
            members, cls = line.split()[1:]
            classes[cls] = members.split(",")
        elif line.startswith("    linkStyle "):
            _, which, style = line.split()
            styles.append(([int(i) for i in which.split(",")], style))
        elif found := _NODE.fullmatch(line):
            shape = next(
                s for s in _SHAPES if found[2].startswith(s[0]) and found[2].endswith(s[1])
            )
            label = found[2][len(shape[0]) : -len(shape[1])]
            assert '"' not in label and "<" not in label
            nodes[found[1]] = label
        else:
            raise AssertionError(f"not Mermaid we write: {line!r}")
    for source, target, _ in edges:
        assert source in nodes and target in nodes
    for names in classes.values():
        assert all(n in nodes for n in names)
    for indexes, _ in styles:
        assert all(0 <= i < len(edges) for i in indexes)
    return {"nodes": nodes, "edges": edges, "classes": classes, "styles": styles}


def test_mermaid_parses_and_has_every_step_and_edge() -> None:
    flow = parse(MAIN_MENU)
    drawn = graph.build(flow)
    read = parse_mermaid(draw.mermaid(drawn))
    assert len(read["nodes"]) == len(drawn.steps) and len(read["edges"]) == len(drawn.edges)
    assert ("n3", "n3_2_1", "2") in read["edges"]
    assert not read["classes"] and not read["styles"]


def test_mermaid_escapes_what_would_break_it() -> None:
    flow = parse('<Response><Say>Say "hi" &lt;now&gt; #1</Say></Response>')
    read = parse_mermaid(draw.mermaid(graph.build(flow)))
    assert read["nodes"]["n0"] == "Say: Say #quot;hi#quot; #lt;now#gt; #35;1 (line 1)"


def parse_dot(text: str) -> tuple[set[str], set[tuple[str, str]]]:
    """Nodes and edges of our dot; with Graphviz installed, ``dot`` itself must accept it."""
    assert text.startswith("digraph callflow {\n") and text.rstrip().endswith("}")
    nodes: set[str] = set()
    edges: set[tuple[str, str]] = set()
    for line in text.splitlines()[4:-1]:
        assert line.endswith(";"), line
        if found := re.fullmatch(r"    (\w+) -> (\w+)( \[.*\])?;", line):
            edges.add((found[1], found[2]))
        elif found := re.fullmatch(r"    (\w+) \[label=\"(?:[^\"\\]|\\.)*\".*\];", line):
            nodes.add(found[1])
        else:
            raise AssertionError(f"not dot we write: {line!r}")
    assert all(a in nodes and b in nodes for a, b in edges)
    if HAS_DOT:
        done = subprocess.run(["dot", "-Tcanon"], input=text, capture_output=True, text=True,
                              check=False)  # fmt: skip
        assert done.returncode == 0, done.stderr
    return nodes, edges


def test_dot_parses_with_every_step_and_edge() -> None:
    drawn = graph.build(parse(MAIN_MENU))
    nodes, edges = parse_dot(draw.dot(drawn))
    assert nodes == {s.id for s in drawn.steps}
    assert edges == {(e.source, e.target) for e in drawn.edges}


# ---- coverage colours --------------------------------------------------------------------


def test_coverage_colours_steps_and_branches(tmp_path: Path) -> None:
    report = tmp_path / "coverage.json"
    scenario = ROOT / "examples" / "scenarios" / "main-menu-leasing-busy.yaml"
    assert run("test", scenario, "--coverage-json", report).exit_code == 0
    marks, warning = draw.read_marks(report, MAIN_MENU)
    assert warning is None
    assert "n3_1_1" in {graph.step_id(c) for c in marks.commands}  # the leasing Dial ran
    assert ("3.1.1", "busy") in marks.branches and ("3.1.1", "answer") not in marks.branches
    drawn = graph.build(parse(MAIN_MENU))
    read = parse_mermaid(draw.mermaid(drawn, marks))
    assert "n3_1_1" in read["classes"]["covered"] and "n3_3_1" in read["classes"]["uncovered"]
    green, red = (set(i) for i, _ in read["styles"])
    busy = next(i for i, e in enumerate(drawn.edges) if e.branch == ("3.1.1", "busy"))
    answer = next(i for i, e in enumerate(drawn.edges) if e.branch == ("3.1.1", "answer"))
    assert busy in green and answer in red
    dot_text = draw.dot(drawn, marks)
    parse_dot(dot_text)
    assert (
        'n3_1_1 [label="Dial leasing' in dot_text and f'fillcolor="{draw.GREEN_FILL}"' in dot_text
    )


def test_graph_command_reads_test_and_explore_coverage(tmp_path: Path) -> None:
    report = tmp_path / "explore.json"
    report.write_text(run("explore", NESTED, "--format", "json").output)
    result = run("graph", NESTED, "--coverage", report)
    assert result.exit_code == 0
    read = parse_mermaid(result.output)
    assert "uncovered" not in read["classes"]  # the explorer went everywhere
    assert len(read["classes"]["covered"]) == 19 - 2  # every command but the two prompts


def test_stale_or_foreign_coverage_is_said(tmp_path: Path) -> None:
    copy = tmp_path / "menu.xml"
    copy.write_text(MAIN_MENU.read_text())
    report = tmp_path / "cov.json"
    report.write_text(run("explore", copy, "--format", "json").output)
    copy.write_text(MAIN_MENU.read_text().replace("Goodbye.", "Bye."))
    stale = run("graph", copy, "--coverage", report)
    assert stale.exit_code == 0 and "measured on another version" in stale.stderr
    two = {"version": 1, "flows": [{"flow": "a.xml"}, {"flow": "b.xml"}]}
    report.write_text(json.dumps(two))
    foreign = run("graph", copy, "--coverage", report)
    assert foreign.exit_code == 2 and "has no entry for" in foreign.stderr
    report.write_text("not json")
    assert run("graph", copy, "--coverage", report).exit_code == 2


def _explored(flow: str) -> dict[str, Any]:
    """The one coverage entry ``callflow explore`` writes for ``flow`` (as typed)."""
    entry: dict[str, Any] = json.loads(run("explore", flow, "--format", "json").output)
    return dict(entry["coverage"]["flows"][0])


def test_coverage_is_matched_by_content_then_by_resolved_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A report says ``menu.xml`` as typed in its folder; from elsewhere the same file is
    ``flows/menu.xml`` or an absolute path, and a copy elsewhere has the same content."""
    flows = tmp_path / "flows"
    flows.mkdir()
    (flows / "menu.xml").write_bytes(MAIN_MENU.read_bytes())
    (flows / "nested.xml").write_bytes(NESTED.read_bytes())
    monkeypatch.chdir(flows)
    menu, nested = _explored("menu.xml"), _explored("nested.xml")
    assert menu["flow"] == "menu.xml" and menu["sha256"]
    report = flows / "cov.json"
    report.write_text(json.dumps({"version": 1, "flows": [nested, menu]}))
    monkeypatch.chdir(tmp_path)
    want = {str(i["id"]) for i in menu["commands"]["items"] if i["hits"]}
    for spelling in ("flows/menu.xml", str(flows / "menu.xml"), "flows/../flows/menu.xml"):
        marks, warning = draw.read_marks(report, Path(spelling))
        assert warning is None and marks.commands == frozenset(want), spelling
    elsewhere = tmp_path / "copy-of-menu.xml"  # same bytes, another name: same coverage
    elsewhere.write_bytes(MAIN_MENU.read_bytes())
    result = run("graph", elsewhere, "--coverage", report)
    assert result.exit_code == 0 and "uncovered" not in parse_mermaid(result.output)["classes"]
    # Edited since: found by its path (relative to the report's folder), said to be stale.
    (flows / "menu.xml").write_text(MAIN_MENU.read_text().replace("Goodbye.", "Bye."))
    marks, warning = draw.read_marks(report, Path("flows/menu.xml"))
    assert marks.commands == frozenset(want) and warning and "another version" in warning


# ---- the command -------------------------------------------------------------------------


def test_graph_writes_mermaid_dot_and_to_a_file(tmp_path: Path) -> None:
    assert run("graph", NESTED).output.startswith("flowchart TD\n")
    assert run("graph", NESTED, "--format", "dot").output.startswith("digraph callflow {")
    target = tmp_path / "out.mmd"
    assert run("graph", NESTED, "-o", target).exit_code == 0
    assert target.read_text().startswith("flowchart TD\n")


@pytest.mark.skipif(not HAS_DOT, reason="Graphviz dot is not installed")
def test_svg_is_drawn_by_graphviz(tmp_path: Path) -> None:
    target = tmp_path / "menu.svg"
    assert run("graph", MAIN_MENU, "--format", "svg", "-o", target).exit_code == 0
    assert "<svg" in target.read_text()


def test_svg_without_graphviz_says_what_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(shutil, "which", lambda name: None)
    result = run("graph", MAIN_MENU, "--format", "svg")
    assert result.exit_code == 2
    assert "needs Graphviz's `dot` program" in result.stderr and not result.stdout


def test_unreadable_and_invalid_flows(tmp_path: Path) -> None:
    assert run("graph", tmp_path / "missing.xml").exit_code == 2
    broken = tmp_path / "broken.xml"
    broken.write_text("<Response><Say>")
    result = run("graph", broken)
    assert result.exit_code == 1 and f"{broken}:1:" in result.stderr


# ---- cost --------------------------------------------------------------------------------------


class _CountingChildren(tuple[m.Node, ...]):
    """A children tuple that counts every child handed out (by index, slice or iteration)."""

    reads = 0

    def __getitem__(self, key: Any) -> Any:
        got = super().__getitem__(key)
        _CountingChildren.reads += len(got) if isinstance(key, slice) else 1
        return got

    def __iter__(self) -> Any:
        for child in super().__iter__():
            _CountingChildren.reads += 1
            yield child


def _reads_to_draw(says: int) -> int:
    body = _CountingChildren(m.Say(content=f"line {i}") for i in range(says))
    doc = m.Response(children=body)
    _CountingChildren.reads = 0
    drawn = graph.build(doc)
    assert len(drawn.edges) == says + 1  # start -> first, each -> the next, last -> end
    return _CountingChildren.reads


def test_drawing_a_long_block_reads_each_child_a_bounded_number_of_times() -> None:
    """Finding where control goes after each command used to search its sibling list from the
    start (quadratic: a 99,990-command Response took minutes); the work is counted, not timed."""
    small, large = _reads_to_draw(500), _reads_to_draw(4000)
    assert large <= 10 * 4000
    assert large / small <= 8 * 1.1  # eight times the commands, at most eight times the reads
