"""Hover: the grammar's documentation of an element or attribute, and what a finding means.

Everything shown is read from the grammar tables (``callflow.grammar``, built from the model
classes that also generate the XSD ``callflow schema --cat`` prints) and from the rule
registry (the text ``callflow lint --explain`` prints); nothing is restated here.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from lsprotocol import types as lsp

from callflow import grammar as g
from callflow import model as m
from callflow import rules
from callflow import types as t
from callflow.lsp.diagnose import Located
from callflow.lsp.scan import Markup, Tag
from callflow.lsp.textmap import TextMap

_WORDS = re.compile(r"[\w-]+(?:\|[\w-]+)*")


def choices(ty: t.AttrType) -> tuple[str, ...]:
    """The closed set of values (or, for a comma list, of items) a type allows; () if open."""
    if isinstance(ty, t.EnumType):
        return ty.choices
    if isinstance(ty, t.ListType) and _WORDS.fullmatch(ty.item):
        return tuple(ty.item.split("|"))
    return ()


def element_doc(name: str) -> str | None:
    """Markdown for an element name (canonical or alias), or None for an unknown name."""
    rule = g.ELEMENTS.get(name)
    if rule is None:
        return None
    if rule.cls is None:
        return f"**<{name}>**: the old form of a Gather's branches; write `<DTMF>` blocks."
    cls = rule.cls
    head = f"**<{cls.TAG}>**" + (f" (`<{name}>` is an alias)" if rule.alias_of else "")
    lines = [head, "", cls.DOC]
    specs = cls.attr_specs()
    if specs:
        lines += ["", "| attribute | type | default |", "|---|---|---|"]
        for spec in specs.values():
            default = "" if spec.default is None else f"`{spec.type.format(spec.default)}`"
            required = " (required)" if spec.required else ""
            lines.append(f"| `{spec.xml}`{required} | {spec.type.name} | {default} |")
    kids = [c.TAG for c in g.allowed_children(cls)]
    if kids:
        lines += ["", "Children: " + ", ".join(f"`{k}`" for k in kids)]
    return "\n".join(lines)


def attribute_doc(element: str, name: str) -> str | None:
    """Markdown for one attribute of an element: its doc, type, default and allowed values."""
    rule = g.ELEMENTS.get(element)
    found = rule.attrs.get(name) if rule is not None else None
    if rule is None or found is None or rule.cls is None:
        return None
    spec = found.spec
    alias = f" (alias of `{spec.xml}`)" if found.alias else ""
    lines = [f"**{rule.cls.TAG} `{name}`**{alias}", "", spec.doc, ""]
    lines.append(f"Type: `{spec.type.name}`: {spec.type.doc}")
    if spec.required:
        lines.append("\nRequired.")
    if spec.default is not None:
        lines.append(f"\nDefault: `{spec.type.format(spec.default)}`")
    allowed = choices(spec.type)
    if allowed:
        lines.append("\nAllowed: " + ", ".join(f"`{c}`" for c in allowed))
    return "\n".join(lines)


def explain(code: str) -> str | None:
    """What ``callflow lint --explain CODE`` says about a rule."""
    found = rules.find(code)
    if found is None:
        return None
    info, doc = found
    fixable = ", fixable by `callflow fmt`" if info.fixable else ""
    return f"**{info.code} {info.name}** ({info.severity}{fixable})\n\n{info.summary}\n\n{doc}"


def _grammar_at(markup: Markup, offset: int) -> tuple[str, int, int] | None:
    """The documentation of the element or attribute name under ``offset``, and its span."""
    tag = markup.tag_at(offset)
    if tag is None or tag.kind == "comment":
        return None
    if tag.name_start <= offset <= tag.name_end:
        doc = element_doc(tag.name)
        return (doc, tag.name_start, tag.name_end) if doc else None
    if tag.kind == "start":
        return _attribute_at(tag, offset)
    return None


def _attribute_at(tag: Tag, offset: int) -> tuple[str, int, int] | None:
    for attr in tag.attrs:
        if attr.start <= offset <= max(attr.end, attr.value_end):  # the name or its value
            doc = attribute_doc(tag.name, attr.name)
            return (doc, attr.start, attr.end) if doc else None
    return None


def hover(
    markup: Markup, textmap: TextMap, offset: int, findings: Iterable[Located]
) -> lsp.Hover | None:
    """The hover at ``offset``: the findings whose range holds it (explained), then the
    grammar's documentation of the name under it."""
    parts: list[str] = []
    span: tuple[int, int] | None = None
    seen: set[str] = set()
    for located in findings:
        if located.start <= offset <= located.end and located.finding.code not in seen:
            seen.add(located.finding.code)
            text = explain(located.finding.code)
            if text is not None:
                parts.append(text)
                span = span or (located.start, located.end)
    grammar = _grammar_at(markup, offset)
    if grammar is not None:
        parts.insert(0, grammar[0])
        span = (grammar[1], grammar[2])
    if not parts or span is None:
        return None
    value = lsp.MarkupContent(lsp.MarkupKind.Markdown, "\n\n---\n\n".join(parts))
    return lsp.Hover(contents=value, range=textmap.range(*span))


def element_class(name: str) -> type[m.Node] | None:
    rule = g.ELEMENTS.get(name)
    return rule.cls if rule is not None else None
