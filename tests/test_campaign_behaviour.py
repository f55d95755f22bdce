"""Behaviour models: what a YAML file means, and every mistake reported at its line."""

from __future__ import annotations

from pathlib import Path

import pytest

from callflow.campaign.documents import Documents
from callflow.campaign.recipients import Recipient
from simulator.campaign.behaviour import (
    BAD_VALUE,
    SYNTAX,
    UNKNOWN_KEY,
    UNREADABLE,
    BehaviourError,
    load_behaviour,
    parse_behaviour,
)
from simulator.campaign.funnel import flow_map
from simulator.campaign.report import unmatched_findings

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "campaign"


def test_a_full_model() -> None:
    model = parse_behaviour(
        """
seed: 3
call: {answer: 65%, busy: 0.1}
prompts: {hangup: 0.01, by: {"line 4": 0.2, greeting: 0.3}}
gathers:
  default: {silence: 1}
  menu: {keys: {"1": 0.5, "*9": 0.1}, hangup: 0.1, after_ms: 1500}
  "line 7": {keys: {"2": 1}}
dial: {answer: 0.5, busy: 0.25, after_ms: 100, talk_ms: 200}
http: {fail: 0.5}
billing: {increment_s: 6, minimum_s: 30}
start: "2026-05-01T09:00:00"
tz: America/Chicago
""",
        "m.yaml",
    )
    assert (model.seed, model.answer, model.busy) == (3, 0.65, 0.1)
    assert model.prompt_hangup_for(4, "greeting") == 0.2  # a line wins over a tag
    assert model.prompt_hangup_for(9, "greeting") == 0.3
    assert model.prompt_hangup_for(9, None) == 0.01
    menu = model.keys_for(12, "menu")
    assert menu.keys == (("1", 0.5), ("*9", 0.1)) and menu.after_ms == 1500
    assert menu.silence == pytest.approx(0.3)
    assert model.keys_for(7, "menu").keys == (("2", 1.0),)
    assert model.keys_for(1, None).silence == 1.0
    assert (model.increment_s, model.minimum_s) == (6, 30)
    assert model.billed_s(1) == 30 and model.billed_s(31_000) == 36
    assert model.start.utcoffset() is not None and model.tz == "America/Chicago"


@pytest.mark.parametrize(
    ("text", "code", "line"),
    [
        ("call: {answer: 0.5}\nbogus: 1\n", UNKNOWN_KEY.code, 2),
        ("call: {answer: 1.5}\n", BAD_VALUE.code, 1),
        ("call: {answer: 0.7, busy: 0.4}\n", BAD_VALUE.code, 1),
        ("call: {answer: 0.5}\ngathers:\n  m: {keys: {'12x': 0.5}}\n", BAD_VALUE.code, 3),
        (
            "call: {answer: 0.5}\ngathers:\n  m: {keys: {'1': 0.5}, silence: 0.2}\n",
            BAD_VALUE.code,
            3,
        ),
        ("call: {answer: 0.5}\ntz: Mars/Olympus\n", BAD_VALUE.code, 2),
        ("call: {answer: 0.5}\ndial: {talk_ms: -3}\n", BAD_VALUE.code, 2),
        ("call: {busy: 0.5}\n", BAD_VALUE.code, 1),
        ("prompts: {hangup: 0.1}\n", BAD_VALUE.code, 1),
        ("call: [answer\n", SYNTAX.code, 2),
    ],
)
def test_mistakes_are_reported_at_their_line(text: str, code: str, line: int) -> None:
    with pytest.raises(BehaviourError) as caught:
        parse_behaviour(text, "m.yaml")
    assert (caught.value.finding.code, caught.value.finding.line) == (code, line)


def test_documents_are_read_relative_to_the_model(tmp_path: Path) -> None:
    (tmp_path / "next.xml").write_text("<Response><Say>Next</Say></Response>")
    model = tmp_path / "m.yaml"
    model.write_text(
        'call: {answer: 1}\nhttp: {documents: {"https://a.example.com/n": next.xml}}\n'
    )
    loaded = load_behaviour(model)
    assert loaded.documents["https://a.example.com/n"][0].startswith("<Response>")
    model.write_text('call: {answer: 1}\nhttp: {documents: {"https://a.example.com/n": no.xml}}\n')
    with pytest.raises(BehaviourError):
        load_behaviour(model)
    with pytest.raises(BehaviourError) as caught:
        load_behaviour(tmp_path / "missing.yaml")
    assert caught.value.finding.code == UNREADABLE.code


@pytest.mark.parametrize(
    ("declared", "codec"),
    [("UTF-16", "utf-16"), ("ISO-8859-1", "latin-1")],
    ids=["utf-16", "latin-1"],
)
def test_documents_are_decoded_as_every_answer_is(
    tmp_path: Path, declared: str, codec: str
) -> None:
    """A canned document is decoded as a scenario's answer file is (byte order mark, XML
    declaration, strict), so the campaign accepts what ``simulate`` accepts."""
    text = (
        f'<?xml version="1.0" encoding="{declared}"?>\n<Response><Say>K\u00f6ln</Say></Response>\n'
    )
    (tmp_path / "next.xml").write_bytes(text.encode(codec))
    model = tmp_path / "m.yaml"
    model.write_text(
        'call: {answer: 1}\nhttp: {documents: {"https://a.example.com/n": next.xml}}\n'
    )
    assert load_behaviour(model).documents["https://a.example.com/n"][0] == text


def test_a_document_that_cannot_be_decoded_or_is_too_large_is_refused_where_named(
    tmp_path: Path,
) -> None:
    model = tmp_path / "m.yaml"
    model.write_text(
        'call: {answer: 1}\nhttp:\n  documents:\n    "https://a.example.com/n": next.xml\n'
    )
    (tmp_path / "next.xml").write_bytes(b"<Response>\n<Say>K\xf6ln</Say></Response>")
    with pytest.raises(BehaviourError) as caught:
        load_behaviour(model)
    finding = caught.value.finding
    assert (finding.line, finding.col) == (4, 32)  # the file name in the model
    assert "cannot decode 'next.xml': not valid utf-8" in finding.message
    assert "byte 0xf6" in finding.message and "(line 2, column 7)" in finding.message
    (tmp_path / "next.xml").write_bytes(b"<Response>" + b" " * 1024 * 1024 + b"</Response>")
    with pytest.raises(BehaviourError, match="larger than 1048576 bytes"):
        load_behaviour(model)


def test_a_selector_that_names_nothing_is_a_warning() -> None:
    flow = '<Response><Gather tag="menu"><Say>x</Say></Gather><Say tag="hi">y</Say></Response>'
    model = parse_behaviour(
        "call: {answer: 1}\nprompts: {by: {hi: 0.1, bye: 0.2}}\n"
        "gathers:\n  menu: {}\n  hi: {}\n  'line 9': {}\n",
        "m.yaml",
    )
    docs = Documents(flow, "f.xml")
    sites = flow_map(docs, [Recipient(2, "+12125550100")], model)
    assert sites is not None
    warned = [
        (f.line, f.message.split(":")[0], f.severity) for f in unmatched_findings(sites, model)
    ]
    assert warned == [(2, "prompts.by", "warning"), (5, "gathers", "warning"),
                      (6, "gathers", "warning")]  # fmt: skip


def test_the_example_model_loads_and_names_the_example_flow() -> None:
    model = load_behaviour(EXAMPLES / "behaviour.yaml")
    docs = Documents((EXAMPLES / "reminder.xml").read_text(encoding="utf-8"), "reminder.xml")
    values = {"first_name": "A", "date": "d", "time": "t", "appointment_id": "1"}
    sites = flow_map(docs, [Recipient(2, "+12125550100", values=values)], model)
    assert sites is not None and unmatched_findings(sites, model) == []
