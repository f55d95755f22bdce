"""Navigation: the document's outline, and go to definition.

The outline shows what a reader of a call flow looks for: Gathers (with their tags), their
DTMF branches by value, Default and Error blocks, Dials, Callbacks and Records. Definition
goes from ``<Play record="x">`` to the ``<Record tag="x">`` (or ``RecordStart``) that makes it
(CF113's subject), and from a ``<DTMF value="v">`` to the first block of that Gather with the
same value (CF120's subject). Both read the forgiving scan, so they work while typing.
"""

from __future__ import annotations

from lsprotocol import types as lsp

from callflow import grammar as g
from callflow import model as m
from callflow.lsp.complete import RECORDERS
from callflow.lsp.scan import Element, Markup
from callflow.lsp.textmap import TextMap

_KINDS: dict[type[m.Node], lsp.SymbolKind] = {
    m.Gather: lsp.SymbolKind.Module,
    m.DTMF: lsp.SymbolKind.EnumMember,
    m.Default: lsp.SymbolKind.EnumMember,
    m.Error: lsp.SymbolKind.Event,
    m.Dial: lsp.SymbolKind.Function,
    m.Callback: lsp.SymbolKind.Function,
    m.Record: lsp.SymbolKind.Variable,
    m.RecordStart: lsp.SymbolKind.Variable,
}
_DETAIL = {m.DTMF: "value", m.Callback: "url", m.Record: "tag", m.RecordStart: "tag"}


def _cls(element: Element) -> type[m.Node] | None:
    rule = g.ELEMENTS.get(element.name)
    return rule.cls if rule is not None else None


def _field_value(element: Element, field: str) -> str | None:
    """The value of a field under any of its spellings."""
    rule = g.ELEMENTS.get(element.name)
    if rule is None:
        return None
    for attr in element.tag.attrs:
        found = rule.attrs.get(attr.name)
        if found is not None and found.field == field:
            return attr.value
    return None


def _symbol(
    element: Element, textmap: TextMap, kids: list[lsp.DocumentSymbol]
) -> lsp.DocumentSymbol:
    cls = _cls(element)
    assert cls is not None
    name = cls.TAG
    if cls is m.DTMF:
        name = f"DTMF {_field_value(element, 'value') or '?'}"
    detail = _field_value(element, _DETAIL.get(cls, "tag"))
    if cls is not m.DTMF and _DETAIL.get(cls) != "tag" and _field_value(element, "tag"):
        detail = f"{detail or ''} tag={_field_value(element, 'tag')}".strip()
    return lsp.DocumentSymbol(
        name=name,
        kind=_KINDS[cls],
        range=textmap.range(element.start, element.end),
        selection_range=textmap.range(element.tag.name_start, element.tag.name_end),
        detail=detail or None,
        children=kids or None,
    )


def symbols(markup: Markup, textmap: TextMap) -> list[lsp.DocumentSymbol]:
    def outline(elements: list[Element]) -> list[lsp.DocumentSymbol]:
        out: list[lsp.DocumentSymbol] = []
        for element in elements:
            kids = outline(element.children)
            if _cls(element) in _KINDS:
                out.append(_symbol(element, textmap, kids))
            else:
                out.extend(kids)
        return out

    return outline(markup.roots)


def definition(
    uri: str, markup: Markup, textmap: TextMap, offset: int
) -> list[lsp.Location] | None:
    tag = markup.tag_at(offset)
    element = markup.element_at_start(tag.start) if tag is not None else None
    if tag is None or element is None or tag.kind != "start":
        return None
    attr = next((a for a in tag.attrs if a.start <= offset <= max(a.end, a.value_end)), None)
    rule = g.ELEMENTS.get(tag.name)
    found = rule.attrs.get(attr.name) if rule is not None and attr is not None else None
    if attr is None or found is None or not attr.value:
        return None
    cls = _cls(element)
    targets: list[Element] = []
    if cls is m.Play and found.field == "record":
        targets = [
            e for e in markup.elements() if e.name in RECORDERS and e.tag.value("tag") == attr.value
        ]
    elif cls is m.DTMF and found.field == "value" and element.parent is not None:
        same = [
            e
            for e in element.parent.children
            if _cls(e) is m.DTMF and _field_value(e, "value") == attr.value
        ]
        targets = same[:1] if same and same[0] is not element else []
    if not targets:
        return None
    return [lsp.Location(uri, textmap.range(e.start, e.tag.end)) for e in targets]
