"""Each semantic rule: a document that breaks it is reported at the right line, and close
variants that are fine are not. Plus the registry itself and the Schedule window arithmetic."""

from __future__ import annotations

import re
import textwrap
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from callflow import model as m
from callflow import rules
from callflow import types as t
from callflow.diagnostics import Finding
from callflow.lint import lint_source
from callflow.parser import PARSE_RULES, ParseError, parse
from callflow.rules import verbs
from callflow.rules.base import Hit, Scope, rule
from callflow.rules.blocks import DAY, WEEK, first_overlap, windows
from simulator.conditions import schedule_matches

ROOT = Path(__file__).resolve().parent.parent
RULE_CODES = [r.code for r in rules.RULES]


def doc(body: str) -> str:
    """A document whose body line k is line k + 1 (``<Response>`` is line 1)."""
    return "<Response>\n" + textwrap.dedent(body).strip("\n") + "\n</Response>\n"


def of(code: str, body: str) -> list[Finding]:
    return [f for f in lint_source(doc(body)) if f.code == code]


@dataclass(frozen=True)
class Case:
    code: str
    body: str
    line: int | None
    """Line of the expected finding; None: the rule must stay silent."""
    says: str = ""
    """Text the message or hint must contain."""


HANDLED_DIAL = "<Dial><To>+15045550111</To><Error/></Dial>"
CB = "https://ivr.example.com/next"

CASES: list[Case] = [
    # CF101 unreachable-after-hangup
    Case("CF101", "<Hangup/>\n<Say>x</Say>", 3, "Say after the Hangup at line 2"),
    Case("CF101", '<Schedule dow="mon">\n  <Hangup/>\n  <Pause/>\n</Schedule>', 4),
    Case("CF101", '<Schedule dow="mon"><Hangup/></Schedule>\n<Say>x</Say>', None),
    Case("CF101", "<Say>x</Say>\n<Hangup/>\n<Error><Say>y</Say></Error>", None),
    # CF102 unreachable-after-callback
    Case("CF102", f'<Callback url="{CB}"><Error/></Callback>\n<Say>x</Say>', 3, "Say after"),
    Case(
        "CF102", f'<Say>x</Say>\n<Callback url="{CB}"><Error><Say>y</Say></Error></Callback>', None
    ),
    Case("CF102", f'<Hangup/>\n<Callback url="{CB}"/>\n<Say>x</Say>', None),  # that is CF101
    # CF103 duplicate-handler
    Case("CF103", "<Say>x</Say>\n<Error/>\n<Error/>", 4, "second Error"),
    Case(
        "CF103",
        '<Gather><Say>x</Say><DTMF value="1"><Hangup/></DTMF>\n<Default/>\n<Default/></Gather>',
        4,
        "second Default",
    ),
    Case("CF103", '<Gather><Say>x</Say><DTMF value="1"/><Default/><Error/></Gather><Error/>', None),
    # CF110 say-two-texts / CF111 say-no-text
    Case("CF110", '<Say text="a">b</Say>', 2),
    Case("CF110", '<Say text="a"/>', None),
    Case("CF110", '<Say text="">b</Say>', None),
    Case("CF111", '<Say lang="en-US"/>', 2),
    Case("CF111", '<Say text=""/>', 2),
    Case("CF111", "<Say>b</Say>", None),
    # CF112 play-source-count
    Case("CF112", "<Play/>", 2, "no audio source"),
    Case(
        "CF112",
        '<RecordStart tag="r"/>\n<Play url="https://a.example/a.mp3" record="r"/>',
        3,
        "two audio sources",
    ),
    Case("CF112", "<Play>https://a.example/a.mp3</Play>", None),
    # CF113 play-unknown-recording
    Case("CF113", '<Play record="x"/>\n<Record tag="x"/>', 2, "made later, at line 3"),
    Case("CF113", '<Record tag="x">\n<Play record="x"/>\n</Record>', 3),
    Case("CF113", '<Record tag="greeting"/>\n<Play record="greting"/>', 3, "greeting"),
    Case("CF113", '<RecordStart tag="x"/><Play record="x"/>', None),
    Case(
        "CF113",
        '<Schedule dow="mon"><Record tag="x"/></Schedule>\n<Play record="x"/>',
        3,
        "recorded on some paths to it but not all",
    ),  # outside Monday the Record does not run
    Case(
        "CF113",
        '<Gather><Say>x</Say>\n<DTMF value="1"><Record tag="msg"/></DTMF>\n'
        '<DTMF value="2"><Play record="msg"/></DTMF>\n<Error/></Gather>',
        4,
        "no path to this Play goes through the Record",
    ),  # the reproducer: recorded in another DTMF branch
    Case(
        "CF113",
        '<Gather><Say>x</Say>\n<DTMF value="1"><Record tag="m"/></DTMF>\n'
        '<DTMF value="2"><Record tag="m"/></DTMF>\n<Error><Hangup/></Error></Gather>\n'
        '<Play record="m"/>',
        None,
    ),  # every way past the Gather records it (no input hangs up)
    Case(
        "CF113",
        '<Gather><Say>x</Say>\n<DTMF value="1"><Record tag="m"/></DTMF>\n'
        '<Default><Record tag="m"/></Default>\n</Gather>\n<Play record="m"/>',
        6,
        "some paths",
    ),  # silence (no input) goes on without the recording
    Case("CF113", '<Schedule><Record tag="x"/></Schedule><Play record="x"/>', None),
    # CF114 dial-no-destination
    Case("CF114", '<Dial timeout="20000"><Error/></Dial>', 2),
    Case("CF114", HANDLED_DIAL, None),
    # CF115 callback-no-url
    Case("CF115", "<Callback><Error/></Callback>", 2),
    Case("CF115", f'<Callback url="{CB}"><Error/></Callback>', None),
    Case("CF115", f"<Callback>{CB}<Error/></Callback>", None),
    # CF116 tone-no-length
    Case("CF116", '<Tone hz="880"/>', 2, "plays for 30 s"),
    Case("CF116", "<Tone/>", 2, "give don for a beep"),
    Case("CF116", '<Tone hz="880" doff="500"/>', 2),
    Case("CF116", '<Tone hz="880" don="300"/>', None),
    Case("CF116", '<Tone hz="880" timeout="30000"/>', None),  # a long tone, said so
    Case("CF116", '<Tone timeout="5000"/>', None),
    # CF120 dtmf-duplicate (reported at the second block)
    Case(
        "CF120",
        '<Gather><Say>x</Say>\n<DTMF value="1"/>\n<DTMF value="1"/></Gather>',
        4,
        "already used at line 3",
    ),
    Case("CF120", '<Gather><Say>x</Say><DTMF value="1"/><DTMF value="2"/></Gather>', None),
    # CF121 dtmf-too-long
    Case("CF121", '<Gather dtmf_length="1"><Say>x</Say>\n<DTMF value="12"/></Gather>', 3),
    Case("CF121", '<Gather dtmf_length="2"><Say>x</Say><DTMF value="12"/></Gather>', None),
    # CF122 dtmf-contains-stop-key
    Case("CF122", '<Gather dtmf_length="2"><Say>x</Say>\n<DTMF value="1#"/></Gather>', 3, "'#'"),
    Case(
        "CF122",
        '<Gather dtmf_length="2" dtmf_stop="*"><Say>x</Say><DTMF value="1#"/></Gather>',
        None,
    ),
    # CF123 gather-url-and-dtmf
    Case("CF123", f'<Gather url="{CB}"><Say>x</Say><DTMF value="1"/><Error/></Gather>', 2),
    Case("CF123", f'<Gather url="{CB}"><Say>x</Say><Default/><Error/></Gather>', 2, "Default"),
    Case("CF123", f'<Gather url="{CB}"><Say>x</Say><Error/></Gather>', None),
    # CF125 gather-no-prompt
    Case("CF125", '<Gather><DTMF value="1"><Hangup/></DTMF></Gather>', 2, "hears silence"),
    Case("CF125", '<Pause/>\n<Gather><DTMF value="1"/></Gather>', 3, "hears silence"),
    Case("CF125", '<Say>Press 1</Say>\n<Gather><DTMF value="1"/></Gather>', 3, "just before it"),
    Case("CF125", '<Say>Press 1</Say>\n<Gather><DTMF value="1"/></Gather>', 3, "are lost"),
    Case("CF125", '<Say>Press 1</Say>\n<Gather><DTMF value="1"/></Gather>', 3, "barge in"),
    Case(
        "CF125",
        '<Play>https://a.example/m.mp3</Play>\n<Pause/>\n<Gather><DTMF value="1"/></Gather>',
        4,
        "<Play> at line 2 before it",
    ),
    Case(
        "CF125",
        '<Gather><Say>Menu</Say>\n<DTMF value="0"><Say>Enter the code</Say>\n'
        '<Gather dtmf_length="4"><DTMF value="1234"/></Gather></DTMF></Gather>',
        4,
        "<Say> at line 3 just before it",  # the block is the DTMF branch
    ),
    Case(
        "CF125",
        '<Say>Press 1</Say>\n<Gather><Say>x</Say><DTMF value="1"/></Gather>\n'
        '<Gather><DTMF value="1"/></Gather>',
        4,
        "hears silence",  # the Say was the first Gather's prompt
    ),
    Case("CF125", '<Gather><Play>https://a.example/p.mp3</Play><DTMF value="1"/></Gather>', None),
    # CF126 gather-no-branches
    Case("CF126", "<Gather><Say>x</Say></Gather>", 2),
    Case("CF126", "<Gather><Say>x</Say><Default/></Gather>", None),
    Case("CF126", f'<Gather url="{CB}"><Say>x</Say><Error/></Gather>', None),
    # CF127 gather-plus-stop-key
    Case("CF127", '<Gather dtmf_stop="+"><Say>x</Say><DTMF value="1"/></Gather>', 2),
    Case("CF127", '<Gather dtmf_stop="*"><Say>x</Say><DTMF value="1"/></Gather>', None),
    # CF130 url-not-absolute
    Case("CF130", '<Callback url="/next"><Error/></Callback>', 2),
    Case("CF130", '<Curl url="ftp://files.example.com/x"><Error/></Curl>', 2),
    Case("CF130", '<Gather url="ivr.example.com/x"><Say>x</Say><Error/></Gather>', 2),
    Case("CF130", '<Play url="hold.mp3"/>', 2),
    Case("CF130", "<Play>media/hold.mp3</Play>", 2, "audio URL"),
    Case("CF130", '<Curl url="https:///path"><Error/></Curl>', 2),
    Case(
        "CF130", f'<Curl url="HTTP://API.EXAMPLE.COM/x"><Error/></Curl><Callback url="{CB}"/>', None
    ),
    # CF140 schedule-overlap
    Case(
        "CF140",
        '<Schedule dow="mon" time="09:00:00-17:00:00"/>\n'
        '<Schedule dow="mon,tue" time="17:00:00-18:00:00"/>',
        3,
        "both match mon 17:00:00",
    ),
    Case(
        "CF140",
        '<Schedule dow="fri" time="22:00:00-02:00:00"/>\n'
        '<Schedule dow="sat" time="01:00:00-05:00:00"/>',
        3,
        "sat 01:00:00",
    ),
    Case(
        "CF140",
        '<Schedule dow="sat" time="23:00:00-01:00:00"/>\n'
        '<Schedule dow="sun" time="00:30:00-00:40:00"/>',
        3,
        "sun 00:30:00",
    ),
    Case("CF140", '<Schedule dow="sun"/>\n<Schedule time="12:00:00-12:00:00"/>', 3),
    Case(
        "CF140",
        '<Schedule dow="sat,sun"/>\n'
        '<Schedule dow="mon,tue,wed,thu,fri" time="00:00:00-07:59:59"/>\n'
        '<Schedule dow="mon,tue,wed,thu,fri" time="18:00:00-23:59:59"/>\n'
        '<Schedule dow="fri" time="08:00:00-17:59:59"/>',
        None,
    ),
    Case(
        "CF140",
        '<Schedule dow="mon"><Schedule dow="mon" time="09:00:00-10:00:00"/></Schedule>',
        None,
    ),  # not siblings
    # CF141 geo-county-without-states
    Case("CF141", '<Geo county="KINGS"><Say>x</Say></Geo>', 2),
    Case("CF141", '<Geo states="NY" county="KINGS"><Say>x</Say></Geo>', None),
    # CF150 alias-spelling
    Case("CF150", '<Scheduler dow="mon"/>', 2, "<Scheduler>"),
    Case("CF150", "<Dial><Sip>1000@pbx.example.net</Sip><Error/></Dial>", 2, "<Sip>"),
    Case("CF150", f"<callback url='{CB}'><Error/></callback>", 2, "<callback>"),
    Case("CF150", f"<Callback>{CB}<Error/></Callback>", 2, "element text"),
    Case(
        "CF150",
        '<Gather numDigits="2"><Say>x</Say><DTMF value="12"/></Gather>',
        2,
        "numDigits is an alias of dtmf_length",
    ),
    Case("CF150", '<Gather length="2"><Say>x</Say><DTMF value="12"/></Gather>', 2),
    Case("CF150", '<Gather finishOnKey="*"><Say>x</Say><DTMF value="1"/></Gather>', 2),
    Case("CF150", f'<Gather callback="{CB}"><Say>x</Say><Error/></Gather>', 2),
    Case("CF150", '<Say>x</Say><Error say="true"/>', 2, "say is an alias of play"),
    Case("CF150", '<Tone hz="440" v="-3"/>', 2),
    Case(
        "CF150",
        '<Gather dtmf_length="2" numDigits="2"><Say>x</Say><DTMF value="12"/></Gather>',
        2,
        "numDigits repeats dtmf_length",
    ),
    Case("CF150", f'<Callback url="{CB}">{CB}<Error/></Callback>', 2, "given twice"),
    Case("CF150", '<Gather dtmf_length="2"><Say>x</Say><DTMF value="12"/></Gather>', None),
    # CF151 alias-conflict
    Case(
        "CF151",
        '<Gather dtmf_length="1" numDigits="2"><Say>x</Say><DTMF value="1"/></Gather>',
        2,
        'numDigits="2" conflicts with dtmf_length="1"',
    ),
    Case("CF151", f'<Callback url="{CB}">https://other.example.com/<Error/></Callback>', 2),
    Case(
        "CF151",
        '<Gather dtmf_length="2" numDigits="2"><Say>x</Say><DTMF value="1"/></Gather>',
        None,
    ),
    # CF152 method-case
    Case("CF152", f'<Curl url="{CB}" method="post"><Error/></Curl>', 2, '"post"'),
    Case("CF152", f'<Gather url="{CB}" method="Get"><Say>x</Say><Error/></Gather>', 2),
    Case("CF152", f'<Curl url="{CB}" method="POST"><Error/></Curl>', None),
    # a value written other than canonically, but not a method: not a matter of case
    Case("CF152", '<Hold timeout=" 300000 "/><Say loop="02">x</Say>', None),
    # CF153 switch-form (once per Switch, at the Switch)
    Case(
        "CF153",
        '<Gather><Say>x</Say>\n<Switch><Case dtmf="1"/><Case dtmf="2"/><Default/></Switch>\n'
        "</Gather>",
        3,
    ),
    Case("CF153", '<Gather><Say>x</Say><DTMF value="1"/><Default/></Gather>', None),
    # CF160 seconds-not-ms
    Case("CF160", '<Gather timeout="5"><Say>x</Say><DTMF value="1"/></Gather>', 2, "write 5000"),
    Case("CF160", '<Pause length="2"/>', 2),
    Case("CF160", '<Dial timeout="30"><To>+15045550111</To><Error/></Dial>', 2),
    Case("CF160", '<Hold timeout="60"/>', 2),
    Case("CF160", '<Tone hz="440" timeout="10"/>', 2),
    Case("CF160", '<Record tag="r" timeout="60"/>', 2),
    Case("CF160", f'<Curl url="{CB}" timeout="3"><Error/></Curl>', 2),
    Case(
        "CF160",
        '<Tone hz="440" don="50" doff="50"/><Answer delay="50"/><Pause length="500"/>',
        None,
    ),
    # CF161 no-error-handler
    Case("CF161", "<Dial><To>+15045550111</To></Dial>", 2),
    Case("CF161", f'<Curl url="{CB}"/>', 2),
    Case("CF161", f'<Gather url="{CB}"><Say>x</Say></Gather>', 2, "Gather url"),
    Case("CF161", "<Say>x</Say>\n<Error>\n<Dial><To>+15045550111</To></Dial>\n</Error>", 4),
    Case("CF161", HANDLED_DIAL, None),
    Case(
        "CF161", '<Schedule dow="mon"><Dial><To>+15045550111</To></Dial><Error/></Schedule>', None
    ),
    Case("CF161", f'<Curl url="{CB}"/><Say>x</Say><Error play="true"/>', None),
    Case(
        "CF161",
        '<Gather><Say>x</Say>\n<DTMF value="1"><Dial><To>+15045550111</To></Dial></DTMF>\n'
        "<Error/></Gather>",
        3,
        "the <Error> of the Gather at line 2 handles only the Gather's own failure",
    ),  # a Gather's own Error is its "no input" handler, not its branches'
    Case(
        "CF161",
        '<Gather><Say>x</Say><DTMF value="1"><Dial><To>+15045550111</To></Dial><Error/></DTMF>'
        "<Error/></Gather>",
        None,
    ),
    Case("CF161", '<Record tag="r">\n<Dial><To>+15045550111</To></Dial>\n<Error/></Record>', 3),
    Case("CF161", '<Record tag="r"><Dial><To>+15045550111</To></Dial></Record><Error/>', None),
    Case(
        "CF161",
        '<Gather><Say>x</Say><DTMF value="1"/></Gather>',
        2,
        "Gather can fail (no input after every attempt; input matches no DTMF value",
    ),  # a Gather without url fails on silence and on unmatched input: the simulator says so
    Case("CF161", '<Gather><Say>x</Say><DTMF value="1"/><Error/></Gather>', None),
    Case("CF161", '<Gather><Say>x</Say><DTMF value="1"/></Gather><Error/>', None),
    Case("CF161", "<Play>https://media.example.org/a.mp3</Play>", 2, "Play of an audio URL"),
    Case("CF161", '<Play url="https://media.example.org/a.mp3"><Error/></Play>', None),
    Case("CF161", '<Record tag="x"/><Play record="x"/>', None),  # CF113's business
]


def _case_id(case: Case) -> str:
    kind = f"line{case.line}" if case.line else "clean"
    return f"{case.code}-{kind}"


@pytest.mark.parametrize("case", CASES, ids=[_case_id(c) for c in CASES])
def test_rule_case(case: Case) -> None:
    found = of(case.code, case.body)
    if case.line is None:
        assert found == [], "\n".join(f.render() for f in found)
        return
    lines = [f.line for f in found]
    assert case.line in lines, f"{case.code} expected at line {case.line}, got {lines}"
    hit = next(f for f in found if f.line == case.line)
    assert case.says in hit.render()
    info = next(r.info for r in rules.RULES if r.code == case.code)
    assert hit.severity == info.severity


def test_every_rule_has_a_failing_and_a_passing_case() -> None:
    failing = {c.code for c in CASES if c.line is not None}
    passing = {c.code for c in CASES if c.line is None}
    model_only = {"CF124"}  # an empty DTMF value cannot pass the XSD; tested on the model below
    codes = {r.code for r in rules.RULES} - model_only
    assert codes - failing == set()
    assert codes - passing == set()


def _codes(model: m.Response) -> list[str]:
    return [rule.code for rule, _ in rules.check(model)]


def test_dtmf_empty_value_is_reported_on_a_model_built_in_python() -> None:
    gather = m.Gather(children=(m.Say(content="x"), m.DTMF(value=""), m.DTMF(value="1")))
    assert _codes(m.Response(children=(gather,))).count("CF124") == 1
    (hit,) = [h for r, h in rules.check(m.Response(children=(gather,))) if r.code == "CF124"]
    assert hit.node is gather.children[1]
    assert (hit.message, hit.hint) == (
        "DTMF block has an empty value; no input selects it",
        'give the digits, e.g. value="1"',
    )
    ok = m.Gather(children=(m.Say(content="x"), m.DTMF(value="1")))
    assert "CF124" not in _codes(m.Response(children=(ok,)))


def test_switch_form_is_reported_once_per_switch() -> None:
    body = (
        '<Gather><Say>x</Say>\n<Switch><Case dtmf="1"/><Case dtmf="2"/></Switch>\n'
        '<Switch><Case dtmf="3"/><Default/></Switch></Gather>'
    )
    assert [f.line for f in of("CF153", body)] == [3, 4]


def test_unreachable_after_hangup_is_reported_once_per_block() -> None:
    assert len(of("CF101", "<Hangup/>\n<Say>a</Say>\n<Say>b</Say>")) == 1


def test_attribute_findings_point_at_the_attribute() -> None:
    text = doc('<Gather  dtmf_stop="#"\n        timeout="5"><Say>x</Say><DTMF value="1"/></Gather>')
    (finding,) = [f for f in lint_source(text) if f.code == "CF160"]
    assert (finding.line, finding.col) == (3, 9)


def test_element_findings_point_at_a_start_tag_written_over_several_lines() -> None:
    text = doc('<Say>x</Say>\n  <Dial\n     timeout="25000">\n<To>+15045550111</To></Dial>')
    (finding,) = [f for f in lint_source(text) if f.code == "CF161"]
    assert (finding.line, finding.col) == (3, 3)


def test_alias_finding_points_at_the_alias_attribute() -> None:
    text = doc('<Gather dtmf_length="1" numDigits="2"><Say>x</Say><DTMF value="1"/></Gather>')
    (finding,) = [f for f in lint_source(text) if f.code == "CF151"]
    assert finding.col == text.splitlines()[1].index("numDigits") + 1


def test_findings_are_sorted_by_position_then_code() -> None:
    text = doc(
        '<Curl url="/x" method="post"/>\n<Hangup/>\n<Say text="a">b</Say>\n<Dial><Error/></Dial>'
    )
    findings = lint_source(text)
    keys = [(f.line, f.col, f.code) for f in findings]
    assert keys == sorted(keys)
    assert {"CF130", "CF152", "CF161", "CF101"} <= {f.code for f in findings}


def test_a_model_built_in_python_is_linted_through_its_canonical_xml() -> None:
    flow = m.Response(children=(m.Hangup(), m.Say(content="late")))
    findings = lint_source(flow)
    assert [(f.code, f.line) for f in findings] == [("CF101", 4)]


# ---- the registry -------------------------------------------------------------------------


def test_codes_and_names_are_unique_and_well_formed() -> None:
    infos = rules.all_rule_infos()
    assert len({i.code for i in infos}) == len(infos)
    assert len({i.name for i in infos}) == len(infos)
    for info in infos:
        assert re.fullmatch(r"CF\d{3}", info.code)
        assert re.fullmatch(r"[a-z0-9]+(-[a-z0-9]+)*", info.name)
        assert info.severity in {"error", "warning", "info"}
        assert info.summary


def test_all_rule_infos_lists_parse_stage_rules_then_semantic_rules() -> None:
    infos = rules.all_rule_infos()
    assert infos[: len(PARSE_RULES)] == PARSE_RULES
    semantic = infos[len(PARSE_RULES) : len(PARSE_RULES) + len(rules.RULES)]
    assert [i.code for i in semantic] == sorted(r.code for r in rules.RULES)
    assert infos[len(PARSE_RULES) + len(rules.RULES) :] == tuple(i for i, _ in rules.DRIVER_RULES)


@pytest.mark.parametrize("info", rules.all_rule_infos(), ids=lambda i: i.code)
def test_every_rule_can_be_explained_by_code_and_by_name(info: object) -> None:
    assert isinstance(info, type(PARSE_RULES[0]))
    by_code = rules.find(info.code.lower())
    by_name = rules.find(info.name)
    assert by_code is not None and by_name is not None
    assert by_code == by_name
    assert by_code[0] == info
    assert len(by_code[1]) > len(info.summary)


def test_fixable_rules_are_the_ones_fmt_fixes() -> None:
    fixable = {r.code for r in rules.RULES if r.info.fixable}
    assert fixable == {"CF150", "CF152", "CF153"}


def test_unknown_rule_is_not_found() -> None:
    assert rules.find("CF999") is None
    assert rules.find("no-such-rule") is None


def test_the_registry_refuses_a_code_or_a_name_used_twice(monkeypatch: pytest.MonkeyPatch) -> None:
    rules._check_unique()  # the real registry passes
    say = verbs.say_two_texts
    same_code = replace(say, info=replace(say.info, name="say-twice-again"))
    same_name = replace(say, info=replace(say.info, code="CF199"))
    for clash in (same_code, same_name):
        monkeypatch.setattr(rules, "RULES", (*rules.RULES, clash))
        with pytest.raises(RuntimeError, match=r"^lint rule codes and names must be unique$"):
            rules._check_unique()


def test_a_rule_is_explained_by_its_docstring_else_by_its_summary() -> None:
    def documented(node: m.Node, scope: Scope) -> Iterator[Hit]:
        """Why this matters.

        Fix: do it right.
        """
        yield from ()

    def bare(node: m.Node, scope: Scope) -> Iterator[Hit]:
        yield from ()

    made = rule("CF198", "made-here", "warning", "A made-up rule.", targets=(m.Say,))
    with_doc, without = made(documented), made(bare)
    assert with_doc.doc == "Why this matters.\n\nFix: do it right."
    assert without.doc == "A made-up rule."
    assert (with_doc.code, with_doc.info.name, with_doc.check) == ("CF198", "made-here", documented)


def test_the_public_names_of_the_registry_exist() -> None:
    namespace: dict[str, object] = {}
    exec("from callflow.rules import *", namespace)
    assert set(rules.__all__) <= set(namespace)
    assert namespace["check"] is rules.check and namespace["RULES"] is rules.RULES


SELECTION_CORPORA = ("tests/data/corpus", "tests/data/lint-messages", "tests/data/opentact-shapes")


def _parsed_corpus() -> list[m.Response]:
    found = []
    for folder in SELECTION_CORPORA:
        for path in sorted((ROOT / folder).rglob("*.xml")):
            try:
                found.append(parse(path))
            except ParseError:
                continue  # the parse-stage documents: no model for the rules
    return found


def test_a_selection_of_rules_finds_what_the_whole_registry_finds_for_them() -> None:
    """`select`/`ignore` change which rules report, never what a selected rule finds: a
    selection has its own dispatch tables, built the way the full ones are."""
    hits = 0
    for root in _parsed_corpus():
        everything = [(r.code, h) for r, h in rules.check(root)]
        hits += len(everything)
        assert [(r.code, h) for r, h in rules.check(root, frozenset(RULE_CODES))] == everything
        for code in {c for c, _ in everything}:
            picked = [(r.code, h) for r, h in rules.check(root, frozenset({code}))]
            assert picked == [(c, h) for c, h in everything if c == code], code
    assert hits > 50


# ---- Schedule windows ---------------------------------------------------------------------


def _matches(schedule: m.Schedule, second: int) -> bool:
    """The spec's rule, stated directly: day and time match; an end before the start wraps
    past midnight and the day in ``dow`` is the day the window starts."""
    day, moment = divmod(second, DAY)
    days = set(schedule.dow or t.DAYS)
    if not schedule.time:
        return t.DAYS[day] in days
    first, last = schedule.time.split("-")
    start = sum(int(p) * f for p, f in zip(first.split(":"), (3600, 60, 1), strict=True))
    end = sum(int(p) * f for p, f in zip(last.split(":"), (3600, 60, 1), strict=True))
    if start <= end:
        return t.DAYS[day] in days and start <= moment <= end
    yesterday = t.DAYS[(day - 1) % 7]
    return (t.DAYS[day] in days and moment >= start) or (yesterday in days and moment <= end)


def _hms(seconds: int) -> str:
    return f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


@st.composite
def schedules(draw: st.DrawFn) -> m.Schedule:
    dow = draw(st.none() | st.lists(st.sampled_from(t.DAYS), min_size=1, unique=True))
    time = draw(
        st.none()
        | st.tuples(st.integers(0, DAY - 1), st.integers(0, DAY - 1)).map(
            lambda p: f"{_hms(p[0])}-{_hms(p[1])}"
        )
    )
    return m.Schedule(dow=tuple(dow) if dow else None, time=time)


def test_windows_are_seconds_of_the_week_from_sunday_midnight() -> None:
    """Written out in seconds (a day has 86,400), not in the module's own DAY: the ranges the
    overlap rule compares are real moments of the week, a window past midnight included."""
    assert windows(m.Schedule(dow=("mon",))) == [(86_400, 172_799)]
    saturday_night = m.Schedule(dow=("sat",), time="22:00:00-02:00:00")
    assert windows(saturday_night) == [(6 * 86_400 + 79_200, 604_799), (0, 7_200)]
    assert (DAY, WEEK) == (86_400, 604_800)


@given(schedules(), st.integers(0, WEEK - 1))
def test_windows_contain_exactly_the_moments_the_schedule_matches(
    schedule: m.Schedule, second: int
) -> None:
    inside = any(a <= second <= b for a, b in windows(schedule))
    assert inside == _matches(schedule, second)


@given(schedules(), schedules())
def test_first_overlap_is_a_moment_both_match_and_is_symmetric(
    a: m.Schedule, b: m.Schedule
) -> None:
    found = first_overlap(windows(a), windows(b))
    assert found == first_overlap(windows(b), windows(a))
    if found is not None:
        assert _matches(a, found) and _matches(b, found)
        assert not any(_matches(a, s) and _matches(b, s) for s in range(max(0, found - 60), found))


@given(schedules(), st.integers(0, WEEK - 1))
def test_windows_agree_with_the_simulators_schedule_match(
    schedule: m.Schedule, second: int
) -> None:
    sunday = datetime(2024, 1, 7)  # a Sunday, the first day of t.DAYS
    now = sunday + timedelta(seconds=second)
    inside = any(a <= second <= b for a, b in windows(schedule))
    assert inside == schedule_matches(schedule.dow, schedule.time, now)
