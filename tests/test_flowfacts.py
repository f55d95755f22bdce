"""Facts shared by lint, the graph, the simulator and the explorer (``callflow.flowfacts``):
lint and the explorer agree on which Plays can miss their recording, and on what can fail."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import valid_models

from callflow import flowfacts, parse
from callflow import model as m
from callflow.lint import lint_source
from callflow.serializer import to_xml
from simulator import Limits
from simulator.explore import explore

TAGS = ("a", "b")


def _flat(groups: list[list[str]]) -> list[str]:
    return [line for group in groups for line in group]


def _commands(depth: int) -> st.SearchStrategy[list[str]]:
    """Lines of commands: Record, Play record, Hangup, and (nested) Schedule and Gather."""
    simple = st.one_of(
        st.sampled_from(TAGS).map(lambda t: f'<Record tag="{t}" timeout="1000"/>'),
        st.sampled_from(TAGS).map(lambda t: f'<RecordStart tag="{t}"/>'),
        st.sampled_from(TAGS).map(lambda t: f'<Play record="{t}"/>'),
        st.just("<Hangup/>"),
    )
    if depth == 0:
        return st.lists(simple.map(lambda x: [x]), max_size=3).map(_flat)
    inner = _commands(depth - 1)
    schedule = inner.map(lambda body: ['<Schedule dow="mon">', *body, "</Schedule>"])
    gather = st.tuples(inner, inner, st.none() | inner, st.none() | inner).map(_gather)
    one = st.one_of(simple.map(lambda x: [x]), schedule, gather)
    return st.lists(one, max_size=3).map(_flat)


def _gather(parts: tuple[list[str], list[str], list[str] | None, list[str] | None]) -> list[str]:
    one, two, default, error = parts
    lines = ["<Gather>", "<Say>menu</Say>", '<DTMF value="1">', *one, "</DTMF>",
             '<DTMF value="2">', *two, "</DTMF>"]  # fmt: skip
    if default is not None:
        lines += ["<Default>", *default, "</Default>"]
    if error is not None:
        lines += ["<Error>", *error, "</Error>"]
    return [*lines, "</Gather>"]


def _missing_on_some_path(text: str) -> set[int]:
    """Lines of the Plays some explored path reaches without their recording."""
    out = explore(parse(text), keep=True, max_paths=100_000)
    assert out.complete and out.every is not None
    return {
        e.line
        for path in out.every
        for e in path.events
        if e.kind == "error" and "no recording" in str(e.data.get("reason")) and e.line
    }


@settings(max_examples=60, deadline=None)
@given(_commands(2))
def test_cf113_flags_exactly_the_plays_a_call_can_reach_without_the_recording(
    body: list[str],
) -> None:
    text = "<Response>\n" + "\n".join(body) + "\n</Response>\n"
    linted = {f.line for f in lint_source(text) if f.code == "CF113"}
    missing = _missing_on_some_path(text)
    assert missing <= linted, text  # every Play a call can reach without its recording
    if text.count("<Schedule") <= 1:  # the dataflow takes conditions as independent; the
        assert linted == missing, text  # explorer knows two alike blocks agree


def test_record_in_another_dtmf_branch_is_flagged_as_simulate_fails() -> None:
    """The issue's reproducer: lint used to pass it while ``simulate --digits 2`` failed."""
    text = (
        "<Response>\n<Gather><Say>menu</Say>\n"
        '<DTMF value="1"><Record tag="msg" timeout="5000"/></DTMF>\n'
        '<DTMF value="2"><Play record="msg"/></DTMF>\n<Error/></Gather>\n</Response>\n'
    )
    assert [f.line for f in lint_source(text) if f.code == "CF113"] == [4]
    assert _missing_on_some_path(text) == {4}


def test_failures_name_what_the_simulator_can_fail_with() -> None:
    gather = m.Gather(children=(m.DTMF(value="1"),))
    assert [f.label for f in flowfacts.failures(gather)] == ["no input", "other"]
    with_default = gather.replace(children=(m.DTMF(value="1"), m.Default()))
    assert [f.label for f in flowfacts.failures(with_default)] == ["no input"]
    assert [f.label for f in flowfacts.failures(m.Play(url="https://a.example/a.mp3"))] == [
        "no media"
    ]
    assert flowfacts.failures(m.Say(text="hi")) == ()


def test_the_graph_draws_a_missing_recording_only_where_a_path_can_miss_it() -> None:
    from callflow import graph

    text = (
        '<Response>\n<Record tag="a" timeout="1000"/>\n<Play record="a"/>\n'
        '<Schedule dow="mon"><Record tag="b" timeout="1000"/></Schedule>\n<Play record="b"/>\n'
        "</Response>\n"
    )
    drawn = graph.build(parse(text))
    lines = {s.id: s.line for s in drawn.steps if s.line is not None}
    missing = {lines[e.source] for e in drawn.edges if "no recording" in e.label}
    assert missing == {5}


@settings(max_examples=80, deadline=None)
@given(valid_models(max_depth=3, max_children=3))
def test_every_unhandled_failure_the_explorer_meets_is_one_lint_warned_about(
    model: m.Response,
) -> None:
    """The simulator fails commands in the ways ``flowfacts.failures`` lists and finds the
    handler with ``flowfacts.handler_for``: so where a path meets a failure nobody handles
    (EX004), lint said so first (CF161, or CF113 for a missing recording)."""
    text = to_xml(model, pretty=True)
    out = explore(parse(text), limits=Limits(max_steps=200, max_http_hops=2), max_paths=300)
    warned: dict[int, set[str]] = {}
    for finding in lint_source(text):
        warned.setdefault(finding.line or 0, set()).add(finding.code)
    for problem in out.problems.values():
        if problem.code == "EX004" and problem.file == out.file and problem.line is not None:
            assert warned.get(problem.line, set()) & {"CF161", "CF113"}, (problem, text)


def test_imported_twiml_warns_cf161_only_for_plays_of_a_url() -> None:
    """The importer gives Gathers and Dials an ``<Error/>``; a Play of a URL keeps TwiML's
    meaning (skipped when it cannot be fetched), which CF161 now names."""
    from callflow.importers import convert_twiml

    twiml = (
        '<Response><Play>https://a.example/a.mp3</Play><Gather numDigits="1" action="'
        'https://a.example/next"><Say>Menu</Say></Gather><Dial>+15045550111</Dial></Response>'
    )
    model, _ = convert_twiml(twiml)
    found = [f for f in lint_source(to_xml(model, pretty=True)) if f.code == "CF161"]
    assert [f.message.split(" can fail")[0] for f in found] == ["Play of an audio URL"]
