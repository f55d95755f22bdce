"""TwiML import of hand-written odd cases (tests/data/twiml/): whitespace, comments, SSML and
a Dial inside a Gather, numbers as Dial text, unknown attributes, verbs after the end,
relative URLs. Report entries are checked at the lines and columns of the source."""

from __future__ import annotations

from pathlib import Path

import pytest

from callflow import model as m
from callflow.importers import ALLOWED_WARNINGS, Entry, Report, Status, convert_twiml
from callflow.importers.report import TEXT
from callflow.importers.twiml_values import PLACEHOLDER_BASE
from callflow.lint import lint_source
from callflow.parser import ParseError
from callflow.serializer import to_xml

DATA = Path(__file__).parent / "data" / "twiml"
EXACT, CHANGED, NOT_CONVERTIBLE = Status.EXACT, Status.CHANGED, Status.NOT_CONVERTIBLE


def load(name: str, **options: str) -> tuple[m.Response, Report]:
    model, report = convert_twiml(DATA / name, **options)
    findings = lint_source(to_xml(model))
    assert [f.render() for f in findings if f.severity == "error"] == []
    assert {f.code for f in findings} <= ALLOWED_WARNINGS
    return model, report


def at(report: Report, line: int, element: str, attribute: str | None = None) -> Entry:
    found = [
        e for e in report.entries
        if (e.line, e.element, e.attribute) == (line, element, attribute)
    ]  # fmt: skip
    assert len(found) == 1, (line, element, attribute, report.entries)
    return found[0]


def key_url(gather: m.Gather, key: str) -> str | None:
    """Where a one-key Gather sends ``key``: the Callback of its DTMF block."""
    (branch,) = [b for b in gather.branches if b.value == key]
    (callback,) = branch.children
    assert isinstance(callback, m.Callback)
    return callback.url


def commands(node: m.Node) -> list[m.Node]:
    return [c for c in node.children if not isinstance(c, m.Comment)]


@pytest.mark.parametrize("path", sorted(DATA.glob("*.xml")), ids=lambda p: p.name)
def test_every_file_converts_lint_clean(path: Path) -> None:
    load(path.name, client_domain="pbx.example.com")
    load(path.name, base_url="https://ivr.example.com/app/start.xml")


def test_whitespace_is_collapsed_and_attributes_are_found_on_their_own_lines() -> None:
    model, report = load("whitespace.xml")
    say, play, pause, dial = commands(model)
    assert say == m.Say(content="Thank you for calling.", gender="FEMALE", lang="en-GB", loop=2)
    assert play == m.Play(content="https://cdn.example.com/hold%20music.mp3")
    assert pause == m.Pause(length=3000)
    assert isinstance(dial, m.Dial) and dial.targets == ("+15550100199",)
    assert (at(report, 5, "Say", "voice").col, at(report, 6, "Say", "language").col) == (7, 7)
    assert at(report, 7, "Say", "loop").status is EXACT
    assert at(report, 14, "Pause", "length").col == 12
    assert at(report, 15, "Dial", TEXT).note == "written without spaces and punctuation"
    assert report.convertible


def test_comments_are_kept_where_they_were() -> None:
    model, report = load("comments.xml")
    assert [c.text for c in model.leading] == [" before the root: kept "]
    assert [c.text for c in model.trailing] == [" after the root: kept "]
    texts = [c.text for c in model.children if isinstance(c, m.Comment)]
    assert texts == [" greeting ", " after the end: kept, it is no command "]
    gather = commands(model)[1]
    assert isinstance(gather, m.Gather)
    assert isinstance(gather.children[0], m.Comment) and gather.children[0].text == " prompt "
    assert report.convertible


def test_nested_prompts_ssml_and_a_dial_inside_gather() -> None:
    model, report = load("nested_gather.xml")
    gather, goodbye = commands(model)
    assert isinstance(gather, m.Gather) and isinstance(goodbye, m.Say)
    assert (gather.dtmf_length, gather.dtmf_stop, gather.timeout, gather.method) == (
        4, "*", 40000, "GET",
    )  # fmt: skip  # 10 s per key, 4 keys
    say, play, pause, mark, error = gather.children
    assert isinstance(say, m.Say) and say.gender == "MALE"  # Polly.Matthew
    assert say.content == (
        "Please enter your 4 digit PIN, then press star. Personal Identification Number"
    )
    assert play == m.Play(content="https://cdn.example.com/beep.mp3", loop=1000)
    assert pause == m.Pause(length=1000)
    assert isinstance(mark, m.Comment) and "<Dial> on line 8" in mark.text
    assert error == m.Error()
    assert at(report, 4, "say-as").status is CHANGED
    assert at(report, 5, "break").status is CHANGED
    assert at(report, 5, "sub").status is EXACT
    assert at(report, 3, "Gather", "input").status is EXACT
    dial = at(report, 8, "Dial")
    assert (dial.status, dial.col) == (NOT_CONVERTIBLE, 5)
    assert "only <Say>, <Play> and <Pause>" in dial.note


@pytest.mark.parametrize("domain", [None, "pbx.example.com"])
def test_numbers_as_dial_text_and_dial_nouns(domain: str | None) -> None:
    options = {"client_domain": domain} if domain else {}
    model, report = load("dial_text.xml", **options)
    first, second, callback = commands(model)
    assert isinstance(first, m.Dial) and first.targets == ("+15550100199",)
    assert first.caller_id == "+15550000000"
    assert isinstance(second, m.Dial) and second.timeout == 20000
    joey = ("sip:joey@pbx.example.com",) if domain else ()
    assert second.targets == ("+15550100100", "sip:desk@pbx.example.com", *joey)
    assert isinstance(callback, m.Callback)
    assert callback.url == "https://ivr.example.com/after-dial?DialCallStatus=completed"
    assert at(report, 5, "Number", "sendDigits").status is NOT_CONVERTIBLE
    assert at(report, 7, "Client").status is (CHANGED if domain else NOT_CONVERTIBLE)
    assert "never runs" in at(report, 9, "Say").note
    assert report.convertible is False  # sendDigits


def test_a_dial_with_nothing_to_dial_is_left_out() -> None:
    model, report = load("conference_only.xml")
    assert [type(c) for c in commands(model)] == [m.Say]
    assert at(report, 3, "Dial").status is NOT_CONVERTIBLE
    assert at(report, 3, "Dial", "timeout").within == "Dial at 3:3"
    assert at(report, 4, "Conference").status is NOT_CONVERTIBLE
    marks = [c.text for c in model.children if isinstance(c, m.Comment)]
    assert len(marks) == 2 and "line 3" in marks[0] and "line 4" in marks[1]


def test_unknown_attributes_and_elements_are_not_convertible_with_a_suggestion() -> None:
    model, report = load("unknown_attrs.xml")
    speed = at(report, 3, "Say", "speed")
    assert (speed.status, speed.col) == (NOT_CONVERTIBLE, 22)
    typo = at(report, 4, "Gather", "numdigits")
    assert typo.status is NOT_CONVERTIBLE and "did you mean numDigits?" in typo.note
    gather = commands(model)[1]
    assert isinstance(gather, m.Gather) and gather.dtmf_length == 32  # the typo did nothing
    assert at(report, 7, "Whisper").note == "not a TwiML verb"


@pytest.mark.parametrize(
    ("base", "url", "status"),
    [
        (None, PLACEHOLDER_BASE + "next.xml", NOT_CONVERTIBLE),
        ("https://ivr.example.com/app/start.xml", "https://ivr.example.com/app/next.xml", CHANGED),
    ],
)
def test_verbs_after_a_redirect_never_run_and_relative_urls_need_a_base(
    base: str | None, url: str, status: Status
) -> None:
    model, report = load("after_end.xml", **({"base_url": base} if base else {}))
    _, callback = commands(model)
    failed = m.Error(play=True, children=(m.Hangup(),))
    assert callback == m.Callback(url=url, method="GET", children=(failed,))
    assert at(report, 4, "Redirect").status is status
    for line, verb in ((5, "Say"), (6, "Hangup")):
        left = at(report, line, verb)
        assert left.status is EXACT and "after the <Redirect> on line 4" in left.note


def test_without_base_url_a_gather_and_record_without_action_are_not_convertible() -> None:
    model, report = load("relative_urls.xml")
    play, gather, record, callback = commands(model)
    assert play == m.Play(content=PLACEHOLDER_BASE + "audio/welcome.mp3")
    assert at(report, 3, "Play").status is NOT_CONVERTIBLE
    assert isinstance(gather, m.Gather) and key_url(gather, "1") == PLACEHOLDER_BASE + "?Digits=1"
    assert record == m.Record(timeout=20000, dtmf_stop="1234567890*#", tag="recording-line7")
    assert isinstance(callback, m.Callback) and callback.url == PLACEHOLDER_BASE
    for line, verb in ((4, "Gather"), (7, "Record")):
        action = at(report, line, verb, "action")
        assert action.implicit and action.status is NOT_CONVERTIBLE


def test_with_base_url_they_request_the_document_again_as_on_twilio() -> None:
    base = "https://ivr.example.com/app/start.xml"
    model, report = load("relative_urls.xml", base_url=base)
    play, gather, record, callback = commands(model)
    assert play == m.Play(content="https://ivr.example.com/audio/welcome.mp3")
    assert isinstance(gather, m.Gather) and key_url(gather, "1") == base + "?Digits=1"
    assert isinstance(record, m.Record)
    assert isinstance(callback, m.Callback) and callback.url == base
    assert report.convertible


def test_a_path_given_as_a_string_is_read_like_callflow_parse() -> None:
    by_path, _ = convert_twiml(DATA / "comments.xml")
    by_str, report = convert_twiml(str(DATA / "comments.xml"))
    assert by_str == by_path
    assert report.file == str(DATA / "comments.xml")
    text, _ = convert_twiml((DATA / "comments.xml").read_text(encoding="utf-8"))
    assert text == by_path


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ("<Response>" + "<Say>" * 70 + "</Say>" * 70 + "</Response>", "CF010"),
        ("<Response>" + "<Pause/>" * 100_001 + "</Response>", "CF010"),
        ('<!DOCTYPE Response [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]><Response/>', "CF009"),
        ("<Response><Say>Hi</Response>", "CF001"),
        ("<response/>", "CF002"),
    ],
    ids=["too-deep", "too-many", "entities", "not-well-formed", "wrong-root"],
)
def test_documents_the_safe_parser_refuses(text: str, code: str) -> None:
    with pytest.raises(ParseError) as refused:
        convert_twiml(text, file="in.xml")
    (finding,) = refused.value.findings
    assert (finding.code, finding.file) == (code, "in.xml")
