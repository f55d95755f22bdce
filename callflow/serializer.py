"""Model -> XML text: canonical names, declaration-order attributes, correct escaping.

Written by hand rather than through lxml because it is on the builder's hot path and the
output shape is fixed: every element on its own line when ``pretty``, text inline.
"""

from __future__ import annotations

from callflow import model as m

_DECLARATION = '<?xml version="1.0" encoding="UTF-8"?>'
_INDENT = "  "

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


def _attributes(node: m.Node) -> str:
    out = []
    if isinstance(node, m.Response) and node.schema_location is not None:
        out.append(f' {_XSI} xsi:noNamespaceSchemaLocation="{escape_attr(node.schema_location)}"')
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


def _write(node: m.Node, out: list[str], depth: int, pretty: bool) -> None:
    pad = _INDENT * depth if pretty else ""
    nl = "\n" if pretty else ""
    if isinstance(node, m.Comment):
        out.append(f"{pad}<!--{node.text}-->{nl}")
        return
    head = f"{pad}<{node.TAG}{_attributes(node)}"
    text = _content(node)
    if not node.children:
        out.append(f"{head}>{text}</{node.TAG}>{nl}" if text is not None else f"{head}/>{nl}")
        return
    out.append(f"{head}>{text or ''}{nl}")
    for child in node.children:
        _write(child, out, depth + 1, pretty)
    out.append(f"{pad}</{node.TAG}>{nl}")


def to_xml(node: m.Node, *, pretty: bool = True, declaration: bool = True) -> str:
    """Serialise a model (normally a ``Response``) as canonical Opentact XML."""
    out: list[str] = []
    nl = "\n" if pretty else ""
    if declaration:
        out.append(_DECLARATION + nl)
    if isinstance(node, m.Response):
        out.extend(f"<!--{c.text}-->{nl}" for c in node.leading)
    _write(node, out, 0, pretty)
    if isinstance(node, m.Response):
        out.extend(f"<!--{c.text}-->{nl}" for c in node.trailing)
    return "".join(out)
