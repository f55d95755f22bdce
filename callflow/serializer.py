"""Model -> XML text: canonical names, declaration-order attributes, correct escaping.

Written by hand rather than through lxml because it is on the builder's hot path and the
output shape is fixed: every element on its own line when ``pretty``, text inline.
"""

from __future__ import annotations

from callflow import model as m

DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>'
"""The XML declaration every written document starts with (the builder writes the same)."""
INDENT = "  "
"""One level of indentation of pretty output (the builder writes the same)."""

# CR is escaped in text too: an XML parser turns a literal CR (or CRLF) into LF.
_TEXT_ESCAPES = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;"})
_ATTR_ESCAPES = str.maketrans(
    {"&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "\n": "&#10;", "\r": "&#13;",
     "\t": "&#9;"}
)  # fmt: skip


def escape_text(text: str) -> str:
    # Most text needs no escape: four substring scans in C cost a twentieth of a translate.
    if "&" in text or "<" in text or ">" in text or "\r" in text:
        return text.translate(_TEXT_ESCAPES)
    return text


def escape_attr(text: str) -> str:
    if (
        "&" in text or "<" in text or ">" in text or '"' in text
        or "\n" in text or "\r" in text or "\t" in text
    ):  # fmt: skip
        return text.translate(_ATTR_ESCAPES)
    return text


_XSI = 'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"'


def _attributes(node: m.Node, xsi_declared: bool) -> str:
    out = []
    located = isinstance(node, m.Response) and node.schema_location is not None
    if (located or node.xsi) and not xsi_declared:
        out.append(f" {_XSI}")
    if located:
        out.append(f' xsi:noNamespaceSchemaLocation="{escape_attr(node.schema_location)}"')  # type: ignore[attr-defined]
    for local, value in node.xsi:
        out.append(f' xsi:{local}="{escape_attr(value)}"')
    for name, spec, value in node.attr_values():
        if value is None:
            continue
        if value == spec.default and name not in node.given and not spec.required:
            continue
        out.append(f' {spec.xml}="{escape_attr(spec.type.format(value))}"')
    return "".join(out)


def _content(node: m.Node) -> str | None:
    content = getattr(node, "content", None)
    return escape_text(content) if content else None


def markup(comment: m.Comment) -> str:
    """A comment or processing instruction as written."""
    if isinstance(comment, m.Instruction):
        return f"<?{comment.target}{' ' if comment.text else ''}{comment.text}?>"
    return f"<!--{comment.text}-->"


def _put(comment: m.Comment, out: list[str], pad: str, nl: str) -> None:
    """A comment on a line of its own, or, when it was written after other markup on its
    line, at the end of the line before (lint reads such a comment as covering that line)."""
    if comment.inline and nl and out and out[-1].endswith(nl):
        out[-1] = f"{out[-1][: -len(nl)]} {markup(comment)}{nl}"
    else:
        out.append(f"{pad}{markup(comment)}{nl}")


def _in_text(node: m.Node) -> int:
    """How many of ``node``'s first children are comments written in its text: those before
    its first element child, in a Say, Play, To or Meta (as the parser reads them)."""
    if not m.text_comments(type(node)):
        return 0
    count = 0
    for child in node.children:
        if not isinstance(child, m.Comment):
            break
        count += 1
    return count


def _text_with_comments(node: m.Node, comments: tuple[m.Node, ...], pad: str, pretty: bool) -> str:
    """The text of ``node`` with the comments that sit in it in place (``Comment.at``; one
    built in Python goes at the end).

    A comment that began a line stays at the start of one: where the text around it had the
    line break it is written as it was, and at either end of the text (where white space is
    not part of the content) a line break and indentation are added.
    """
    content: str = getattr(node, "content", None) or ""
    pieces: list[str] = []
    line_blank = False  # the start tag is on the current line
    last = 0
    for child in comments:
        assert isinstance(child, m.Comment)
        at = len(content) if child.at is None else min(max(child.at, last), len(content))
        piece = content[last:at]
        if piece:
            pieces.append(escape_text(piece))
            tail = piece.rsplit("\n", 1)
            line_blank = (line_blank if len(tail) == 1 else True) and not tail[-1].strip()
        if not child.inline and not line_blank and pretty:
            pieces.append(f"\n{pad}{INDENT}")
        pieces.append(markup(child))
        line_blank = False
        last = at
    pieces.append(escape_text(content[last:]))
    return "".join(pieces)


def _write(node: m.Node, out: list[str], depth: int, pretty: bool, xsi: bool = False) -> None:
    pad = INDENT * depth if pretty else ""
    nl = "\n" if pretty else ""
    head = f"{pad}<{node.TAG}{_attributes(node, xsi)}"
    xsi = xsi or bool(node.xsi) or getattr(node, "schema_location", None) is not None
    children = node.children
    in_text = _in_text(node) if children else 0
    if in_text:
        text: str | None = _text_with_comments(node, children[:in_text], pad, pretty)
        children = children[in_text:]
    else:
        text = _content(node)
    if not children:
        out.append(f"{head}>{text}</{node.TAG}>{nl}" if text else f"{head}/>{nl}")
        return
    out.append(f"{head}>{text or ''}{nl}")
    inner = pad + INDENT if pretty else ""
    for child in children:
        if isinstance(child, m.Comment):
            _put(child, out, inner, nl)
        else:
            _write(child, out, depth + 1, pretty, xsi)
    out.append(f"{pad}</{node.TAG}>{nl}")


def to_xml(node: m.Node, *, pretty: bool = True, declaration: bool = True) -> str:
    """Serialise a model (normally a ``Response``) as canonical Opentact XML."""
    out: list[str] = []
    nl = "\n" if pretty else ""
    if declaration:
        out.append(DECLARATION + nl)
    if isinstance(node, m.Comment):
        _put(node, out, "", nl)
        return "".join(out)
    if isinstance(node, m.Response):
        for comment in node.leading:
            _put(comment, out, "", nl)
    _write(node, out, 0, pretty)
    if isinstance(node, m.Response):
        for comment in node.trailing:
            _put(comment, out, "", nl)
    return "".join(out)
