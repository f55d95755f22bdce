"""TwiML in the shapes real apps write (tests/data/twiml-shapes/, one document per shape, each
naming the kind of source it follows; docs/twiml.md lists the shapes and how often they occur).

For every document: no crash, output that lints clean, one report entry per element and
attribute. For every document with a Gather or a Record that requests something (its action,
or the document's own URL): the converted call, with that request failing, ends as Twilio's
does (an application error, then the call ends; nothing after the verb is heard), or the
report says it won't.
"""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path
from typing import Any

import pytest
from lxml import etree

from callflow import model as m
from callflow.importers import ALLOWED_WARNINGS, Report, Status, convert_twiml
from callflow.importers.report import TEXT
from callflow.lint import lint_source
from callflow.serializer import to_xml
from simulator import CallerScript, CallResult, HttpAnswer, HttpRequest, Press, simulate

SHAPES = sorted((Path(__file__).parent / "data" / "twiml-shapes").glob("*.xml"))
OPTIONS = {"base_url": "https://ivr.example.com/app/voice", "region": "US",
           "client_domain": "pbx.example.com"}  # fmt: skip
IDS = [p.stem for p in SHAPES]


def test_there_are_at_least_sixty_shapes() -> None:
    assert len(SHAPES) >= 60


@pytest.mark.parametrize("path", SHAPES, ids=IDS)
def test_each_shape_names_the_kind_of_source_it_follows(path: Path) -> None:
    text = path.read_text(encoding="utf-8")
    assert re.search(r"<!-- shape of: .+\. .+\. -->", text), path.name


@pytest.mark.parametrize("options", [OPTIONS, {}], ids=["with-options", "bare"])
@pytest.mark.parametrize("path", SHAPES, ids=IDS)
def test_converts_lint_clean_with_an_entry_for_everything(path: Path, options: Any) -> None:
    model, report = convert_twiml(path, **options)
    findings = lint_source(to_xml(model))
    assert [f.render() for f in findings if f.severity == "error"] == []
    assert {f.code for f in findings} <= ALLOWED_WARNINGS
    _assert_accounted(path, report)


def _assert_accounted(path: Path, report: Report) -> None:
    root: Any = etree.parse(str(path)).getroot()
    elements: Counter[tuple[str, int]] = Counter()
    attrs: Counter[tuple[str, str, str]] = Counter()
    for el in root.iter():
        if isinstance(el.tag, str):
            elements[(etree.QName(el).localname, el.sourceline)] += 1
            attrs.update(
                (etree.QName(el).localname, etree.QName(k).localname, str(v))
                for k, v in el.attrib.items()
            )
    got = Counter((e.element, e.line) for e in report.entries if e.attribute is None)
    written = [e for e in report.entries if e.attribute not in (None, TEXT) and not e.implicit]
    got_attrs = Counter((e.element, (e.attribute or "").split(":")[-1], e.value) for e in written)
    assert got == elements
    assert got_attrs == attrs


# ---- a failed action request ends the call as on Twilio -----------------------------------


def _first_requesting_verb(path: Path) -> Any | None:
    """The first top-level Gather or Record: each requests its action or its own URL."""
    root: Any = etree.parse(str(path)).getroot()
    for el in root:
        if isinstance(el.tag, str) and el.tag in ("Gather", "Record"):
            return el
        if isinstance(el.tag, str) and el.tag in ("Redirect", "Hangup", "Reject"):
            return None
    return None


REQUESTING = [p for p in SHAPES if _first_requesting_verb(p) is not None]


def test_many_shapes_request_an_action() -> None:
    assert len(REQUESTING) >= 25


class _Down:
    """The backend is down: every request fails."""

    def __init__(self) -> None:
        self.requests: list[HttpRequest] = []

    def resolve(self, request: HttpRequest) -> HttpAnswer:
        self.requests.append(request)
        return HttpAnswer(error="connection refused")


def _input_for(el: Any) -> tuple[Press, ...]:
    """Keys that complete the Gather's input (the Record needs none: it runs to its end)."""
    if el.tag != "Gather":
        return ()
    count = el.get("numDigits")
    digits = "1" * int(count) if count and count.strip().isdigit() else "1234#"
    return (Press(digits),)


def _failed_gather_entry(report: Report, line: int) -> bool:
    """The report says this Gather's failed request does not end the call."""
    return any(
        e.element == "Gather" and e.attribute is None and e.line == line
        and e.status is Status.CHANGED and "failed" in e.note and "ends the call" in e.note
        for e in report.entries
    )  # fmt: skip


@pytest.mark.parametrize("path", REQUESTING, ids=[p.stem for p in REQUESTING])
def test_a_failed_request_ends_the_call_as_twilio_or_the_report_says_so(path: Path) -> None:
    el = _first_requesting_verb(path)
    model, report = convert_twiml(path, **OPTIONS)
    http = _Down()
    result = simulate(model, caller=CallerScript(actions=_input_for(el)), http=http)
    assert http.requests, "the verb's request was made"
    if el.tag == "Gather" and _failed_gather_entry(report, el.sourceline):
        return  # a multi-key Gather: the report states that the call goes on
    _assert_ended_after_the_failure(result)


def _assert_ended_after_the_failure(result: CallResult) -> None:
    """After the failed request only the application error is heard, then the call ends."""
    kinds = [e.kind for e in result.events]
    failed = kinds.index("http")
    assert "error" in result.events[failed].data or result.events[failed].data.get("status")
    after = result.events[failed + 1 :]
    assert [e.kind for e in after] == ["error", "say", "hangup"], result.dumps()
    assert result.result == "hangup"


def test_a_multi_key_gather_is_the_only_kind_that_keeps_going() -> None:
    """Which shapes rely on the report rather than on the conversion: the Gathers of more
    than one key (PIN, postal code, card, account number)."""
    relying = []
    for path in REQUESTING:
        el = _first_requesting_verb(path)
        _, report = convert_twiml(path, **OPTIONS)
        if el.tag == "Gather" and _failed_gather_entry(report, el.sourceline):
            relying.append(path.stem)
            assert el.get("numDigits") != "1"
    assert relying  # the corpus has such shapes, and each is reported


@pytest.mark.parametrize("path", REQUESTING, ids=[p.stem for p in REQUESTING])
def test_no_input_or_no_key_goes_on_as_on_twilio(path: Path) -> None:
    """With no key at a Gather, Twilio goes on with the next verb: so does the conversion
    (nothing is requested unless a later verb requests something)."""
    el = _first_requesting_verb(path)
    if el.tag != "Gather":
        pytest.skip("a Record ends with a request whether or not a key is pressed")
    model, _ = convert_twiml(path, **OPTIONS)
    result = simulate(model, caller=CallerScript(), http=_Down())
    gathers = [e for e in result.events if e.kind == "gather"]
    assert gathers and result.result in ("hangup", "error")
    first_gather = next(c for c in model.children if isinstance(c, m.Gather))
    assert first_gather.error_handler is not None and not first_gather.error_handler.children
