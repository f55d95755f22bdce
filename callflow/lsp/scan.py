"""A forgiving scan of the markup of a document being typed: tags, attributes, elements.

The parser needs a well-formed document; an editor's document is mostly not, between two key
presses. This scan never fails: it finds every start tag, end tag and comment it can (an
unclosed one runs to the end of the text or the next ``<``), pairs start and end tags into
elements with a stack (an end tag closes the nearest open element of its name), and answers
"what is at this offset" for hover, completion, ranges and navigation.
"""

from __future__ import annotations

import bisect
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

_TOKEN = re.compile(
    r"(?P<comment><!--.*?(?:-->|\Z))"
    r"|<!\[CDATA\[.*?(?:\]\]>|\Z)|<\?.*?(?:\?>|\Z)|<!(?:[^\[>]|\[.*?(?:\]|\Z))*>?"
    r"|</(?P<close>[^\s<>]*)[^<>]*>?"
    r"""|<(?P<open>[^\s/<>!?"'=]*)(?P<body>(?:[^<>"'/]|/(?!>)|"[^"]*(?:"|\Z)|'[^']*(?:'|\Z))*)"""
    r"(?P<end>/?>)?",
    re.S,
)
_ATTR = re.compile(r"""([^\s=/<>"']+)(?:(\s*=\s*)("[^"]*"?|'[^']*'?|[^\s/>"']*))?""")
_INDENT = re.compile(r"[ \t]*")


@dataclass(frozen=True, slots=True)
class Attr:
    name: str
    start: int
    """Offset of the name."""
    end: int
    """Offset just after the value (or the name, when no value is written yet)."""
    value: str | None
    value_start: int
    """Offset of the first character inside the quotes."""
    value_end: int
    """Offset of the closing quote (or where the unclosed value stops)."""

    @property
    def name_end(self) -> int:
        return self.start + len(self.name)


@dataclass(eq=False, slots=True)
class Tag:
    kind: str
    """``start``, ``end`` or ``comment``."""
    name: str
    start: int
    end: int
    closed: bool
    """Whether the ``>`` (or ``/>``, ``-->``) was written."""
    empty: bool = False
    """``<Name/>``."""
    attrs: list[Attr] = field(default_factory=list)

    @property
    def name_start(self) -> int:
        return self.start + (2 if self.kind == "end" else 1)

    @property
    def name_end(self) -> int:
        return self.name_start + len(self.name)

    def attr(self, name: str) -> Attr | None:
        return next((a for a in self.attrs if a.name == name), None)

    def value(self, name: str) -> str | None:
        found = self.attr(name)
        return found.value if found is not None else None


@dataclass(eq=False, slots=True)
class Element:
    tag: Tag
    parent: Element | None
    close: Tag | None = None
    children: list[Element] = field(default_factory=list)

    @property
    def name(self) -> str:
        return self.tag.name

    @property
    def start(self) -> int:
        return self.tag.start

    @property
    def end(self) -> int:
        """Offset after the end tag (or the start tag, for an empty or unclosed element)."""
        return self.close.end if self.close is not None else self.tag.end

    def walk(self) -> Iterator[Element]:
        stack = [self]
        while stack:
            element = stack.pop()
            yield element
            stack.extend(reversed(element.children))


@dataclass(eq=False, slots=True)
class Markup:
    """Everything the scan found in one text."""

    text: str
    tags: list[Tag]
    roots: list[Element]
    _starts: list[int]
    _by_start: dict[int, Element]

    def tag_at(self, offset: int) -> Tag | None:
        """The tag or comment whose text holds ``offset`` (its end counts for an open tag)."""
        index = bisect.bisect_right(self._starts, offset) - 1
        if index < 0:
            return None
        tag = self.tags[index]
        inside = offset < tag.end or (offset == tag.end and not tag.closed)
        return tag if inside and offset > tag.start else None

    def element_at_start(self, offset: int) -> Element | None:
        """The element whose start tag begins at ``offset``."""
        return self._by_start.get(offset)

    def elements(self) -> Iterator[Element]:
        for root in self.roots:
            yield from root.walk()

    def open_at(self, offset: int) -> Element | None:
        """The innermost element whose content holds ``offset`` (between its tags)."""
        found: Element | None = None
        candidates = self.roots
        while True:
            inner = next(
                (
                    e
                    for e in candidates
                    if e.tag.closed
                    and not e.tag.empty
                    and e.tag.end <= offset
                    and (e.close is None or offset <= e.close.start)
                ),
                None,
            )
            if inner is None:
                return found
            found, candidates = inner, inner.children

    @property
    def root_name(self) -> str | None:
        """The name of the first start tag (None while there is none)."""
        return next((t.name for t in self.tags if t.kind == "start"), None)


def _attrs(body: str, at: int) -> list[Attr]:
    out: list[Attr] = []
    for found in _ATTR.finditer(body):
        start = at + found.start(1)
        raw = found.group(3)
        if raw is None:
            end = at + found.end(1)
            out.append(Attr(found.group(1), start, end, None, end, end))
            continue
        quoted = raw[:1] in ("'", '"')
        value_start = at + found.start(3) + (1 if quoted else 0)
        closes = quoted and len(raw) > 1 and raw[-1] == raw[0]
        value = raw[1:-1] if closes else raw[1:] if quoted else raw
        value_end = value_start + len(value)
        out.append(Attr(found.group(1), start, at + found.end(3), value, value_start, value_end))
    return out


def _tag(text: str, found: re.Match[str]) -> Tag | None:
    """The tag or comment of one token match (None for a PI, CDATA or doctype)."""
    if found.group("comment") is not None:
        closed = found.group("comment").endswith("-->") and found.end() - found.start() >= 7
        return Tag("comment", "", found.start(), found.end(), closed)
    if found.group("close") is not None:
        closed = text.endswith(">", 0, found.end())
        return Tag("end", found.group("close"), found.start(), found.end(), closed)
    if found.group("open") is not None:
        end = found.group("end")
        attrs = _attrs(found.group("body"), found.start("body"))
        return Tag(
            "start", found.group("open"), found.start(), found.end(), end is not None,
            end == "/>", attrs,
        )  # fmt: skip
    return None


def root_name(text: str) -> str | None:
    """The name of the first start tag (None while there is none), reading no further."""
    for found in _TOKEN.finditer(text):
        if found.group("open") is not None:
            return found.group("open")
    return None


def tag_around(text: str, offset: int) -> Tag | None:
    """The tag holding ``offset``, read from the nearest ``<`` before it (no whole scan)."""
    start = text.rfind("<", 0, offset + 1)
    found = _TOKEN.match(text, start) if start >= 0 else None
    tag = _tag(text, found) if found is not None else None
    if tag is None or not (tag.start <= offset < tag.end or offset == tag.end == len(text)):
        return None
    return tag


def scan(text: str) -> Markup:
    """Every tag of ``text`` and the elements they make, however broken the text is."""
    tags = [t for t in (_tag(text, found) for found in _TOKEN.finditer(text)) if t is not None]
    roots: list[Element] = []
    stack: list[Element] = []
    by_start: dict[int, Element] = {}
    for tag in tags:
        if tag.kind == "start":
            element = Element(tag, stack[-1] if stack else None)
            by_start[tag.start] = element
            (stack[-1].children if stack else roots).append(element)
            if tag.closed and not tag.empty:
                stack.append(element)
        elif tag.kind == "end":
            for depth in range(len(stack) - 1, -1, -1):
                if stack[depth].name == tag.name:
                    stack[depth].close = tag
                    del stack[depth:]
                    break
    return Markup(text, tags, roots, [t.start for t in tags], by_start)


def token_end(text: str, offset: int) -> int:
    """End of the word at ``offset`` (for a range around a parse error): up to a space or
    markup character, at least one character when there is one."""
    end = offset
    while end < len(text) and not text[end].isspace() and (end == offset or text[end] not in "<>"):
        end += 1
    return end


def line_indent(text: str, offset: int) -> str:
    """The whitespace that starts the line holding ``offset``."""
    start = max(text.rfind("\n", 0, offset), text.rfind("\r", 0, offset)) + 1
    found = _INDENT.match(text, start)
    return found.group(0) if found is not None else ""
