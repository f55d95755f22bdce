"""Line and column of each node of a parsed document, worked out only when someone asks.

lxml keeps only a line number per element, and for a start tag written over several lines
the line where it ends; searching that line for ``<Tag`` is fooled by comments, CDATA and
names sharing a prefix (``<RecordStart/><Record>``). Scanning the markup in document order and
pairing it with the parsed nodes gives exact positions. The scan costs more than building the
model, so it runs lazily: a node's ``Pos`` holds its index in document order and the
document's ``SourceMap``, which scans the text once, at the first position read.
"""

from __future__ import annotations

import bisect
import re
from typing import Any

from lxml import etree

from callflow.lazyre import lazy_compile

# Markup in document order: what lxml turns into element and comment nodes, and what it skips.
MARKUP = lazy_compile(
    r"(?P<comment><!--.*?-->)"
    r"|<!\[CDATA\[.*?\]\]>|<\?.*?\?>|<!DOCTYPE(?:[^\[>]|\[.*?\])*>"
    r"""|(?P<tag><[^\s/>!?]+)(?:[^>"']|"[^"]*"|'[^']*')*>""",
    re.S,
)
LINE_BREAK = lazy_compile(r"\r\n?|\n")


def line_starts(text: str) -> list[int]:
    """Offset of the first character of each line (CR, LF and CRLF all end a line)."""
    return [0, *(b.end() for b in LINE_BREAK.finditer(text))]


def source_lines(text: str) -> list[str]:
    """The lines of ``text`` as positions number them, without their line breaks: CR, LF and
    CRLF end a line; U+2028, U+0085 and the other breaks of ``str.splitlines`` do not (XML
    1.0 keeps them as characters), so line N here is the line a finding or event names."""
    lines = LINE_BREAK.split(text)
    if lines[-1] == "":  # a final line break ends the last line; it starts none
        lines.pop()
    return lines


def document_order(root: Any) -> list[Any]:
    """Elements and comments of the whole document (root's siblings too), in source order."""
    before = list(root.itersiblings(preceding=True))[::-1]
    nodes = [*before, *root.iter(), *root.itersiblings()]
    return [n for n in nodes if isinstance(n, etree._Comment) or isinstance(n.tag, str)]


def markup(text: str) -> list[tuple[bool, int, int]]:
    """(is a comment, start, end) of each element start tag and comment, in source order."""
    return [
        (k.lastgroup == "comment", k.start(), k.end())
        for k in MARKUP.finditer(text)
        if k.lastgroup is not None
    ]


_FALLBACK_PARSER = etree.XMLParser(
    encoding="utf-8", resolve_entities=False, no_network=True, load_dtd=False, remove_pis=True,
    collect_ids=False,
)  # fmt: skip
"""Reads a text the safe parser has already accepted once (so no DTD), as decoded."""


class SourceMap:
    """The positions of one parsed document, for the lazy ``Pos`` of its nodes.

    The model builder numbers the elements and comments in document order as it meets them
    and tells this map how many there were and which were comments; the first ``locate``
    scans the text and checks the scan found the same nodes. If it did not (which no
    well-formed document should cause), positions fall back to lxml's line and column 1.
    """

    __slots__ = ("_comments", "_count", "_lines", "_starts", "file", "text")

    def __init__(self, text: str, file: str | None) -> None:
        self.text = text
        self.file = file
        self._count = 0
        self._comments: list[int] = []
        self._starts: list[int] | None = None
        self._lines: list[tuple[int, int]] | None = None

    def seal(self, count: int, comments: list[int]) -> None:
        """How many nodes the builder numbered, and the indices of the comments among them."""
        self._count = count
        self._comments = comments

    def line_col(self, offset: int) -> tuple[int, int]:
        starts = self._starts
        if starts is None:
            starts = self._starts = line_starts(self.text)
        line = bisect.bisect_right(starts, offset)
        return line, offset - starts[line - 1] + 1

    def locate(self, index: int) -> tuple[int, int]:
        """Line and column where node ``index`` (in document order) starts."""
        lines = self._lines
        if lines is None:
            lines = self._lines = self._scan()
        return lines[index] if 0 <= index < len(lines) else (1, 1)

    def _scan(self) -> list[tuple[int, int]]:
        marks = markup(self.text)
        comments = [i for i, (is_comment, _, _) in enumerate(marks) if is_comment]
        if len(marks) == self._count and comments == self._comments:
            return [self.line_col(start) for _, start, _ in marks]
        return self._lxml_lines()

    def _lxml_lines(self) -> list[tuple[int, int]]:
        """lxml's line of each node, column 1: only if the markup scan disagrees with lxml."""
        root = etree.fromstring(self.text.encode("utf-8"), _FALLBACK_PARSER)
        return [(node.sourceline or 1, 1) for node in document_order(root)]
