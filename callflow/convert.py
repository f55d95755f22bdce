"""A validated lxml tree -> the model: alias names settled, values typed, positions lazy.

This is the parser's hot path (every document linted, formatted or simulated goes through it),
so the grammar tables are turned once, at import, into a plan per element name: the model
class, a fast constructor, and per attribute its field, alias flag and a reader. The XSD has
already checked every value against the type's pattern, so a reader only converts (``int``,
upper-casing a method...) and remembers the values it has seen; positions are left to the
``SourceMap`` until someone reads one.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

from lxml import etree

from callflow import grammar as g
from callflow import model as m
from callflow import types as t
from callflow.construct import maker
from callflow.frozen import record
from callflow.lazyre import lazy_compile
from callflow.positions import SourceMap

XSI = "{http://www.w3.org/2001/XMLSchema-instance}"
XSI_LOCATION = XSI + "noNamespaceSchemaLocation"
"""Where an editor finds the XSD; kept on the model so ``fmt`` writes it back."""


class BadValue(Exception):
    """A value the XSD let through but its type refuses; the parser reports it (CF006)."""

    def __init__(self, element: Any, attr: str, message: str) -> None:
        super().__init__(message)
        self.element = element
        self.attr = attr


class MissingAttribute(Exception):
    """A required attribute with aliases, given under none of its names (CF007)."""

    def __init__(self, element: Any, message: str) -> None:
        super().__init__(message)
        self.element = element


# ---- per-class plans, made once ------------------------------------------------------------

Reader = Callable[[str], tuple[Any, bool]]
"""Raw attribute text (valid for its XSD type) -> (Python value, written canonically?)."""

_MEMO_LIMIT = 4096
"""Most distinct raw values remembered per type: documents repeat timeouts, keys, methods."""


def _reader(ty: t.AttrType) -> Reader | None:
    """How to read a value of ``ty``; None when the raw text is the value (most text types)."""
    plain = type(ty) is t.AttrType or (type(ty) is t.EnumType and not ty.fold_case)
    if plain and ty.base == "xs:string":
        return None
    convert, whitespace, fmt = ty.convert, ty.whitespace, ty.format
    seen: dict[str, tuple[Any, bool]] = {}

    def read(raw: str) -> tuple[Any, bool]:
        hit = seen.get(raw)
        if hit is None:
            value = convert(whitespace(raw))
            hit = (value, fmt(value) == raw)
            if len(seen) < _MEMO_LIMIT:
                seen[raw] = hit
        return hit

    return read


@record
class _Plan:
    name: str
    alias: bool
    """The element name is an alias (``Sip``, ``Scheduler``, ``Case``...)."""
    make: Callable[..., Any]
    attrs: dict[str, tuple[str, Reader | None, bool, str]]
    """XML name -> (field, reader, is an alias, canonical XML name)."""
    required: tuple[tuple[str, str], ...]
    """(field, XML name) of required attributes that have aliases (the XSD cannot require
    'either spelling')."""
    text: bool
    """The element holds character content."""
    kind: int
    """``_CALLBACK`` (its text is the url), ``_TO`` (content is never None), else 0."""
    text_comments: bool
    """Comments in its text keep their place in it (``m.text_comments``)."""


_CALLBACK, _TO = 1, 2
_READERS: dict[t.AttrType, Reader | None] = {}


def _plan(rule: g.ElementRule, cls: type[m.Node]) -> _Plan:
    attrs = {}
    for xml, attr in rule.attrs.items():
        ty = attr.spec.type
        if ty not in _READERS:
            _READERS[ty] = _reader(ty)
        attrs[xml] = (attr.field, _READERS[ty], attr.alias, attr.spec.xml)
    return _Plan(
        name=rule.name,
        alias=rule.alias_of is not None,
        make=maker(cls),
        attrs=attrs,
        required=tuple(
            (key, spec.xml) for key, spec in cls.attr_specs().items()
            if spec.required and spec.aliases
        ),
        text=cls.CONTENT != "empty",
        kind=_CALLBACK if cls is m.Callback else _TO if cls is m.To else 0,
        text_comments=m.text_comments(cls),
    )  # fmt: skip


_PLANS: dict[str, _Plan] = {}
"""Element name -> its plan, made when the element is first met (``_plan_of``)."""


def _plan_of(tag: str) -> _Plan:
    rule = g.ELEMENTS[tag]
    if rule.cls is None:  # the old <Switch>: dissolved by the walk, never made
        raise KeyError(tag)
    plan = _PLANS[tag] = _plan(rule, rule.cls)
    return plan


_NO_NAMES: frozenset[str] = frozenset()
_lazy_pos = m.lazy_pos
_COMMENT = etree._Comment
_PI = etree._ProcessingInstruction
_MARKUP_ONLY = (_COMMENT, _PI)
_SWITCH = g.SWITCH


# ---- the walk ------------------------------------------------------------------------------


_InText = tuple[int, int, Any, int, bool]
"""A comment in an element's text: (place among the children, document index, lxml node,
offset in the raw text, inline)."""


def _inline(before: str) -> bool:
    """Whether a comment follows other markup or text on its line, given the text since the
    markup before it (as lint's suppressions judge: anything but white space before it)."""
    if "\n" not in before:  # lxml's text: line breaks are LF (a CR here was written &#13;)
        return True  # the tag before it is on the same line
    return bool(before.rpartition("\n")[2].strip())


_TOP_ITEM = lazy_compile(r"\s*(<\?.*?\?>|<!--.*?-->)", re.S)
_DECLARATION = lazy_compile(r"<\?xml[\s?]")


def _prolog_inline(text: str, count: int) -> list[bool]:
    """For the first ``count`` comments and processing instructions before the root element:
    whether each follows other markup (the XML declaration, another comment) on its line."""
    out: list[bool] = []
    cursor = 1 if text.startswith("\ufeff") else 0
    seen = False
    while len(out) < count:
        found = _TOP_ITEM.match(text, cursor)
        if found is None:
            break
        gap = text[cursor : found.start(1)]
        if not (cursor == 0 and _DECLARATION.match(found.group(1))):
            out.append(seen and "\n" not in gap and "\r" not in gap)
        seen = True
        cursor = found.end()
    return out + [False] * (count - len(out))


def _epilog_inline(text: str, nodes: list[Any]) -> list[bool]:
    """As ``_prolog_inline``, for the comments and processing instructions after the root
    (found from the end of the text: nothing but those and white space follows the root)."""
    starts: list[int] = []
    end = len(text)
    for node in reversed(nodes):
        end = _skip_space_back(text, end)
        opening = "<!--" if isinstance(node, _COMMENT) else "<?" + str(node.target)
        end = max(text.rfind(opening, 0, end), 0)
        starts.append(end)
    starts.reverse()
    out = []
    for start in starts:
        gap = text[_skip_space_back(text, start) : start]
        out.append("\n" not in gap and "\r" not in gap)
    return out


def _skip_space_back(text: str, end: int) -> int:
    while end > 0 and text[end - 1] in " \t\r\n":
        end -= 1
    return end


class _Walk:
    """One document's conversion: numbers the nodes in document order for their positions."""

    __slots__ = ("comments", "count", "src")

    def __init__(self, src: SourceMap) -> None:
        self.src = src
        self.count = 0
        self.comments: list[int] = []

    def number(self, el: Any) -> int:
        """The document-order index of a comment (processing instructions have none: the
        position scan, like lint, sees only elements and comments)."""
        if isinstance(el, _PI):
            return -1
        index = self.count
        self.count = index + 1
        self.comments.append(index)
        return index

    def comment(self, el: Any, index: int, inline: bool, at: int | None) -> m.Comment:
        values = {"text": el.text or "", "inline": inline, "at": at}
        if index < 0:
            values["target"] = el.target
            make = maker(m.Instruction)
            return make((), None, None, _NO_NAMES, values)  # type: ignore[no-any-return]
        make = maker(m.Comment)
        return make((), _lazy_pos(self.src, index), None, _NO_NAMES, values)  # type: ignore[no-any-return]

    def node(self, el: Any, wrapper: m.Pos | None) -> m.Node:
        plan = _PLANS.get(el.tag) or _plan_of(el.tag)
        index = self.count
        self.count = index + 1
        values: dict[str, Any] = {}
        aliases: list[tuple[str, str]] | None = None
        raw_values: list[tuple[str, str]] | None = None
        conflicts: list[tuple[str, str, str]] | None = None
        xsi: list[tuple[str, str]] | None = None
        items = el.items()
        if items:
            known = plan.attrs
            for name, raw in items:
                found = known.get(name)
                if found is None:  # xsi:*, the only namespaced attributes the XSD lets through
                    if name.startswith(XSI) and (name != XSI_LOCATION or plan.name != "Response"):
                        xsi = xsi or []
                        xsi.append((name[len(XSI) :], raw))
                    continue
                key, read, alias, xml = found
                canonical = True
                value = raw
                if read is not None:
                    try:
                        value, canonical = read(raw)
                    except ValueError as exc:
                        raise BadValue(el, name, f"{el.tag} {name}: {exc}") from exc
                if alias:
                    if key in values or el.get(xml) is not None:
                        conflicts = conflicts or []
                        conflicts.append((key, name, raw))
                        continue
                    aliases = aliases or []
                    aliases.append((key, name))
                if not canonical:
                    raw_values = raw_values or []
                    raw_values.append((key, raw))
                values[key] = value
        for key, xml in plan.required:
            if key not in values:
                raise MissingAttribute(el, f"{el.tag} needs the attribute {xml}")
        pos = _lazy_pos(self.src, index)
        content: str | None = None
        if len(el):  # element children, comments
            kids: list[Any] = []
            if plan.text:
                parts = [el.text or ""]
                pending = self.children(el, kids, parts, None, plan.text_comments)
                joined = "".join(parts)
                content = joined.strip() or None
                if pending:
                    self.settle(kids, pending, joined, content)
            else:
                self.children(el, kids, None, None, False)
            children: tuple[m.Node, ...] = tuple(kids)
        else:
            children = ()
            if plan.text:
                content = (el.text or "").strip() or None
        if content is not None:
            if plan.kind == _CALLBACK:
                if "url" in values:
                    conflicts = conflicts or []
                    conflicts.append(("url", "#content", content))
                else:  # the text form is a URL like the attribute (the XSD sees only text)
                    try:
                        values["url"] = g.ELEMENTS[el.tag].attrs["url"].spec.type.parse(content)
                    except ValueError as exc:
                        raise BadValue(el, "#content", f"{el.tag} content: {exc}") from exc
                    aliases = aliases or []
                    aliases.append(("url", "#content"))
            else:
                values["content"] = content
        elif plan.kind == _TO:
            values["content"] = ""
        spelling = None
        if plan.alias or aliases or raw_values or conflicts or wrapper is not None:
            spelling = m.Spelling(
                element=plan.name if plan.alias else None, attrs=tuple(aliases or ()),
                values=tuple(raw_values or ()), conflicts=tuple(conflicts or ()),
                wrapper=wrapper,
            )  # fmt: skip
        given = frozenset(values) if values else _NO_NAMES
        if xsi:
            values["xsi"] = tuple(xsi)
        return plan.make(children, pos, spelling, given, values)  # type: ignore[no-any-return]

    def children(
        self,
        el: Any,
        kids: list[Any],
        parts: list[str] | None,
        wrapper: m.Pos | None,
        in_text: bool,
    ) -> list[_InText] | None:
        """Convert the children of ``el`` into ``kids`` (a ``<Switch>`` dissolves into its
        children, which remember where it was); collect the text between them in ``parts``.

        Comments met in the text before any element child (``in_text``) are returned, to be
        made once the text, and so their place in it, is known; ``kids`` holds None for each.
        """
        pending: list[_InText] | None = None
        size = sum(map(len, parts)) if in_text and parts is not None else 0
        previous = None
        for child in el[:]:  # a list made in C: 3x faster than iterating the element
            tag = child.tag
            if tag.__class__ is str:
                in_text = False
                if tag == _SWITCH:
                    index = self.count
                    self.count = index + 1
                    self.children(child, kids, None, _lazy_pos(self.src, index), False)
                else:
                    kids.append(self.node(child, wrapper))
            elif isinstance(child, _MARKUP_ONLY):
                before = el.text if previous is None else previous.tail
                inline = _inline(before or "")
                if in_text:
                    pending = pending or []
                    pending.append((len(kids), self.number(child), child, size, inline))
                    kids.append(None)
                else:
                    kids.append(self.comment(child, self.number(child), inline, None))
            if parts is not None:
                tail = child.tail
                if tail:
                    parts.append(tail)
                    size += len(tail)
            previous = child
        return pending

    def settle(
        self, kids: list[Any], pending: list[_InText], joined: str, content: str | None
    ) -> None:
        """Make the comments that sit in an element's text, at their offset in ``content``
        (the text stripped of surrounding white space)."""
        lead = len(joined) - len(joined.lstrip())
        end = len(content or "")
        for place, index, el, raw, inline in pending:
            kids[place] = self.comment(el, index, inline, min(max(raw - lead, 0), end))


def response(root: Any, text: str, file: str | None) -> m.Response:
    """The model of a document whose root element is a valid ``<Response>``.

    Raises ``BadValue`` or ``MissingAttribute`` for the few mistakes the XSD cannot see.
    """
    src = SourceMap(text, file)
    walk = _Walk(src)
    before = [n for n in root.itersiblings(preceding=True) if isinstance(n, _MARKUP_ONLY)]
    before.reverse()
    inline = _prolog_inline(text, len(before)) if before else []
    leading = tuple(
        walk.comment(n, walk.number(n), i, None) for n, i in zip(before, inline, strict=True)
    )
    body = walk.node(root, None)
    after = [n for n in root.itersiblings() if isinstance(n, _MARKUP_ONLY)]
    inline = _epilog_inline(text, after) if after else []
    trailing = tuple(
        walk.comment(n, walk.number(n), i, None) for n, i in zip(after, inline, strict=True)
    )
    src.seal(walk.count, walk.comments)
    extra = {
        "leading": leading, "trailing": trailing, "schema_location": root.get(XSI_LOCATION),
        "xsi": body.xsi,
    }  # fmt: skip
    make = maker(m.Response)
    return make(body.children, body.pos, None, _NO_NAMES, extra)  # type: ignore[no-any-return]
