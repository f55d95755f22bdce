"""Values the importer cannot use, and children a verb does not take: each gets its own report
entry (status, what was written instead, why), and comments are carried over, never dropped."""

from __future__ import annotations

from typing import Any

import pytest

from callflow import model as m
from callflow.importers import Entry, Report, Status, convert_twiml
from callflow.serializer import to_xml

EXACT, CHANGED, NOT_CONVERTIBLE = Status.EXACT, Status.CHANGED, Status.NOT_CONVERTIBLE


def convert(body: str, **options: Any) -> tuple[m.Response, Report]:
    return convert_twiml(f"<Response>{body}</Response>", **options)


def written(report: Report, element: str, attribute: str) -> Entry:
    """The entry of an attribute the source wrote."""
    (found,) = [
        e for e in report.entries
        if e.element == element and e.attribute == attribute and not e.implicit
    ]  # fmt: skip
    return found


def the_record(model: m.Response) -> m.Record:
    (record,) = [c for c in model.children if isinstance(c, m.Record)]
    return record


@pytest.mark.parametrize("value", ["abc", "0"])
def test_a_record_max_length_that_is_no_positive_number_falls_back_to_twilios_hour(
    value: str,
) -> None:
    model, report = convert(f'<Record maxLength="{value}"/>')
    e = written(report, "Record", "maxLength")
    assert (e.status, e.result) == (NOT_CONVERTIBLE, 'timeout="3600000"')
    assert e.note == "not a positive number of seconds; TwiML's default used"
    assert the_record(model).timeout == 3600000


def test_a_record_finish_on_key_that_is_empty_means_no_key_ends_it() -> None:
    model, report = convert('<Record finishOnKey=""/>')
    e = written(report, "Record", "finishOnKey")
    assert (e.status, e.result, e.note) == (EXACT, "", "no key ends the recording")
    assert the_record(model).dtmf_stop is None
    assert "dtmf_stop" not in to_xml(model)


def test_a_record_finish_on_key_that_is_no_key_falls_back_to_any_key() -> None:
    model, report = convert('<Record finishOnKey="x"/>')
    e = written(report, "Record", "finishOnKey")
    assert (e.status, e.result) == (NOT_CONVERTIBLE, 'dtmf_stop="1234567890*#"')
    assert e.note == "not keys 0-9, * and #; TwiML's default used"
    assert the_record(model).dtmf_stop == "1234567890*#"


@pytest.mark.parametrize(
    ("attr", "value", "expected"),
    [("timeout", "abc", "a number of seconds"), ("transcribe", "maybe", "true or false")],
)
def test_a_record_value_of_the_wrong_kind_is_not_convertible(
    attr: str, value: str, expected: str
) -> None:
    model, report = convert(f'<Record {attr}="{value}"/>')
    e = written(report, "Record", attr)
    assert (e.status, e.result) == (NOT_CONVERTIBLE, "")
    assert e.note == f"not {expected}; TwiML's default used"
    assert the_record(model).asr is not True


def test_a_record_not_transcribed_is_exact() -> None:
    model, report = convert('<Record transcribe="false"/>')
    e = written(report, "Record", "transcribe")
    assert (e.status, e.result, e.note) == (EXACT, "", "not transcribed")
    assert the_record(model).asr is not True


def test_a_method_other_than_get_or_post_falls_back_to_post() -> None:
    model, report = convert('<Redirect method="PUT">https://ivr.example.com/a</Redirect>')
    e = written(report, "Redirect", "method")
    assert (e.status, e.result) == (NOT_CONVERTIBLE, 'method="POST"')
    assert e.note == "not GET or POST; TwiML's default used"
    (callback,) = model.children
    assert isinstance(callback, m.Callback)
    assert callback.method == "POST"


def test_an_empty_action_is_as_if_not_written() -> None:
    _, report = convert('<Gather action=""/>', base_url="https://ivr.example.com/v")
    e = written(report, "Gather", "action")
    assert (e.status, e.result, e.note) == (EXACT, "", "empty: as if not written")


def test_inside_a_record_a_comment_is_kept_and_an_element_reported() -> None:
    model, report = convert("<Record><!-- keep me --><Foo/></Record>")
    (foo,) = [e for e in report.entries if e.element == "Foo"]
    assert (foo.status, foo.note) == (NOT_CONVERTIBLE, "TwiML allows nothing inside <Record>")
    xml = to_xml(model)
    assert "<!-- keep me -->" in xml
    assert (
        "<!-- TwiML <Foo> on line 1 not converted: TwiML allows nothing inside <Record> -->" in xml
    )


@pytest.mark.parametrize(
    ("attr", "value", "result", "expected"),
    [
        ("input", "bogus", "", "dtmf, speech or both"),
        ("numDigits", "abc", 'dtmf_length="32"', "a whole number of at least 1"),
    ],
)
def test_a_gather_value_of_the_wrong_kind_is_not_convertible(
    attr: str, value: str, result: str, expected: str
) -> None:
    _, report = convert(f'<Gather {attr}="{value}"/>', base_url="https://ivr.example.com/v")
    e = written(report, "Gather", attr)
    assert (e.status, e.result) == (NOT_CONVERTIBLE, result)
    assert e.note == f"not {expected}; TwiML's default used"


def test_inside_hangup_a_comment_and_parameter_are_kept_and_another_element_reported() -> None:
    model, report = convert('<Hangup><!-- c --><Parameter name="a" value="b"/><Foo/></Hangup>')
    (foo,) = [e for e in report.entries if e.element == "Foo"]
    assert (foo.status, foo.note) == (
        NOT_CONVERTIBLE,
        "TwiML allows only <Parameter> inside <Hangup>",
    )
    (hangup,) = model.children
    assert isinstance(hangup, m.Hangup)
    xml = to_xml(model)
    assert xml.index("<!-- c -->") < xml.index('<Meta name="a" value="b"/>') < xml.index("<Foo>")


@pytest.mark.parametrize("verb", ["Play", "Pause"])
def test_an_element_inside_play_or_pause_is_reported_and_marked(verb: str) -> None:
    text = "https://ivr.example.com/a.mp3" if verb == "Play" else ""
    model, report = convert(f"<{verb}>{text}<Foo/></{verb}>")
    (foo,) = [e for e in report.entries if e.element == "Foo"]
    assert (foo.status, foo.note) == (NOT_CONVERTIBLE, f"TwiML allows nothing inside <{verb}>")
    assert (
        f"<!-- TwiML <Foo> on line 1 not converted: TwiML allows nothing inside <{verb}> -->"
        in (to_xml(model))
    )


def test_comments_inside_dial_and_client_are_kept_in_order() -> None:
    model, _ = convert(
        "<Dial><!-- c --><Client><!-- d --><Identity>bob</Identity></Client></Dial>",
        client_domain="pbx.example.com",
    )
    xml = to_xml(model)
    assert xml.index("<!-- c -->") < xml.index("<To>sip:bob@pbx.example.com</To>")
    assert xml.index("</To>") < xml.index("<!-- d -->") < xml.index("<Error/>")


def test_a_reject_reason_is_kept_as_the_hangup_tag() -> None:
    model, report = convert('<Reject reason="rejected"/>')
    e = written(report, "Reject", "reason")
    assert (e.status, e.result) == (CHANGED, 'tag="reject:rejected"')
    (hangup,) = model.children
    assert isinstance(hangup, m.Hangup)
    assert hangup.tag == "reject:rejected"


def test_a_play_that_loops_forever_becomes_a_thousand_plays() -> None:
    model, report = convert('<Play loop="0">https://ivr.example.com/a.mp3</Play>')
    e = written(report, "Play", "loop")
    assert (e.status, e.result) == (CHANGED, 'loop="1000"')
    assert (
        e.note == "TwiML repeats until the call ends (at most 1000 times); Opentact needs a count"
    )
    (play,) = model.children
    assert isinstance(play, m.Play)
    assert play.loop == 1000
