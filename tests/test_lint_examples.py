"""Every valid flow (the corpus's, the bundled and the shared ones) lints without errors; each
shared bad example is reported at the line its header comment names, with the rule this table
expects (the corpus's broken documents are held to their headers in test_corpus.py). Random
broken documents never crash the linter."""

from __future__ import annotations

import re
from pathlib import Path

from conftest import bad_example_files, needs_shared
from hypothesis import given
from strategies import mutated_documents, valid_models

from callflow import model as m
from callflow import rules
from callflow.lint import lint_file, lint_source
from callflow.serializer import to_xml

EXPECTED_CODE: dict[str, str] = {
    "bad-attribute-type.xml": "CF006",
    "bad-dow.xml": "CF006",
    "bad-state-code.xml": "CF006",
    "bad-time.xml": "CF006",
    "callback-relative-url.xml": "CF130",
    "dial-without-destination.xml": "CF114",
    "dtmf-longer-than-length.xml": "CF121",
    "duplicate-dtmf.xml": "CF120",
    "gather-url-and-dtmf.xml": "CF123",
    "not-well-formed.xml": "CF001",
    "play-two-sources.xml": "CF112",
    "play-unknown-recording.xml": "CF113",
    "say-inside-dial.xml": "CF004",
    "say-two-texts.xml": "CF110",
    "say-without-text.xml": "CF111",
    "seconds-not-ms.xml": "CF160",
    "unknown-attribute.xml": "CF005",
    "unknown-element.xml": "CF003",
    "unreachable-after-hangup.xml": "CF101",
    "wrong-root.xml": "CF002",
}
"""Bad example file -> the rule that must report it. A new bad file needs an entry here."""

_EXPECT = re.compile(r"<!--\s*expect:\s*line\s+(\d+):\s*(.*?)\s*-->")


def expectation(path: Path) -> tuple[int, str]:
    """The line number and description the file's header comment names."""
    found = _EXPECT.search(path.read_text(encoding="utf-8"))
    assert found, f"{path.name} has no '<!-- expect: line N: ... -->' header"
    return int(found.group(1)), found.group(2)


def test_example_flow_lints_without_errors(example_flow: Path) -> None:
    result = lint_file(str(example_flow))
    errors = [f.render() for f in result.findings if f.severity == "error"]
    assert not result.unreadable
    assert errors == []


def test_bad_example_is_reported_at_its_line_with_the_expected_rule(bad_example: Path) -> None:
    assert bad_example.name in EXPECTED_CODE, f"add {bad_example.name} to EXPECTED_CODE"
    line, description = expectation(bad_example)
    code = EXPECTED_CODE[bad_example.name]
    findings = lint_file(str(bad_example)).findings
    at_line = [(f.code, f.severity) for f in findings if f.line == line]
    assert any(c == code for c, _ in at_line), (
        f"expected {code} at line {line} ({description}); got "
        + "; ".join(f.render() for f in findings)
    )
    expected_severity = "warning" if "(warning)" in description else "error"
    assert (code, expected_severity) in at_line


@needs_shared
def test_every_bad_example_has_an_entry_and_every_entry_a_file() -> None:
    assert {p.name for p in bad_example_files()} == set(EXPECTED_CODE)


_KNOWN = {info.code for info in rules.all_rule_infos()}


@given(mutated_documents())
def test_broken_documents_give_findings_never_exceptions(data: bytes) -> None:
    findings = lint_source(data)
    for finding in findings:
        assert finding.code in _KNOWN
        assert finding.line >= 1 and finding.col >= 1
        assert finding.message


@given(valid_models())
def test_any_valid_model_lints_with_registered_codes_at_real_lines(model: m.Response) -> None:
    findings = lint_source(model)
    assert all(f.code in _KNOWN and f.code >= "CF100" for f in findings)
    lines = to_xml(model, pretty=True).count("\n")
    assert all(1 <= f.line <= lines for f in findings)
