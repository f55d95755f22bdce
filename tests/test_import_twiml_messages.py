"""Whole report lines and errors a migrating user reads, for cases no shape document holds."""

from __future__ import annotations

import pytest

from callflow.importers import convert_twiml
from callflow.parser import ParseError


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
