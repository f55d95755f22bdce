"""Offsets in the text <-> LSP positions (line, character in the client's code units).

The linter counts lines as the parser does (LF, CRLF and a lone CR each end one) and columns
in characters; LSP counts lines the same way and columns in UTF-16 code units unless the
client agreed on another encoding. One table per document version does both directions.
"""

from __future__ import annotations

import bisect

from lsprotocol import types as lsp

from callflow.positions import line_starts

UTF16, UTF8, UTF32 = "utf-16", "utf-8", "utf-32"


def _units(text: str, encoding: str) -> int:
    if encoding == UTF32 or text.isascii():
        return len(text)
    if encoding == UTF8:
        return len(text.encode("utf-8", "surrogatepass"))
    return len(text.encode("utf-16-le", "surrogatepass")) // 2


class TextMap:
    """Line starts of one text, for conversions in the client's position encoding."""

    __slots__ = ("encoding", "starts", "text")

    def __init__(self, text: str, encoding: str = UTF16) -> None:
        self.text = text
        self.encoding = encoding
        self.starts = line_starts(text)

    def offset_of(self, line: int, col: int) -> int:
        """Offset of a 1-based line and character column (a finding's place), clamped."""
        if line > len(self.starts):
            return len(self.text)
        start = self.starts[max(line, 1) - 1]
        return min(start + max(col, 1) - 1, self._line_end(max(line, 1) - 1))

    def _line_end(self, index: int) -> int:
        """Offset of the line break ending line ``index`` (0-based), or the text's end."""
        if index + 1 < len(self.starts):
            end = self.starts[index + 1] - 1
            if end > 0 and self.text[end - 1 : end + 1] == "\r\n":
                end -= 1
            return end
        return len(self.text)

    def position(self, offset: int) -> lsp.Position:
        offset = max(0, min(offset, len(self.text)))
        index = bisect.bisect_right(self.starts, offset) - 1
        start = self.starts[index]
        return lsp.Position(index, _units(self.text[start:offset], self.encoding))

    def range(self, start: int, end: int) -> lsp.Range:
        return lsp.Range(self.position(start), self.position(max(start, end)))

    def offset(self, position: lsp.Position) -> int:
        """The offset of a client position (past the end of a line: the line's end)."""
        if position.line >= len(self.starts):
            return len(self.text)
        start = self.starts[position.line]
        end = self._line_end(position.line)
        line = self.text[start:end]
        if self.encoding == UTF32 or line.isascii():
            return start + min(position.character, len(line))
        units = 0
        for index, char in enumerate(line):
            if units >= position.character:
                return start + index
            units += _units(char, self.encoding)
        return end
