"""``<!-- callflow: ignore=... -->`` comments: what each form covers, and CF190 for a directive
that cannot work (so a typo never silently suppresses nothing)."""

from __future__ import annotations

from functools import cache
from pathlib import Path

import pytest
from click.testing import CliRunner
from corpus import broken_files
from hypothesis import given
from hypothesis import strategies as st

from callflow.cli import cli
from callflow.config import PARSE_CODES, Layer, resolve
from callflow.lint import lint_source


def found(text: str) -> list[tuple[str, int]]:
    return [(f.code, f.line) for f in lint_source(text)]


def flow(*lines: str) -> str:
    return "\n".join(["<Response>", *(f"  {line}" for line in lines), "</Response>", ""])


PAUSE = '<Pause length="5"/>'  # CF160 seconds-not-ms


def test_without_comments_both_pauses_are_reported() -> None:
    assert found(flow(PAUSE, PAUSE)) == [("CF160", 2), ("CF160", 3)]


def test_a_trailing_comment_covers_its_own_line_only() -> None:
    text = flow(f"{PAUSE} <!-- callflow: ignore=CF160 -->", PAUSE)
    assert found(text) == [("CF160", 3)]


def test_an_own_line_comment_covers_the_next_element_only() -> None:
    text = flow("<!-- callflow: ignore=CF160 -->", PAUSE, PAUSE)
    assert found(text) == [("CF160", 4)]


def test_an_own_line_comment_skips_other_comments_and_covers_a_tag_over_several_lines() -> None:
    text = flow(
        "<!-- callflow: ignore=CF160 the caller hears a short click -->",
        "<!-- an ordinary comment -->",
        "<Pause",
        '    length="5"/>',
        PAUSE,
    )
    assert found(text) == [("CF160", 6)]
    assert found(text.replace("callflow: ignore=CF160", "x")) == [("CF160", 5), ("CF160", 6)]


def test_an_own_line_comment_does_not_cover_what_is_inside_the_next_element() -> None:
    inner = flow(
        "<!-- callflow: ignore=CF120 -->",
        '<Gather><Say>Menu.</Say><DTMF value="1"><Hangup/></DTMF>',
        '  <DTMF value="1"><Hangup/></DTMF><Error/></Gather>',
    )
    assert [c for c, _ in found(inner)] == ["CF120"]
    before_the_block = inner.replace(
        '  <DTMF value="1">', '  <!-- callflow: ignore=CF120 -->\n  <DTMF value="1">'
    )
    assert found(before_the_block) == []


def test_a_finding_reported_elsewhere_about_the_element_is_covered() -> None:
    text = flow(
        "<Dial>",
        "  <!-- callflow: ignore=CF161 -->",
        "  <To>+15551234567</To>",
        "</Dial>",
    )
    assert [c for c, _ in found(text)] == ["CF161"]  # the finding is about the Dial, not the To
    covered = text.replace("  <Dial>", "  <!-- callflow: ignore=CF161 -->\n  <Dial>")
    assert found(covered) == []


def test_ignore_file_anywhere_covers_the_whole_file_for_those_codes_only() -> None:
    text = flow(
        PAUSE,
        "<Hangup/>",
        "<Say>late</Say>",
        PAUSE,
    )
    assert sorted({c for c, _ in found(text)}) == ["CF101", "CF160"]
    for where in ("before", "inside", "after"):
        comment = "<!-- callflow: ignore-file=seconds-not-ms -->"
        if where == "before":
            changed = f"{comment}\n{text}"
        elif where == "inside":
            changed = text.replace("<Hangup/>", f"<Hangup>{comment}</Hangup>")
        else:
            changed = f"{text}{comment}\n"
        assert {c for c, _ in found(changed)} == {"CF101"}, where


def test_several_codes_names_and_a_reason() -> None:
    text = flow(
        "<!-- callflow: ignore=CF101, seconds-not-ms kept for the old IVR -->",
        PAUSE,
    )
    assert found(text) == []


def test_suppressing_the_only_error_makes_the_cli_pass(tmp_path: Path) -> None:
    path = tmp_path / "late.xml"
    path.write_text(flow("<Hangup/>", "<Say>late</Say> <!-- callflow: ignore=CF101 -->"))
    result = CliRunner().invoke(cli, ["lint", str(path)])
    assert result.exit_code == 0 and result.stdout == ""


@pytest.mark.parametrize(
    ("comment", "message"),
    [
        ("callflow: ignore=CF999", "unknown rule 'CF999'"),
        ("callflow: ignore=no-such-rule", "unknown rule 'no-such-rule'"),
        ("callflow: ignore=CF005", "CF005 is a parse-stage check and cannot be suppressed"),
        ("callflow: ignore", "names no rule"),
        ("callflow: ignore=", "names no rule"),
        ("callflow: disable=CF160", "unknown directive 'disable'"),
        ("callflow: ignore=CF101 CF160", "separate rule codes with commas: CF160"),
    ],
)
def test_a_directive_that_cannot_work_is_reported_where_it_is(comment: str, message: str) -> None:
    text = flow("<Hangup/>", f"<!-- {comment} -->", PAUSE)
    (bad,) = [f for f in lint_source(text) if f.code == "CF190"]
    assert (bad.line, bad.col, bad.severity) == (3, 3, "warning")
    assert message in bad.message


def test_an_own_line_ignore_with_nothing_after_it_is_reported() -> None:
    text = flow(PAUSE, "<!-- callflow: ignore=CF160 -->")
    assert found(text) == [("CF160", 2), ("CF190", 3)]


def test_prose_mentioning_callflow_is_not_a_directive() -> None:
    for prose in ("callflow: see the README", "callflow:ignore me please", "about callflow"):
        assert found(flow(f"<!-- {prose} -->", "<Hangup/>")) == []


def test_bad_directives_follow_the_settings_too() -> None:
    text = flow("<!-- callflow: ignore=CF999 -->", "<Hangup/>")
    assert found(text) == [("CF190", 2)]
    assert lint_source(text, settings=resolve(Layer(ignore=("CF190",)))) == []
    (made_error,) = lint_source(text, settings=resolve(Layer(severity=(("CF190", "error"),))))
    assert made_error.severity == "error"
    assert found(f"{text}<!-- callflow: ignore-file=CF190 -->\n") == []


# ---- property: ignore-file removes exactly that rule's findings ------------------------------


@cache
def examples() -> list[str]:
    texts = [p.read_text(encoding="utf-8") for p in broken_files()]
    return [t for t in texts if not {f.code for f in lint_source(t)} & PARSE_CODES]


@given(st.data())
def test_ignore_file_removes_exactly_the_findings_of_its_codes(data: st.DataObject) -> None:
    text = data.draw(st.sampled_from(examples()))
    before = lint_source(text)
    reported = sorted({f.code for f in before})
    chosen = data.draw(st.sets(st.sampled_from(reported), min_size=1))
    after = lint_source(f"{text}<!-- callflow: ignore-file={','.join(sorted(chosen))} -->\n")
    assert after == [f for f in before if f.code not in chosen]
