"""Placeholders in call flows: ``{name}`` in text and attribute values, filled per recipient.

A *template* is a call flow document whose text content and attribute values may hold
placeholders. The rules, stated once here (docs/campaign.md repeats them for users):

- A placeholder is ``{name}`` with ``name`` an ASCII identifier (``[A-Za-z_][A-Za-z0-9_]*``).
  ``{{`` and ``}}`` stand for literal braces. Any other brace is literal as written (so JSON in
  a ``Meta`` value needs no escaping); a brace pair that looks like a mistyped placeholder
  (``{first name}``, ``{ name }``) gets a warning (CP004).
- Placeholders count in element text, CDATA and attribute values; comments, the XML
  declaration and processing instructions are left exactly as written. A placeholder in an
  element or attribute *name* is an error (CP003): no value can go there.
- **An XML template is rendered as text, then parsed**: each value is escaped for the place
  it goes (attribute values: ``&<>"`` and tab/CR/LF as character references, ``'`` too in a
  single-quoted attribute; text: ``&<>`` and CR/LF as character references; in CDATA the
  section is closed around the value). A value can therefore never change the document's
  structure, and since line breaks become character references, a rendered document has the
  template's line numbers: every finding about it points at the template's line. A value
  holding a character XML 1.0 cannot carry (most C0 controls, U+FFFE/U+FFFF, lone
  surrogates) is an error (CP005).
- Whitespace: attribute values keep the value exactly. Element text is stripped at both ends
  by the parser (``str.strip``, as for every flow), so a value with surrounding whitespace that
  makes up a whole element text is spoken without it.
- A model built in Python is rendered model-level (``render_model``): every string attribute
  and every element text is substituted, the attribute re-checked by its type, element text
  stripped as the parser would. Numeric and list attributes cannot hold placeholders in a
  model (the builder refuses ``timeout="{t}"``); write such templates as XML.

``callflow lint`` runs on a template as written: a placeholder where the grammar wants a
number fails the schema there, so ``template_hint`` adds a hint saying to lint the rendered
documents (``callflow render`` / ``callflow campaign`` lint every one).
"""

from __future__ import annotations

import bisect
import dataclasses
import re
from collections.abc import Mapping
from typing import Any, Literal

from callflow import model as m
from callflow import positions
from callflow.diagnostics import Finding, RuleInfo
from callflow.frozen import record
from callflow.lazyre import lazy_compile
from callflow.serializer import escape_attr, escape_text
from callflow.types import NOT_XML_CHAR

MISSING_VALUE = RuleInfo(
    "CP001", "missing-value", "error", "A placeholder has no value for this recipient."
)
UNUSED_COLUMN = RuleInfo(
    "CP002", "unused-column", "warning", "A recipients column no placeholder of the flow uses."
)
MISPLACED_PLACEHOLDER = RuleInfo(
    "CP003", "misplaced-placeholder", "error", "A placeholder where no value can go (a name)."
)
NEAR_PLACEHOLDER = RuleInfo(
    "CP004", "near-placeholder", "warning", "Braces that look like a mistyped placeholder."
)
BAD_CHARACTER = RuleInfo(
    "CP005", "bad-character", "error", "A value holds a character XML cannot carry."
)
RULES: tuple[RuleInfo, ...] = (
    MISSING_VALUE,
    UNUSED_COLUMN,
    MISPLACED_PLACEHOLDER,
    NEAR_PLACEHOLDER,
    BAD_CHARACTER,
)

NAME = lazy_compile(r"[A-Za-z_][A-Za-z0-9_]*")
_PLACEHOLDER = lazy_compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
_BRACES = lazy_compile(r"\{\{|\}\}|\{([A-Za-z_][A-Za-z0-9_]*)\}|(\{\s*[A-Za-z_][\w .-]*\})")
"""In a value: an escaped brace, a placeholder, or something that looks like a mistyped one."""
_XML_CHAR = NOT_XML_CHAR
"""A character XML 1.0 cannot hold, not even as a character reference."""

_MARKUP = lazy_compile(
    r"(?P<skip><!--.*?-->|<\?.*?\?>|<!DOCTYPE(?:[^\[>]|\[.*?\])*>)"
    r"|<!\[CDATA\[(?P<cdata>.*?)\]\]>"
    r"|(?P<open><(?P<end>/)?(?P<tag>[^\s/>]+))",
    re.S,
)
_ATTRIBUTE = lazy_compile(r"""\s+([^\s=/>]+)\s*=\s*(?:"([^"]*)"|'([^']*)')""")
_TAG_END = lazy_compile(r"\s*(/?)>")

Context = Literal["text", "cdata", "attr", "attr'"]
"""Where a placeholder sits: element text, CDATA, a double- or single-quoted attribute."""


@record
class Placeholder:
    """One ``{name}`` in a template: where it is and what it fills."""

    name: str
    line: int
    col: int
    element: str
    attribute: str | None
    """The attribute it sits in; None for element text."""
    context: Context

    def where(self) -> str:
        """``Gather timeout`` (an attribute) or ``text of Say``: for messages."""
        return f"{self.element} {self.attribute}" if self.attribute else f"text of {self.element}"


class RenderError(ValueError):
    """Values that cannot fill a template: (placeholder, rule, message) for each problem."""

    def __init__(self, problems: list[tuple[Placeholder, RuleInfo, str]]) -> None:
        self.problems = problems
        super().__init__("; ".join(message for _, _, message in problems))


# ---- escaping -----------------------------------------------------------------------------


def escape(value: str) -> str:
    """``value`` as template text that renders back to itself: braces doubled."""
    return value.replace("{", "{{").replace("}", "}}")


def _text(value: str) -> str:
    out = escape_text(value)
    return out.replace("\n", "&#10;") if "\n" in out else out


def _cdata(value: str) -> str:
    return "]]>" + _text(value) + "<![CDATA["


def _attr_double(value: str) -> str:
    return escape_attr(value)


def _attr_single(value: str) -> str:
    out = escape_attr(value)
    return out.replace("'", "&apos;") if "'" in out else out


_ESCAPERS = {"text": _text, "cdata": _cdata, "attr": _attr_double, "attr'": _attr_single}


# ---- the template --------------------------------------------------------------------------


class _Slot:
    __slots__ = ("escape", "placeholder")

    def __init__(self, placeholder: Placeholder) -> None:
        self.placeholder = placeholder
        self.escape = _ESCAPERS[placeholder.context]


@record
class _Piece:
    """A stretch of the template: literal text, or a placeholder (template offsets)."""

    start: int
    end: int
    literal: str | None
    slot: _Slot | None


class Template:
    """An XML call flow with placeholders, compiled once and rendered per recipient.

    ``findings`` are about the template itself (CP003, CP004), whatever the values.
    """

    def __init__(self, text: str, file: str | None = None) -> None:
        self.text = text
        self.file = file
        self._starts = positions.line_starts(text)
        self.findings: list[Finding] = []
        pieces: list[_Piece] = []
        self._scan(pieces)
        self._pieces = tuple(pieces)
        self._parts: tuple[str | _Slot, ...] = tuple(
            p.slot if p.slot is not None else p.literal or "" for p in pieces
        )
        self.placeholders: tuple[Placeholder, ...] = tuple(
            p.slot.placeholder for p in pieces if p.slot is not None
        )
        self.names: frozenset[str] = frozenset(p.name for p in self.placeholders)

    # ---- compiling ---------------------------------------------------------------------------

    def line_col(self, offset: int) -> tuple[int, int]:
        starts = self._starts
        line = bisect.bisect_right(starts, offset)
        return line, offset - starts[line - 1] + 1

    def _finding(self, info: RuleInfo, message: str, offset: int, hint: str | None = None) -> None:
        line, col = self.line_col(offset)
        self.findings.append(Finding(info.code, info.severity, message, self.file, line, col, hint))

    def _scan(self, pieces: list[_Piece]) -> None:
        """Cut the template into markup (copied as written) and values (where placeholders
        count): element text, CDATA bodies, attribute values."""
        text = self.text
        stack: list[str] = []  # open elements, for the name in messages
        cursor = 0  # where the text not yet cut into pieces starts
        for found in _MARKUP.finditer(text):
            if found.start() < cursor:
                continue  # a match inside a tag already read
            self._value(pieces, cursor, found.start(), stack[-1] if stack else "", None, "text")
            if found.group("skip") is not None:
                self._value(pieces, found.start(), found.end(), "", None, None)
            elif found.group("cdata") is not None:
                body, body_end = found.start("cdata"), found.end("cdata")
                self._value(pieces, found.start(), body, "", None, None)
                self._value(pieces, body, body_end, stack[-1] if stack else "", None, "cdata")
                self._value(pieces, body_end, found.end(), "", None, None)
            else:
                cursor = self._tag(pieces, found, stack)
                continue
            cursor = found.end()
        self._value(pieces, cursor, len(text), stack[-1] if stack else "", None, "text")

    def _tag(self, pieces: list[_Piece], found: re.Match[str], stack: list[str]) -> int:
        """A start or end tag: its attribute values are values, the rest is markup. Returns
        where the tag ends."""
        text, tag, cursor = self.text, found.group("tag"), found.start()
        if "{" in tag:
            message = f"braces in the element name {tag}: no value can go in a name"
            self._finding(MISPLACED_PLACEHOLDER, message, found.start("tag"))
        at = found.end()
        while not found.group("end") and (attr := _ATTRIBUTE.match(text, at)) is not None:
            name = attr.group(1)
            if "{" in name:
                message = f"braces in the attribute name {name}: no value can go in a name"
                self._finding(MISPLACED_PLACEHOLDER, message, attr.start(1))
            quoted = 2 if attr.group(2) is not None else 3
            context: Context = "attr" if quoted == 2 else "attr'"
            self._value(pieces, cursor, attr.start(quoted), "", None, None)
            self._value(pieces, attr.start(quoted), attr.end(quoted), tag, name, context)
            cursor = attr.end(quoted)
            at = attr.end()
        close = _TAG_END.match(text, at)
        end = close.end() if close is not None else at
        self._value(pieces, cursor, end, "", None, None)
        if found.group("end"):
            if stack:
                stack.pop()
        elif close is not None and not close.group(1):
            stack.append(tag)
        return end

    def _value(
        self,
        pieces: list[_Piece],
        start: int,
        end: int,
        element: str,
        attribute: str | None,
        context: Context | None,
    ) -> None:
        """Split ``text[start:end]`` into literal pieces and placeholders (``context`` None:
        markup, copied as it is)."""
        if start >= end:
            return
        text = self.text
        if context is None or ("{" not in text[start:end] and "}}" not in text[start:end]):
            self._append(pieces, start, end, text[start:end])
            return
        cursor = start
        for found in _BRACES.finditer(text, start, end):
            name, near = found.group(1), found.group(2)
            if near is not None:
                hint = "a placeholder is {name} with name a letter or _ then letters, digits, _;"
                hint += " write {{ and }} for literal braces"
                self._finding(
                    NEAR_PLACEHOLDER,
                    f"{near} is not a placeholder and stays as written",
                    found.start(),
                    hint,
                )
                continue
            self._append(pieces, cursor, found.start(), text[cursor : found.start()])
            if name is None:  # {{ or }}
                self._append(pieces, found.start(), found.end(), found.group()[0])
            else:
                line, col = self.line_col(found.start())
                holder = Placeholder(name, line, col, element, attribute, context)
                pieces.append(_Piece(found.start(), found.end(), None, _Slot(holder)))
            cursor = found.end()
        self._append(pieces, cursor, end, text[cursor:end])

    @staticmethod
    def _append(pieces: list[_Piece], start: int, end: int, literal: str) -> None:
        if start >= end:
            return
        last = pieces[-1] if pieces else None
        if last is not None and last.literal is not None and last.end == start:
            pieces[-1] = _Piece(last.start, end, last.literal + literal, None)
        else:
            pieces.append(_Piece(start, end, literal, None))

    # ---- rendering -----------------------------------------------------------------------

    def problems(self, values: Mapping[str, str]) -> list[tuple[Placeholder, RuleInfo, str]]:
        """What stops ``values`` filling this template: missing values, characters XML
        cannot carry (each placeholder once per name: the first place it is used)."""
        out: list[tuple[Placeholder, RuleInfo, str]] = []
        seen: set[str] = set()
        for holder in self.placeholders:
            if holder.name in seen:
                continue
            seen.add(holder.name)
            value = values.get(holder.name)
            if value is None:
                out.append(
                    (holder, MISSING_VALUE, f"no value for {{{holder.name}}} ({holder.where()})")
                )
                continue
            bad = _XML_CHAR.search(value)
            if bad is not None:
                code = f"U+{ord(bad.group()):04X}"
                out.append(
                    (
                        holder,
                        BAD_CHARACTER,
                        f"the value of {{{holder.name}}} holds {code}, which XML cannot carry",
                    )
                )
        return out

    def render(self, values: Mapping[str, str]) -> str:
        """The document for ``values``; ``RenderError`` when a value is missing or bad."""
        out: list[str] = []
        append = out.append
        bad = _XML_CHAR.search
        for part in self._parts:
            if isinstance(part, str):
                append(part)
                continue
            value = values.get(part.placeholder.name)
            if value is None or bad(value) is not None:
                raise RenderError(self.problems(values))
            append(part.escape(value))
        return "".join(out)

    def locate(self, values: Mapping[str, str], line: int, col: int) -> tuple[int, int]:
        """The template's line and column for a line and column of ``render(values)``
        (a position inside a value maps to its placeholder)."""
        rendered = self.render(values)
        starts = positions.line_starts(rendered)
        if not 0 < line <= len(starts):
            return line, col
        offset = starts[line - 1] + col - 1
        cursor = 0
        for piece in self._pieces:
            if piece.literal is not None:
                length = len(piece.literal)
                if offset < cursor + length:
                    return self.line_col(
                        piece.start + min(offset - cursor, piece.end - piece.start - 1)
                    )
            else:
                assert piece.slot is not None
                length = len(piece.slot.escape(values[piece.slot.placeholder.name]))
                if offset < cursor + length:
                    return self.line_col(piece.start)
            cursor += length
        return self.line_col(len(self.text))


def find(text: str) -> tuple[Placeholder, ...]:
    """Every placeholder of an XML template, in source order."""
    return Template(text).placeholders


def render(text: str, values: Mapping[str, str], file: str | None = None) -> str:
    """Fill an XML template once (``Template(text).render(values)``)."""
    return Template(text, file).render(values)


# ---- model-level rendering ----------------------------------------------------------------


def _fill(raw: str, values: Mapping[str, str], node: m.Node, where: str | None) -> str:
    """``raw`` with its placeholders filled; ``RenderError`` for a missing or bad value."""
    problems: list[tuple[Placeholder, RuleInfo, str]] = []

    def one(found: re.Match[str]) -> str:
        token, name = found.group(), found.group(1)
        if token in ("{{", "}}"):
            return token[0]
        if name is None:
            return token
        line, col = (node.pos.line, node.pos.col) if node.pos is not None else (1, 1)
        holder = Placeholder(name, line, col, node.TAG, where, "attr" if where else "text")
        value = values.get(name)
        if value is None:
            problems.append((holder, MISSING_VALUE, f"no value for {{{name}}} ({holder.where()})"))
            return token
        bad = _XML_CHAR.search(value)
        if bad is not None:
            message = f"the value of {{{name}}} holds U+{ord(bad.group()):04X}, which XML"
            problems.append((holder, BAD_CHARACTER, f"{message} cannot carry"))
        return value

    filled = _BRACES.sub(one, raw)
    if problems:
        raise RenderError(problems)
    return filled


def _render_node(node: m.Node, values: Mapping[str, str]) -> m.Node:
    changes: dict[str, Any] = {}
    if not isinstance(node, m.Comment):
        for name, spec, value in node.attr_values():
            if isinstance(value, str) and ("{" in value or "}" in value):
                filled = _fill(value, values, node, spec.xml)
                try:
                    changes[name] = spec.type.parse(filled)
                except ValueError as exc:
                    raise ValueError(f"{node.TAG} {spec.xml}: {exc}") from None
        content = getattr(node, "content", None)
        if isinstance(content, str) and ("{" in content or "}" in content):
            text = _fill(content, values, node, None).strip()  # as the parser reads text
            if node.CONTENT_TYPE is not None:
                try:
                    text = node.CONTENT_TYPE.parse(text)
                except ValueError as exc:
                    raise ValueError(f"{node.TAG} text: {exc}") from None
            changes["content"] = text if text or isinstance(node, m.To) else None
    children = tuple([_render_node(child, values) for child in node.children])
    if any(new is not old for new, old in zip(children, node.children, strict=True)):
        changes["children"] = children
    return dataclasses.replace(node, **changes) if changes else node


def render_model(model: m.Response, values: Mapping[str, str]) -> m.Response:
    """Fill a model's placeholders (string attributes and element text, comments left alone).

    ``RenderError`` names a missing value; ``ValueError`` a value its attribute's type refuses.
    Rules across elements are the linter's: lint the result (``callflow.lint(model)``).
    """
    rendered = _render_node(model, values)
    assert isinstance(rendered, m.Response)
    return rendered


# ---- lint on a template as written ----------------------------------------------------------

TEMPLATE_HINT = (
    "this looks like a template: lint it with `callflow render` or `callflow campaign`, which"
    " check each rendered document"
)


def template_hint(findings: list[Finding], text: str) -> list[Finding]:
    """Findings about a document that holds placeholders, an error whose message quotes a
    placeholder hinted that the document is a template (``callflow lint`` on a template)."""
    if "{" not in text or _PLACEHOLDER.search(text) is None:
        return findings
    return [
        dataclasses.replace(f, hint=TEMPLATE_HINT)
        if f.severity == "error" and _PLACEHOLDER.search(f.message) is not None
        else f
        for f in findings
    ]
