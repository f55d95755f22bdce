"""What callflow/parser.py says about another dialect's names, which a mutation sample showed
no test stated (#24): the hint names the Opentact counterpart, not just any text."""

from __future__ import annotations

import pytest

from callflow.lint import lint_source


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
