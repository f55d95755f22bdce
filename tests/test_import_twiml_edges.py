"""The report and XML for small documents at the edges of each verb (bad values, stray
children, empty verbs), pinned as one snapshot like the shapes (test_import_twiml_snapshots.py):
the notes a user reads for mistakes no real-app shape holds. Regenerate with
``CALLFLOW_UPDATE_SNAPSHOTS=1`` and review ``git diff tests/snapshots/twiml-import-edges.txt``.
"""

from __future__ import annotations

from pathlib import Path

from test_import_twiml_snapshots import _compare

from callflow.importers import convert_twiml
from callflow.serializer import to_xml

SNAPSHOT = Path(__file__).parent / "snapshots" / "twiml-import-edges.txt"
BASE = "https://ivr.example.com/app/voice"
EDGES = [
    "<Number>+14155550100</Number>",
    "<Dial><Sip>a--b</Sip></Dial>",
    '<Gather bargeIn="true" numDigits="1"/>',
    '<Say foo="1">Hi</Say>',
    '<Say loop="x">Hi</Say>',
    '<Say loop="0">Hi</Say>',
    "<Say><foo>x</foo>Hi</Say>",
    "<Say></Say>",
    '<Say language="zz_@">Hi</Say>',
    '<Say language="en_gb">Hi</Say>',
    '<Play digits="12a"/>',
    '<Play digits="1" loop="2"/>',
    "<Play/>",
    '<Pause length="x"/>',
    "<Redirect/>",
    '<Hangup><Parameter name="a b" value="1"/></Hangup>',
    "<Hangup/><Say>Hi</Say>",
    '<Reject reason="x"/>',
    "<Reject/><Say>Hi</Say>",
    "<Dial><Foo/></Dial>",
    "<Dial><Number>+14155550100</Number>tail</Dial>",
    "<Gather><Foo/></Gather>",
    '<Gather finishOnKey="" numDigits="3"/>',
    '<Gather timeout="x" numDigits="1"/>',
]


def edges_text() -> str:
    parts = []
    for body in EDGES:
        model, report = convert_twiml(f"<Response>{body}</Response>", base_url=BASE)
        lines = "\n".join(report.lines(verbose=True))
        parts.append(f"==== {body}\n{lines}\n---- xml\n{to_xml(model)}\n")
    return "".join(parts)


def test_edge_documents_match_the_snapshot() -> None:
    _compare(SNAPSHOT, edges_text())
