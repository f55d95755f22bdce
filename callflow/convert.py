"""A validated lxml tree -> the model: alias names settled, values typed, positions lazy.

This is the parser's hot path (every document linted, formatted or simulated goes through it),
so the grammar tables are turned once, at import, into a plan per element name: the model
class, a fast constructor, and per attribute its field, alias flag and a reader. The XSD has
already checked every value against the type's pattern, so a reader only converts (``int``,
upper-casing a method...) and remembers the values it has seen; positions are left to the
``SourceMap`` until someone reads one.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from lxml import etree

from callflow import grammar as g
from callflow import model as m
from callflow import types as t
from callflow.positions import SourceMap

XSI_LOCATION = "{http://www.w3.org/2001/XMLSchema-instance}noNamespaceSchemaLocation"
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


def _slot_writer(cls: type, name: str) -> Callable[[object, object], None]:
    for klass in cls.__mro__:
        if name in vars(klass):
            setter: Callable[[object, object], None] = vars(klass)[name].__set__
            return setter
    raise LookupError(f"{cls.__name__} has no slot {name}")


_FIXED = ("children", "pos", "spelling", "given")
"""The fields of every node, given to a constructor one by one; attributes come in a dict."""


def _constructor(cls: type[m.Node]) -> Callable[..., Any]:
    """``make(children, pos, spelling, given, values)`` for ``cls``, filling slots directly.

    A frozen dataclass's ``__init__`` goes through ``object.__setattr__`` for every field;
    writing the slots with their descriptors, and taking the attributes as the dict the
    parser collected (not as keywords), makes the same object in half the time. The code is
    generated from ``dataclasses.fields``, so it sets exactly the model's fields.
    """
    env: dict[str, Any] = {"new": object.__new__, "cls": cls}
    lines = []
    for i, f in enumerate(dataclasses.fields(cls)):
        if f.default is not dataclasses.MISSING:
            env[f"d{i}"] = f.default
        elif f.default_factory is not dataclasses.MISSING:
            env[f"d{i}"] = f.default_factory()  # immutable defaults (frozenset) only
        else:
            raise TypeError(f"{cls.__name__}.{f.name} has no default")
        env[f"s{i}"] = _slot_writer(cls, f.name)
        value = f.name if f.name in _FIXED else f"get({f.name!r}, d{i})"
        lines.append(f"    s{i}(o, {value})\n")
    source = (
        "def make(children, pos, spelling, given, values):\n"
        f"    o = new(cls)\n    get = values.get\n{''.join(lines)}    return o\n"
    )
    exec(compile(source, f"<callflow.convert {cls.__name__}>", "exec"), env)
    make: Callable[..., Any] = env["make"]
    return make


@dataclass(frozen=True, slots=True)
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


_CALLBACK, _TO = 1, 2
_READERS: dict[t.AttrType, Reader | None] = {}
_MAKERS: dict[type[m.Node], Callable[..., Any]] = {}


def _plan(rule: g.ElementRule, cls: type[m.Node]) -> _Plan:
    attrs = {}
    for xml, attr in rule.attrs.items():
        ty = attr.spec.type
        if ty not in _READERS:
            _READERS[ty] = _reader(ty)
        attrs[xml] = (attr.field, _READERS[ty], attr.alias, attr.spec.xml)
    if cls not in _MAKERS:
        _MAKERS[cls] = _constructor(cls)
    return _Plan(
        name=rule.name,
        alias=rule.alias_of is not None,
        make=_MAKERS[cls],
        attrs=attrs,
        required=tuple(
            (key, spec.xml) for key, spec in cls.attr_specs().items()
            if spec.required and spec.aliases
        ),
        text=cls.CONTENT != "empty",
        kind=_CALLBACK if cls is m.Callback else _TO if cls is m.To else 0,
    )  # fmt: skip


_PLANS: dict[str, _Plan] = {
    name: _plan(rule, rule.cls) for name, rule in g.ELEMENTS.items() if rule.cls is not None
}
_make_comment = _constructor(m.Comment)
_make_response = _MAKERS[m.Response]
_NO_NAMES: frozenset[str] = frozenset()
_lazy_pos = m.lazy_pos
_COMMENT = etree._Comment
_SWITCH = g.SWITCH


# ---- the walk ------------------------------------------------------------------------------


class _Walk:
    """One document's conversion: numbers the nodes in document order for their positions."""

    __slots__ = ("comments", "count", "src")

    def __init__(self, src: SourceMap) -> None:
        self.src = src
        self.count = 0
        self.comments: list[int] = []

    def comment(self, el: Any) -> m.Comment:
        index = self.count
        self.count = index + 1
        self.comments.append(index)
        text = {"text": el.text or ""}
        return _make_comment((), _lazy_pos(self.src, index), None, _NO_NAMES, text)  # type: ignore[no-any-return]

    def node(self, el: Any, wrapper: m.Pos | None) -> m.Node:
        plan = _PLANS[el.tag]
        index = self.count
        self.count = index + 1
        values: dict[str, Any] = {}
        aliases: list[tuple[str, str]] | None = None
        raw_values: list[tuple[str, str]] | None = None
        conflicts: list[tuple[str, str, str]] | None = None
        items = el.items()
        if items:
            known = plan.attrs
            for name, raw in items:
                found = known.get(name)
                if found is None:  # xsi:* and other namespaced attributes the XSD lets through
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
            kids: list[m.Node] = []
            if plan.text:
                parts = [el.text or ""]
                self.children(el, kids, parts, None)
                content = "".join(parts).strip() or None
            else:
                self.children(el, kids, None, None)
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
        return plan.make(children, pos, spelling, given, values)  # type: ignore[no-any-return]

    def children(
        self, el: Any, kids: list[m.Node], parts: list[str] | None, wrapper: m.Pos | None
    ) -> None:
        """Convert the children of ``el`` into ``kids`` (a ``<Switch>`` dissolves into its
        children, which remember where it was); collect the text between them in ``parts``."""
        for child in el[:]:  # a list made in C: 3x faster than iterating the element
            tag = child.tag
            if tag.__class__ is str:
                if tag == _SWITCH:
                    index = self.count
                    self.count = index + 1
                    self.children(child, kids, None, _lazy_pos(self.src, index))
                else:
                    kids.append(self.node(child, wrapper))
            elif isinstance(child, _COMMENT):
                kids.append(self.comment(child))
            if parts is not None:
                tail = child.tail
                if tail:
                    parts.append(tail)


def response(root: Any, text: str, file: str | None) -> m.Response:
    """The model of a document whose root element is a valid ``<Response>``.

    Raises ``BadValue`` or ``MissingAttribute`` for the few mistakes the XSD cannot see.
    """
    src = SourceMap(text, file)
    walk = _Walk(src)
    before = [n for n in root.itersiblings(preceding=True) if isinstance(n, _COMMENT)]
    leading = tuple(walk.comment(n) for n in reversed(before))
    body = walk.node(root, None)
    after = [n for n in root.itersiblings() if isinstance(n, _COMMENT)]
    trailing = tuple(walk.comment(n) for n in after)
    src.seal(walk.count, walk.comments)
    extra = {"leading": leading, "trailing": trailing, "schema_location": root.get(XSI_LOCATION)}
    return _make_response(body.children, body.pos, None, _NO_NAMES, extra)  # type: ignore[no-any-return]
