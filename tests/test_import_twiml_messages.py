"""Whole report lines and errors a migrating user reads, for cases no shape document holds."""

from __future__ import annotations

import pytest

from callflow.importers import convert_twiml
from callflow.parser import ParseError
from callflow.serializer import to_xml


@pytest.mark.parametrize(
    ("attr", "line"),
    [
        ('playBeep="false"', '<string>:1:19: exact Record playBeep="false": no beep'),
        (
            'timeout="0"',
            '<string>:1:19: exact Record timeout="0": no silence limit; Opentact has none either',
        ),
    ],
)
def test_a_record_without_beep_or_silence_limit_is_exact(attr: str, line: str) -> None:
    _, report = convert_twiml(f"<Response><Record {attr}/></Response>")
    assert line in report.lines(verbose=True)


def test_a_root_other_than_response_is_refused_with_its_name() -> None:
    with pytest.raises(ParseError) as caught:
        convert_twiml("<Other/>")
    assert [f.render() for f in caught.value.findings] == [
        "<string>:1:1: CF002 error root element must be Response (a TwiML voice document),"
        " not Other"
    ]


def test_two_dashes_in_the_source_stay_dashes_in_the_placeholder_comment() -> None:
    """The comment names the importer's options in words ("the base-url option"), but text
    from the document is only kept a valid comment ("a--b" -> "a- -b"), never reworded."""
    model, _ = convert_twiml("<Response><Dial><Sip>a--b</Sip></Dial></Response>")
    xml = to_xml(model)
    assert "<!-- TwiML <Sip> on line 1 not converted: 'a- -b' is not a SIP address" in xml
    assert "option" not in xml
