"""Broken input never crashes the parser or the linter: it gives a model or findings.

Documents are valid ones broken at random (elements dropped, duplicated, moved or renamed,
attribute soup, values of the wrong type, text where none belongs, truncation, garbage,
flipped bytes, a lying encoding) or plain random bytes; see ``strategies.mutated_documents``.
"""

from __future__ import annotations

from collections import Counter

from hypothesis import example, given
from strategies import mutated_documents, valid_models

from callflow import model as m
from callflow.diagnostics import Finding
from callflow.parser import PARSE_RULES, load, parse
from callflow.serializer import to_xml

PARSE_CODES = {info.code for info in PARSE_RULES}


def line_bound(data: bytes) -> int:
    """No finding can be past the last line (over-counted: any CR or LF byte counts)."""
    return data.count(b"\n") + data.count(b"\r") + 1


def assert_well_placed(findings: list[Finding], data: bytes, codes: set[str]) -> None:
    for f in findings:
        assert f.code in codes, f
        assert 1 <= f.line <= line_bound(data), f
        assert f.col >= 1, f
        assert f.severity in {"error", "warning", "info"}, f
        assert f.message.strip() and "\n" not in f.render(), f


# Shapes that once needed care: empty input, a lone BOM, a NUL, a DTD inside a comment.
@example(b"")
@example(b"\xef\xbb\xbf")
@example(b"\xff\xfe<\x00")
@example(b"<Response>\x00</Response>")
@example(b"<!-- <!DOCTYPE x> --><Response/>")
@example(b"<Response><Gather><Switch><Switch/></Switch></Gather></Response>")
@given(mutated_documents())
def test_parser_never_raises_on_broken_input(data: bytes) -> None:
    loaded = load(data)
    assert (loaded.model is None) == bool(loaded.findings)
    assert_well_placed(loaded.findings, data, PARSE_CODES)
    assert all(f.severity == "error" for f in loaded.findings)
    if loaded.model is not None:  # still valid after the mutation: it must round-trip
        assert parse(to_xml(loaded.model)) == loaded.model


@given(mutated_documents())
def test_parser_never_raises_on_broken_text(data: bytes) -> None:
    text = "<" + data.decode("utf-8", "replace").lstrip("\ufeff \t\r\n<")
    loaded = load(text)
    assert (loaded.model is None) == bool(loaded.findings)
    assert_well_placed(loaded.findings, text.encode("utf-8"), PARSE_CODES)


def lint_codes() -> set[str]:
    from callflow import rules

    return PARSE_CODES | {rule.code for rule in rules.RULES}


@example(b"")
@example(b"<Response><Gather><Switch><Case dtmf='1'/></Switch></Gather></Response>")
@given(mutated_documents())
def test_linter_never_raises_on_broken_input(data: bytes) -> None:
    from callflow.lint import lint_source

    findings = lint_source(data)
    loaded = load(data)
    assert_well_placed(findings, data, lint_codes())
    # The linter adds semantic findings to the parser's, in position order.
    assert Counter(f for f in findings if f.code in PARSE_CODES) == Counter(loaded.findings)
    if loaded.model is None:
        assert findings, "a refused document must say why"


@given(valid_models())
def test_linter_accepts_every_valid_model(model: m.Response) -> None:
    """Schema-valid models may break semantic rules, never the schema, and never crash."""
    from callflow.lint import lint_source

    findings = lint_source(model)
    assert not [f for f in findings if f.code in PARSE_CODES]
    assert_well_placed(findings, to_xml(model).encode("utf-8"), lint_codes())
