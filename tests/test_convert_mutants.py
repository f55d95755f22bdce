"""What callflow/convert.py does that a mutation run showed no test stated (#24): a Callback
whose text is its URL is judged like the url attribute (dropping the ``raise BadValue`` for the
text form kept a refused URL as raw text, on a line the suite never ran), and a comment before
the root knows whether it shares its line with the XML declaration or another comment."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from callflow import parse
from callflow.lint import lint_source
from callflow.parser import ParseError

GOOD = "https://ivr.example.com/next"


def _doc(inner: str) -> str:
    return f"<Response>\n  <Say>Hi.</Say>\n  <Callback>{inner}</Callback>\n</Response>\n"


def test_a_callback_url_as_text_is_read_as_the_url() -> None:
    (_, callback) = parse(_doc(GOOD)).children
    assert getattr(callback, "url", None) == GOOD


@given(st.integers(min_value=1, max_value=len(GOOD) - 1), st.sampled_from([" ", "\t"]))
def test_a_callback_text_that_is_not_a_url_is_cf006_at_the_callback(cut: int, gap: str) -> None:
    bad = GOOD[:cut] + gap + GOOD[cut:]
    findings = lint_source(_doc(bad), "flow.xml")
    assert [(f.code, f.severity, f.line, f.col) for f in findings] == [("CF006", "error", 3, 3)]
    assert findings[0].message.startswith("Callback content: ")
    assert repr(bad) in findings[0].message
    with pytest.raises(ParseError) as raised:
        parse(_doc(bad))
    assert [f.code for f in raised.value.findings] == ["CF006"]


@pytest.mark.parametrize("bom", [b"", b"\xef\xbb\xbf"], ids=["plain", "bom"])
@pytest.mark.parametrize(
    ("prolog", "inline"),
    [
        ('<?xml version="1.0" encoding="UTF-8"?><!-- a -->\n', [True]),
        ('<?xml version="1.0" encoding="UTF-8"?>\n<!-- a -->\n', [False]),
        ("<!-- a -->\n", [False]),
        ("<!-- a --><!-- b -->\n<!-- c -->\n", [False, True, False]),
        ('<?xml version="1.0"?>\n<!-- a --> <!-- b -->\n', [False, True]),
    ],
)
def test_a_comment_before_the_root_knows_whether_it_shares_its_line(
    bom: bytes, prolog: str, inline: list[bool]
) -> None:
    # Caught: the XML declaration counted as one of the comments (``cursor == 0`` -> ``== 1``),
    # which shifts every comment's flag: fmt would move a comment off the declaration's line.
    doc = parse(bom + (prolog + "<Response><Say>x</Say></Response>\n").encode("utf-8"))
    assert [c.inline for c in doc.leading] == inline


@pytest.mark.parametrize(
    ("epilog", "inline"),
    [
        ("<!-- z -->\n", [True]),
        ("\n<!-- z -->\n", [False]),
        ("\r\n<!-- z -->\r\n", [False]),
        (" <!-- y -->\n<!-- z --> <?pi x?>\n", [True, False, True]),
    ],
)
def test_a_comment_after_the_root_knows_whether_it_shares_its_line(
    epilog: str, inline: list[bool]
) -> None:
    # Caught: the line-feed test of the gap before a trailing comment changed (only CR counted).
    doc = parse(("<Response><Say>x</Say></Response>" + epilog).encode("utf-8"))
    assert [c.inline for c in doc.trailing] == inline
