"""Reading TwiML: paths, text and bytes, with the Opentact reader's findings for what cannot be
read (file, line, column, rule)."""

from __future__ import annotations

from pathlib import Path

import pytest

from callflow.importers import convert_twiml
from callflow.parser import MAX_BYTES, ParseError

DOC = "<Response><Say>Hi</Say></Response>"


def findings(source: str | bytes | Path) -> list[str]:
    with pytest.raises(ParseError) as caught:
        convert_twiml(source)
    return [f.render() for f in caught.value.findings]


def test_a_missing_file_is_unreadable_with_the_reason_the_system_gives(tmp_path: Path) -> None:
    path = tmp_path / "missing.xml"
    assert findings(path) == [f"{path}:1:1: CF011 error cannot read: No such file or directory"]


def test_a_file_over_the_size_limit_is_too_large(tmp_path: Path) -> None:
    path = tmp_path / "big.xml"
    path.write_bytes(b"<Response>" + b" " * MAX_BYTES + b"</Response>")
    (finding,) = findings(path)
    assert finding.startswith(f"{path}:1:1: CF010 error ")


def test_a_string_that_does_not_start_with_a_tag_is_a_path() -> None:
    """As for callflow.parse: only a BOM and white space may come before the first ``<``."""
    (finding,) = findings("X" + DOC)
    assert finding.startswith("X<Response>") and ": CF011 error cannot read: " in finding


@pytest.mark.parametrize("prefix", ["\ufeff", " \t\r\n", "\ufeff\n"])
def test_text_after_a_bom_and_white_space_is_read_as_text(prefix: str) -> None:
    _, report = convert_twiml(prefix + DOC)
    assert [e.element for e in report.entries if e.attribute is None] == ["Response", "Say"]


def test_bytes_are_read_with_their_bom() -> None:
    _, report = convert_twiml(b"\xef\xbb\xbf" + DOC.encode())
    assert report.lines(verbose=True)[:2] == [
        "<string>:1:1: exact <Response> -> <Response>",
        "<string>:1:11: exact <Say> -> <Say>",
    ]


def test_an_element_in_a_namespace_is_reported_by_its_local_name() -> None:
    _, report = convert_twiml('<Response><t:Foo xmlns:t="urn:t"/></Response>')
    (foo,) = [e for e in report.entries if e.element != "Response"]
    assert (foo.element, foo.note) == ("Foo", "not a TwiML verb")
