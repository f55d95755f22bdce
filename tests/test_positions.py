"""Lazy positions: a parsed node's ``Pos`` finds its line and column on first use.

Exactness of the positions themselves is tested in test_parser.py; here: laziness (a document
nobody asks positions of never scans its text), value semantics of a lazy ``Pos``, and the
fallback to lxml's lines when the markup scan and lxml disagree.
"""

from __future__ import annotations

import copy
import dataclasses
import itertools
import pickle
from pathlib import Path

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from callflow import model as m
from callflow import positions
from callflow.lint import lint_source
from callflow.parser import parse

DOC = """<?xml version="1.0"?>
<!-- lead -->
<Response>
  <Say>Hi</Say>
  <Gather numDigits="1"><Switch>
    <Case dtmf="1"><Hangup/></Case></Switch>
  </Gather>
</Response>
<!-- trail -->
"""


@pytest.fixture
def scans(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Records every markup scan of a document's text."""
    seen: list[str] = []
    real = positions.markup

    def counting(text: str) -> list[tuple[bool, int, int]]:
        seen.append(text)
        return real(text)

    monkeypatch.setattr(positions, "markup", counting)
    return seen


def test_parsing_and_clean_lint_never_scan_for_positions(scans: list[str]) -> None:
    clean = "<Response>\n  <Say>Hi</Say>\n  <Error><Hangup/></Error>\n</Response>\n"
    parse(clean)
    assert lint_source(clean) == []
    assert scans == []


def test_the_first_position_read_scans_once_for_the_whole_document(scans: list[str]) -> None:
    model = parse(DOC)
    gather = model.children[1]
    assert gather.pos == m.Pos(None, 5, 3)
    assert [(c.pos.line, c.pos.col) for c in model.leading if c.pos] == [(2, 1)]
    assert [(c.pos.line, c.pos.col) for c in model.trailing if c.pos] == [(9, 1)]
    dtmf = gather.children[0]
    assert dtmf.spelling is not None and dtmf.spelling.wrapper == m.Pos(None, 5, 25)
    assert dtmf.pos == m.Pos(None, 6, 5)
    assert len(scans) == 1


def test_the_file_name_needs_no_scan(tmp_path: Path, scans: list[str]) -> None:
    path = tmp_path / "flow.xml"
    path.write_text(DOC, encoding="utf-8")
    model = parse(path)
    assert model.pos is not None and model.pos.file == str(path)
    assert scans == []


def test_a_lazy_position_is_a_plain_immutable_value() -> None:
    pos = parse(DOC).children[0].pos
    assert pos is not None
    eager = m.Pos(None, 4, 3)
    assert pos == eager and hash(pos) == hash(eager)
    assert repr(pos) == "Pos(file=None, line=4, col=3)" and str(pos) == "<string>:4:3"
    assert pickle.loads(pickle.dumps(pos)) == eager
    assert copy.deepcopy(pos) == eager
    with pytest.raises(dataclasses.FrozenInstanceError):
        pos.line = 1  # type: ignore[misc]
    assert pos != m.Pos(None, 4, 4) and pos != (None, 4, 3)


def test_positions_fall_back_to_lxml_lines_when_the_scan_disagrees() -> None:
    source = positions.SourceMap(DOC, "f.xml")
    source.seal(3, [0])  # not what the scan finds (8 nodes, comments at 0 and 7)
    pos = m.lazy_pos(source, 2)
    assert (pos.file, pos.line, pos.col) == ("f.xml", 4, 1)  # lxml's line of <Say>, column 1
    assert source.locate(99) == (1, 1)


_NO_BREAK = st.text(st.characters(blacklist_characters="\r\n", blacklist_categories=("Cs",)))


@given(st.lists(st.tuples(_NO_BREAK, st.sampled_from(["\n", "\r\n", "\r"])), min_size=1),
       _NO_BREAK)  # fmt: skip
def test_source_lines_are_the_lines_positions_count(
    ended: list[tuple[str, str]], last: str
) -> None:
    """CR, LF and CRLF end a line, nothing else does (U+2028, U+0085, form feed are
    characters of the line), and line N is the text from ``line_starts(text)[N - 1]``."""
    for (_, brk), (after, _) in itertools.pairwise(ended):
        assume(not (brk == "\r" and after == ""))  # "\r" + "" + "\n..." is one CRLF
    assume(not (ended[-1][1] == "\r" and last.startswith("\n")))
    text = "".join(line + brk for line, brk in ended) + last
    lines = positions.source_lines(text)
    assert lines == [line for line, _ in ended] + ([last] if last else [])
    starts = positions.line_starts(text)
    assert [text[a : a + len(line)] for a, line in zip(starts, lines, strict=False)] == lines


def test_source_lines_keep_what_splitlines_would_break_on() -> None:
    text = "<Response>\n  <Say>one\u2028two\x85three</Say>\r\n  <Hangup/>\r</Response>\n"
    assert positions.source_lines(text) == [
        "<Response>", "  <Say>one\u2028two\x85three</Say>", "  <Hangup/>", "</Response>"
    ]  # fmt: skip
    assert parse(text).commands[1].pos.line == 3  # type: ignore[union-attr]
