"""Hypothesis strategies for Opentact call flows, derived from the grammar tables.

Nothing here restates the grammar: which children an element may hold comes from
``callflow.grammar.allowed_children``, which attributes it has and their value types from
``Node.attr_specs()``, and attribute values are drawn from each type's own pattern.

Use from any test module (pytest puts ``tests/`` on the path)::

    from strategies import valid_models, valid_documents, mutated_documents

- ``valid_models()``: random ``Response`` models that the grammar (the XSD) accepts. They are
  schema-valid, not lint-clean: a ``Say`` may have no text, a ``Play`` two sources.
- ``valid_documents()``: those models serialised (pretty or compact) as XML text.
- ``mutated_documents()``: valid documents broken in random ways, as bytes.
"""

from __future__ import annotations

import copy
import dataclasses
import re
from collections.abc import Callable
from functools import cache
from typing import Any

from hypothesis import strategies as st
from lxml import etree

from callflow import grammar as g
from callflow import model as m
from callflow import types as t
from callflow.serializer import to_xml

__all__ = [
    "attr_values",
    "comment_text",
    "content_text",
    "mutated_documents",
    "nodes",
    "raw_values",
    "valid_documents",
    "valid_models",
    "xml_chars",
    "xml_text",
]

# ---- characters and text -------------------------------------------------------------------


def is_xml_char(c: str) -> bool:
    """XML 1.0 ``Char``: what may appear in a document at all (even escaped)."""
    o = ord(c)
    return c in "\t\n\r" or 0x20 <= o <= 0xD7FF or 0xE000 <= o <= 0xFFFD or o >= 0x10000


_NOT_XML = "".join(chr(c) for c in range(0x20) if chr(c) not in "\t\n\r") + "\ufffe\uffff"


@cache
def xml_chars(exclude: str = "") -> st.SearchStrategy[str]:
    """Single characters legal in XML 1.0 (all planes), minus ``exclude``.

    One plain ``characters`` strategy (not a filter) so ``from_regex`` accepts it as alphabet.
    """
    return st.characters(codec="utf-8", exclude_characters=_NOT_XML + exclude)


def xml_text(min_size: int = 0, max_size: int = 30) -> st.SearchStrategy[str]:
    """Any XML-legal text, including whitespace, markup characters and astral characters."""
    return st.text(xml_chars(), min_size=min_size, max_size=max_size)


@cache
def content_text() -> st.SearchStrategy[str]:
    """Element text as the parser returns it: non-empty and already stripped."""
    return xml_text(min_size=1).map(str.strip).filter(bool)


@cache
def comment_text() -> st.SearchStrategy[str]:
    """Text a comment can hold: no ``--``, no trailing ``-``, no CR (XML turns it into LF)."""
    return st.text(xml_chars(exclude="\r"), max_size=20).filter(
        lambda s: "--" not in s and not s.endswith("-")
    )


@cache
def comments() -> st.SearchStrategy[m.Comment]:
    return st.builds(m.Comment, text=comment_text())


# ---- attribute values ----------------------------------------------------------------------


def _accepts(ty: t.AttrType) -> Callable[[str], bool]:
    def ok(raw: str) -> bool:
        try:
            ty.parse(raw)
        except ValueError:
            return False
        return True

    return ok


@cache
def raw_values(ty: t.AttrType) -> st.SearchStrategy[str]:
    """XML text that ``ty`` accepts, drawn from the type's own pattern."""
    pattern = re.compile(ty.pattern, re.ASCII)
    return st.from_regex(pattern, fullmatch=True, alphabet=xml_chars()).filter(_accepts(ty))


@cache
def attr_values(ty: t.AttrType) -> st.SearchStrategy[Any]:
    """Python values of ``ty`` (ints, bools, tuples, strings), as the parser makes them."""
    return raw_values(ty).map(ty.parse)


# ---- models --------------------------------------------------------------------------------


def _field_default(cls: type[m.Node], name: str) -> Any:
    for f in dataclasses.fields(cls):
        if f.name == name:
            return f.default
    raise KeyError(name)


def _has_content(cls: type[m.Node]) -> bool:
    return any(f.name == "content" for f in dataclasses.fields(cls))


def _content(cls: type[m.Node]) -> st.SearchStrategy[str | None]:
    """Content of a text or mixed element; required where the field has no None default."""
    text = (
        raw_values(cls.CONTENT_TYPE).filter(lambda s: s == s.strip() and s != "")
        if cls.CONTENT_TYPE is not None
        else content_text()
    )
    if _field_default(cls, "content") is None:
        return st.none() | text
    return text


@st.composite
def nodes(
    draw: st.DrawFn, cls: type[m.Node], depth: int = 0, max_depth: int = 3, max_children: int = 4
) -> m.Node:
    """One element of class ``cls`` with random attributes, content and allowed children."""
    kwargs: dict[str, Any] = {}
    for name, spec in cls.attr_specs().items():
        if spec.required or draw(st.booleans()):
            kwargs[name] = draw(attr_values(spec.type))
    if _has_content(cls):
        content = draw(_content(cls))
        if content is not None:
            kwargs["content"] = content
    kinds: list[type[m.Node]] = [*g.allowed_children(cls), m.Comment]
    limit = max_children if depth < max_depth else 0
    children: list[m.Node] = []
    for kind in draw(st.lists(st.sampled_from(kinds), max_size=limit)):
        if kind is m.Comment:
            children.append(draw(comments()))
        else:
            children.append(draw(nodes(kind, depth + 1, max_depth, max_children)))
    # ``given`` only decides whether a default value is written out; equality ignores it.
    given = frozenset(k for k in kwargs if k != "content" and draw(st.booleans()))
    return cls(children=tuple(children), given=given, **kwargs)


@st.composite
def valid_models(draw: st.DrawFn, max_depth: int = 3, max_children: int = 4) -> m.Response:
    """A random ``Response`` that the XSD accepts (schema-valid, not necessarily lint-clean)."""
    root = draw(nodes(m.Response, 0, max_depth, max_children))
    assert isinstance(root, m.Response)
    leading = tuple(draw(st.lists(comments(), max_size=2)))
    trailing = tuple(draw(st.lists(comments(), max_size=2)))
    return dataclasses.replace(root, leading=leading, trailing=trailing)


def valid_documents(max_depth: int = 3, max_children: int = 4) -> st.SearchStrategy[str]:
    """XML text of a valid model, pretty or compact, with or without a declaration."""
    return st.builds(
        lambda model, pretty, decl: to_xml(model, pretty=pretty, declaration=decl),
        valid_models(max_depth, max_children),
        st.booleans(),
        st.booleans(),
    )


# ---- mutations -----------------------------------------------------------------------------

_SAFE = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)
_XSI_TYPE = "{http://www.w3.org/2001/XMLSchema-instance}type"

_NAMES: list[str] = sorted(
    {*g.ELEMENTS, "Speak", "Number", "Redirect", "say", "RESPONSE", "Response", "dtmf"}
)
_ATTR_NAMES: list[str] = sorted(
    {a for rule in g.ELEMENTS.values() for a in rule.attrs} | {"voice", "action", "Tag", "URL"}
)
_XML_NAME = st.from_regex(r"[A-Za-z_][A-Za-z0-9_.-]{0,8}", fullmatch=True)
_GARBAGE: list[bytes] = [
    b"<", b">", b"&", b"&amp", b"&bogus;", b"&#0;", b"&#xD800;", b"]]>", b"<!--", b"-->",
    b"<![CDATA[", b"<?pi x?>", b"<?xml version='1.0'?>", b'<!DOCTYPE r [<!ENTITY a "b">]>',
    b"<Say>", b"</Say>", b"</Response>", b"<Response>", b'="', b"'", b"\x00", b"\xff\xfe",
    b"\xef\xbb\xbf", b"\xc3", b"\r", b"\n" * 3, b"<x:y xmlns:x='urn:x'/>", b"<Gather><DTMF>",
]  # fmt: skip

Mutator = Callable[[st.DrawFn, bytes], bytes]


def _elements(root: Any) -> list[Any]:
    return [el for el in root.iter() if isinstance(el.tag, str)]


def _tree_mutation(change: Callable[[st.DrawFn, Any, list[Any]], None]) -> Mutator:
    """Lift a change of an lxml tree into a byte mutation (unparsable input is left alone)."""

    def mutate(draw: st.DrawFn, data: bytes) -> bytes:
        try:
            root = etree.fromstring(data, _SAFE)
        except etree.XMLSyntaxError:
            return data
        change(draw, root, _elements(root))
        return bytes(etree.tostring(root.getroottree(), encoding="UTF-8"))

    return mutate


def _pick(draw: st.DrawFn, items: list[Any]) -> Any:
    return items[draw(st.integers(0, len(items) - 1))]


def _drop(draw: st.DrawFn, root: Any, els: list[Any]) -> None:
    if len(els) > 1:
        el = _pick(draw, els[1:])
        el.getparent().remove(el)


def _duplicate(draw: st.DrawFn, root: Any, els: list[Any]) -> None:
    if len(els) > 1:
        el = _pick(draw, els[1:])
        el.addnext(copy.deepcopy(el))


def _move(draw: st.DrawFn, root: Any, els: list[Any]) -> None:
    """Move an element under another parent (drop, swap and reorder in one)."""
    if len(els) < 2:
        return
    el = _pick(draw, els[1:])
    targets = [t for t in els if t is not el and el not in t.iterancestors()]
    if targets:
        target = _pick(draw, targets)
        target.insert(draw(st.integers(0, len(target))), el)


def _rename(draw: st.DrawFn, root: Any, els: list[Any]) -> None:
    el = _pick(draw, els)
    el.tag = draw(st.sampled_from(_NAMES) | _XML_NAME)


def _attribute_soup(draw: st.DrawFn, root: Any, els: list[Any]) -> None:
    el = _pick(draw, els)
    names = st.sampled_from(_ATTR_NAMES) | _XML_NAME
    for name in draw(st.lists(names, max_size=4)):
        el.set(name, draw(xml_text(max_size=12)))
    if draw(st.booleans()):
        el.set(_XSI_TYPE, draw(st.sampled_from(["MetaType", "xs:string", "ToType", "nope"])))


def _wrong_type(draw: st.DrawFn, root: Any, els: list[Any]) -> None:
    """Give a known attribute a value of another type, or plain junk."""
    el = _pick(draw, els)
    rule = g.ELEMENTS.get(el.tag)
    if rule is None or not rule.attrs:
        return
    name = draw(st.sampled_from(sorted(rule.attrs)))
    other = draw(st.sampled_from([*t.ALL_TYPES, t.DESTINATION]))
    el.set(name, draw(raw_values(other) | xml_text(max_size=12)))


def _text_into(draw: st.DrawFn, root: Any, els: list[Any]) -> None:
    el = _pick(draw, els)
    el.text = draw(xml_text(max_size=12))


def _truncate(draw: st.DrawFn, data: bytes) -> bytes:
    return data[: draw(st.integers(0, len(data)))]


def _insert_garbage(draw: st.DrawFn, data: bytes) -> bytes:
    at = draw(st.integers(0, len(data)))
    junk = draw(
        st.sampled_from(_GARBAGE) | xml_text(max_size=8).map(str.encode) | st.binary(max_size=8)
    )
    return data[:at] + junk + data[at:]


def _flip_byte(draw: st.DrawFn, data: bytes) -> bytes:
    if not data:
        return data
    at = draw(st.integers(0, len(data) - 1))
    return data[:at] + bytes([draw(st.integers(0, 255))]) + data[at + 1 :]


def _reencode(draw: st.DrawFn, data: bytes) -> bytes:
    """Re-encode, sometimes so that the declaration lies about the encoding."""
    text = data.decode("utf-8", "replace")
    codec = draw(st.sampled_from(["utf-16", "utf-16-le", "utf-8-sig", "latin-1", "cp1252"]))
    return text.encode(codec, "replace")


_MUTATORS: list[Mutator] = [
    _tree_mutation(_drop), _tree_mutation(_duplicate), _tree_mutation(_move),
    _tree_mutation(_rename), _tree_mutation(_attribute_soup), _tree_mutation(_wrong_type),
    _tree_mutation(_text_into), _truncate, _insert_garbage, _flip_byte, _reencode,
]  # fmt: skip


@st.composite
def mutated_documents(draw: st.DrawFn, max_mutations: int = 3) -> bytes:
    """A valid document broken by 1..max_mutations random mutations, or plain random bytes."""
    if draw(st.integers(0, 19)) == 0:
        return draw(st.binary(max_size=200))
    data = draw(valid_documents(max_depth=2, max_children=3)).encode("utf-8")
    for mutate in draw(st.lists(st.sampled_from(_MUTATORS), min_size=1, max_size=max_mutations)):
        data = mutate(draw, data)
    return data
