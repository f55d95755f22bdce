"""Scenario files: what a valid file turns into, and a clear error at the YAML line otherwise."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from simulator.caller import DialOutcome, HangUp, Press, Silence
from simulator.expect import AtLine, Ends, EventExpectation, NotSay
from simulator.limits import Limits
from simulator.scenario import (
    ScenarioError,
    dial_outcome,
    load_scenario,
    parse_scenario,
    press,
    start_time,
    state_code,
)

FLOW = "<Response><Say>Hello</Say></Response>\n"

FULL = """\
flow: flow.xml
description: the happy path
call:
  from: +12125550100
  to: "+18005550199"
  direction: inbound
  at: 2026-01-05T09:00:00
  tz: America/New_York
  state: ny
  county: Kings
  extra: {plan: gold}
caller:
  - press: "1"
    delay: 500
  - silence
  - press: 0123#
  - hangup
  - hangup: {at: 30000}
dial:
  "+15045550111": busy
  sip:desk@example.org: {answer: {after: 2000, talk: 9000}}
  default: no-answer
http:
  https://api.example.com/next: {xml: "<Response/>"}
  https://api.example.com/file: {file: answers/next.xml}
  https://api.example.com/down: {status: 503}
  https://api.example.com/slow: {timeout: true}
limits: {max_steps: 50, max_http_hops: 2}
expect:
  - say: Hello
  - say: /hel+o/i
  - dial: "+15045550111"
  - http: https://api.example.com/next
  - play: beep.mp3
  - not_say: sorry
  - ends: hangup
  - at_line: 1
"""


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "flow.xml").write_text(FLOW, encoding="utf-8")
    (tmp_path / "answers").mkdir()
    (tmp_path / "answers" / "next.xml").write_text("<Response/>", encoding="utf-8")
    return tmp_path


def write(folder: Path, text: str, name: str = "s.yaml") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def test_full_scenario(folder: Path) -> None:
    scn = load_scenario(write(folder, FULL))
    assert scn.flow == folder / "flow.xml"
    assert scn.description == "the happy path"
    ctx = scn.context
    assert (ctx.from_, ctx.to, ctx.direction, ctx.state, ctx.county) == (
        "+12125550100", "+18005550199", "inbound", "NY", "Kings",
    )  # fmt: skip
    assert ctx.tz == "America/New_York"
    # 09:00 local in New York in January is 14:00 UTC
    assert ctx.start.astimezone(UTC) == datetime(2026, 1, 5, 14, 0, tzinfo=UTC)
    assert ctx.extra == {"plan": "gold"}
    caller = scn.caller
    assert caller.actions == (Press("1", 500), Silence(), Press("0123#"), HangUp())
    assert caller.hangup_at_ms == 30000
    assert caller.dial == {
        "+15045550111": DialOutcome("busy"),
        "sip:desk@example.org": DialOutcome("answer", after_ms=2000, talk_ms=9000),
    }
    assert caller.dial_default == DialOutcome("no-answer")
    assert scn.http["https://api.example.com/next"].xml == "<Response/>"
    assert scn.http["https://api.example.com/file"].file == folder / "answers" / "next.xml"
    assert scn.http["https://api.example.com/down"].status == 503
    assert scn.http["https://api.example.com/slow"].timeout
    assert scn.limits == Limits(max_steps=50, max_time_ms=Limits().max_time_ms, max_http_hops=2)
    kinds = [type(e) for e in scn.expect]
    assert kinds == [EventExpectation] * 5 + [NotSay, Ends, AtLine]
    first = FULL.splitlines().index("  - say: Hello") + 1
    assert [e.line for e in scn.expect] == list(range(first, first + 8))
    assert isinstance(scn.expect[2], EventExpectation) and scn.expect[2].pattern.exact
    assert isinstance(scn.expect[1], EventExpectation) and scn.expect[1].pattern.regex


def test_minimal_scenario_uses_defaults(folder: Path) -> None:
    scn = load_scenario(write(folder, "flow: flow.xml\n"))
    assert scn.expect == () and scn.caller.actions == () and scn.http == {}
    assert scn.limits == Limits()


def test_paths_are_relative_to_the_scenario_not_the_cwd(
    folder: Path, monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> None:
    monkeypatch.chdir(tmp_path_factory.mktemp("elsewhere"))
    sub = folder / "scenarios"
    sub.mkdir()
    scn = load_scenario(write(sub, "flow: ../flow.xml\n"))
    assert scn.flow.resolve() == (folder / "flow.xml").resolve()


# fmt: off
MALFORMED = [
    # (scenario text, line, column, code, words in the message)
    ("flow: flow.xml\ncall:\n  from: [1, 2\n", 4, 1, "SC002", "invalid YAML"),
    ("flow: flow.xml\n  oops: 1\n", 2, 7, "SC002", "invalid YAML"),
    ("flow: flow.xml\nfloww: x\n", 2, 1, "SC003", "unknown key 'floww'"),
    ("flow: flow.xml\ncall:\n  form: '+1'\n", 3, 3, "SC003", "did you mean 'from'"),
    ("flow: flow.xml\ncaller:\n  - press: 1\n  - jump\n", 4, 5, "SC004", "unknown caller action"),
    ("flow: flow.xml\ncaller:\n  - press: 12A\n", 3, 12, "SC004", "DTMF keys"),
    ("flow: flow.xml\ncaller:\n  - press: '1'\n    delay: soon\n", 4, 12, "SC004", "whole number"),
    ("flow: flow.xml\ncaller: press\n", 2, 9, "SC004", "must be a list"),
    ("flow: flow.xml\ndial:\n  '+1': ringing\n", 3, 9, "SC004", "not a dial outcome"),
    ("flow: flow.xml\nhttp:\n  https://a.example/x?y=1: {status: 500}\n", 3, 3, "SC004", "query"),
    ("flow: flow.xml\nhttp:\n  https://a.example/x: {status: 999}\n",
     3, 33, "SC004", "HTTP status"),
    ("flow: flow.xml\nhttp:\n  https://a.example/x: {xml: '<R/>', timeout: true}\n",
     3, 24, "SC004", "give one"),
    ("flow: flow.xml\nhttp:\n  https://a.example/x: {file: gone.xml}\n", 3, 31, "SC005", "gone"),
    ("flow: flow.xml\nlimits: {max_stepz: 3}\n", 2, 10, "SC003", "max_steps"),
    ("flow: flow.xml\nlimits: {max_steps: 0}\n", 2, 21, "SC004", "at least 1"),
    ("flow: flow.xml\nexpect:\n  - say: [a]\n", 3, 10, "SC004", "must be text"),
    ("flow: flow.xml\nexpect:\n  - say: '/(/'\n", 3, 10, "SC004", "regular expression"),
    ("flow: flow.xml\nexpect:\n  - say: a\n    play: b\n", 3, 5, "SC004", "exactly one key"),
    ("flow: flow.xml\nexpect:\n  - ends: crash\n", 3, 11, "SC004", "not one of"),
    ("flow: flow.xml\nexpect:\n  - at_line: -3\n", 3, 14, "SC004", "whole number"),
    ("flow: flow.xml\ncall:\n  at: yesterday\n", 3, 7, "SC004", "ISO date-time"),
    ("flow: flow.xml\ncall:\n  tz: Mars/Olympus\n", 3, 7, "SC004", "time zone"),
    ("flow: flow.xml\ncall:\n  state: XX\n", 3, 10, "SC004", "state code"),
    ("flow: flow.xml\nflow: other.xml\n", 2, 1, "SC004", "given twice"),
    ("flow: missing.xml\n", 1, 7, "SC005", "missing.xml"),
    ("call: {from: '+1'}\n", 1, 1, "SC004", "missing 'flow:'"),
    ("", 1, 1, "SC004", "empty"),
    ("- flow: flow.xml\n", 1, 1, "SC004", "must be a mapping"),
]
# fmt: on


@pytest.mark.parametrize(("text", "line", "col", "code", "words"), MALFORMED)
def test_malformed_scenario_names_file_and_line(
    folder: Path, text: str, line: int, col: int, code: str, words: str
) -> None:
    path = write(folder, text)
    with pytest.raises(ScenarioError) as caught:
        load_scenario(path)
    finding = caught.value.finding
    assert (finding.file, finding.line, finding.col, finding.code) == (str(path), line, col, code)
    assert words in finding.render()
    assert str(caught.value).startswith(f"{path}:{line}:{col}: {code} error ")


def test_unreadable_scenario(tmp_path: Path) -> None:
    with pytest.raises(ScenarioError) as caught:
        load_scenario(tmp_path / "nope.yaml")
    assert caught.value.finding.code == "SC001"
    (tmp_path / "latin1.yaml").write_bytes(b"flow: caf\xe9.xml\n")
    with pytest.raises(ScenarioError, match="not UTF-8"):
        load_scenario(tmp_path / "latin1.yaml")


_KEY = st.from_regex(r"[a-z][a-z_]{0,10}", fullmatch=True)


@given(
    st.lists(st.sampled_from(["description: x", "limits: {max_steps: 5}", "call: {to: '1'}"]),
             unique=True),
    st.integers(min_value=0, max_value=3),
    _KEY,
)  # fmt: skip
def test_an_unknown_key_is_reported_at_its_own_line(known: list[str], where: int, key: str) -> None:
    if key in ("flow", "description", "call", "caller", "dial", "http", "limits", "expect"):
        return
    lines = ["flow: flow.xml", *known]
    where = min(where, len(lines))
    lines.insert(where, f"{key}: 1")
    with pytest.raises(ScenarioError) as caught:
        parse_scenario("\n".join(lines) + "\n", "/nonexistent/s.yaml")
    if where == 0:  # the flow key now follows it; the unknown key is seen first
        assert caught.value.finding.line == 1
    assert caught.value.finding.code in ("SC003", "SC005")
    if caught.value.finding.code == "SC003":
        assert caught.value.finding.line == where + 1
        assert repr(key) in caught.value.finding.message


@given(st.from_regex(r"[0-9*#]{1,12}", fullmatch=True))
def test_press_keeps_the_keys_exactly_as_written(keys: str) -> None:
    # unquoted, YAML 1.1 would read 0123 as an octal number and 12 as an integer
    text = f"flow: flow.xml\ncaller:\n  - press: '{keys}'\n  - press: {keys}\n"
    if keys[0] in "*#":  # '*' starts an alias and '#' a comment unless quoted
        text = f"flow: flow.xml\ncaller:\n  - press: '{keys}'\n  - press: \"{keys}\"\n"
    try:
        scn = parse_scenario(text, "/nonexistent/s.yaml")
    except ScenarioError as exc:  # the flow file does not exist: everything before it was fine
        assert exc.finding.code == "SC005"
        return
    assert scn.caller.actions == (Press(keys), Press(keys))


def test_value_readers_shared_with_the_cli() -> None:
    assert dial_outcome("answer:1500:7000") == DialOutcome("answer", 1500, 7000)
    assert dial_outcome("no-answer") == DialOutcome("no-answer")
    for bad in ("maybe", "busy:100", "answer:x", "answer:1:2:3", "answer:-5"):
        with pytest.raises(ValueError):
            dial_outcome(bad)
    assert press("") == Silence()
    assert press("12#", 300) == Press("12#", 300)
    with pytest.raises(ValueError):
        press("1-2")
    assert state_code(" nj ") == "NJ"
    with pytest.raises(ValueError):
        state_code("Jersey")


def test_start_time_is_local_unless_it_has_an_offset() -> None:
    local = start_time("2026-07-01T08:30:00", "Europe/Paris")
    assert local.utcoffset() == timedelta(hours=2)
    fixed = start_time("2026-07-01T08:30:00+00:00", "Europe/Paris")
    assert fixed.astimezone(UTC) == datetime(2026, 7, 1, 8, 30, tzinfo=UTC)
    with pytest.raises(ValueError, match="time zone"):
        start_time("2026-07-01T08:30:00", "Nowhere/City")


@pytest.fixture(scope="module")
def shared_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("scenario")
    (folder / "flow.xml").write_text(FLOW, encoding="utf-8")
    (folder / "answers").mkdir()
    (folder / "answers" / "next.xml").write_text("<Response/>", encoding="utf-8")
    return folder


_EDIT = st.tuples(
    st.integers(min_value=0, max_value=len(FULL)),
    st.integers(min_value=0, max_value=12),
    st.text(alphabet=st.sampled_from(list(" \n\t-:{}[],'\"#&*!|>?%@`x1/\\")), max_size=6),
)


@given(st.lists(_EDIT, min_size=1, max_size=4))
def test_mangled_scenarios_never_crash_the_loader(
    shared_folder: Path, edits: list[tuple[int, int, str]]
) -> None:
    text = FULL
    for at, cut, insert in edits:
        text = text[:at] + insert + text[at + cut :]
    try:
        scn = parse_scenario(text, str(shared_folder / "s.yaml"))
    except ScenarioError as exc:
        finding = exc.finding
        assert finding.line >= 1 and finding.col >= 1
        assert finding.code in ("SC002", "SC003", "SC004", "SC005")
        assert finding.line <= text.count("\n") + 2
    else:
        assert scn.flow.is_file()
