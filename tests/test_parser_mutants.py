"""What callflow/parser.py does that a mutation sample showed no test stated (#24): the hint for
another dialect's names (or a name in the wrong case) names the Opentact one, and the node
limit is reached past MAX_NODES, not at it."""

from __future__ import annotations

import pytest

from callflow.lint import lint_source
from callflow.parser import MAX_NODES


@pytest.mark.parametrize(
    ("document", "code", "col", "message", "hint"),
    [
        (
            "<Response>\n  <Wait/>\n</Response>",
            "CF003",
            3,
            "unknown element Wait (not an Opentact verb)",
            "did you mean Pause?",
        ),
        (
            '<Response>\n  <Gather numdigits="1"><Say>x</Say></Gather>\n</Response>',
            "CF005",
            11,  # at the attribute
            "unknown attribute numdigits on Gather (allowed: attempts, dtmf_length, dtmf_stop,"
            " method, tag, timeout, url)",
            "did you mean dtmf_length?",
        ),
        (
            "<Response>\n  <say>x</say>\n</Response>",
            "CF003",
            3,
            "unknown element say (not an Opentact verb)",
            "names are case-sensitive: did you mean Say?",
        ),
        (
            "<Response>\n  <Sey>x</Sey>\n</Response>",
            "CF003",
            3,
            "unknown element Sey (not an Opentact verb)",
            None,
        ),
    ],
)
def test_another_dialects_name_gets_the_opentact_name_as_its_hint(
    document: str, code: str, col: int, message: str, hint: str | None
) -> None:
    findings = lint_source(document, "flow.xml")
    assert [(f.code, f.line, f.col, f.message, f.hint) for f in findings] == [
        (code, 2, col, message, hint)
    ]


def _nodes(count: int) -> str:
    """A document of exactly ``count`` elements: the Response and ``count - 1`` Pauses."""
    return "<Response>\n" + "<Pause/>\n" * (count - 1) + "</Response>\n"


def test_a_document_of_exactly_max_nodes_elements_is_allowed_one_more_is_cf010() -> None:
    # Caught: ``count > MAX_NODES`` -> ``>=`` (a document at exactly the limit refused).
    assert [f.code for f in lint_source(_nodes(MAX_NODES), "big.xml") if f.code == "CF010"] == []
    over = [f for f in lint_source(_nodes(MAX_NODES + 1), "big.xml") if f.code == "CF010"]
    assert [f.message for f in over] == [
        f"document has more than {MAX_NODES} elements and comments; the limit is {MAX_NODES}"
    ]


@pytest.mark.parametrize(
    "document",
    [
        "<Response>\n  <Say>a</Sya>\n</Response>",
        "<Response>\n  <Say>a\n</Response>",
        "<Response>\n  <Say a=b>x</Say>\n</Response>",
        "<Response>\n\n    <Pause/>\n  <Say>a</Say> <x\n</Response>",
    ],
)
def test_a_not_well_formed_document_with_lone_cr_line_ends_is_placed_as_with_lf(
    document: str,
) -> None:
    # Caught: the column of a libxml2 position recomputed for old Mac line ends off by one.
    with_lf = [(f.code, f.line, f.col) for f in lint_source(document, "lf.xml")]
    with_cr = [(f.code, f.line, f.col) for f in lint_source(document.replace("\n", "\r"), "cr.xml")]
    assert with_lf and with_lf[0][0] == "CF001"
    assert with_cr == with_lf


def test_an_attribute_the_grammar_requires_is_cf007_naming_it_at_the_element() -> None:
    # Caught: the XSD's "required but missing" no longer recognised (reported as CF008).
    doc = "<Response>\n  <Gather><DTMF><Say>x</Say></DTMF></Gather>\n</Response>"
    assert [(f.code, f.line, f.col, f.message) for f in lint_source(doc, "flow.xml")] == [
        ("CF007", 2, 11, "DTMF needs the attribute value")
    ]
