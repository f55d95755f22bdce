"""Completion from the grammar: what may be written at the cursor, and nothing else.

- after ``<``: the elements the enclosing element may hold (``callflow.grammar``);
- in a start tag: the attributes of that element not written yet (under any spelling);
- in a value: the allowed values (``method``, ``leg``, each ``dow`` day and ``states`` code of
  a comma list), for ``<DTMF value>`` the keys no other branch of that Gather uses, for
  ``<Play record>`` the recording tags made before it in the document (what CF113 accepts).
"""

from __future__ import annotations

from lsprotocol import types as lsp

from callflow import grammar as g
from callflow import model as m
from callflow.lsp.docs import attribute_doc, choices, element_doc
from callflow.lsp.scan import Attr, Markup, Tag
from callflow.lsp.textmap import TextMap

KEYS = tuple("0123456789*#")
RECORDERS = frozenset(g.names_of(m.Record) + g.names_of(m.RecordStart))
"""Elements whose ``tag`` names a recording ``<Play record=...>`` can play."""
STARTERS = frozenset(g.names_of(m.RecordStart))
"""Of those, the ones whose recording counts from where they start (in the background)."""
ROOT = m.Response.TAG


def complete(markup: Markup, textmap: TextMap, offset: int) -> list[lsp.CompletionItem]:
    tag = markup.tag_at(offset)
    if tag is not None and tag.kind == "end" and offset <= tag.name_end:
        return _closing(markup, tag, textmap, offset)
    if tag is None or tag.kind != "start":
        return []
    if offset <= tag.name_end:
        return _elements(markup, tag, textmap, offset)
    attr = next((a for a in tag.attrs if a.value_start <= offset <= a.value_end), None)
    if attr is not None and attr.value is not None and attr.end > attr.name_end:
        return _values(markup, tag, attr, textmap, offset)
    if any(a.start < offset <= a.name_end for a in tag.attrs):
        return _attributes(tag, textmap, offset)
    if any(a.start <= offset < a.end for a in tag.attrs):
        return []
    return _attributes(tag, textmap, offset)


def _elements(markup: Markup, tag: Tag, textmap: TextMap, offset: int) -> list[lsp.CompletionItem]:
    parent = markup.open_at(tag.start)
    if parent is None:
        names: tuple[str, ...] = (ROOT,)
    else:
        rule = g.ELEMENTS.get(parent.name)
        if rule is None:
            return []
        names = tuple(c.TAG for c in g.allowed_children(rule.cls))
    edit_range = textmap.range(tag.name_start, max(offset, tag.name_end))
    return [
        lsp.CompletionItem(
            label=name,
            kind=lsp.CompletionItemKind.Class,
            documentation=_markdown(element_doc(name)),
            text_edit=lsp.TextEdit(edit_range, name),
        )
        for name in names
    ]


def _closing(markup: Markup, tag: Tag, textmap: TextMap, offset: int) -> list[lsp.CompletionItem]:
    """After ``</``: the name of the element still open there."""
    open_element = markup.open_at(tag.start)
    if open_element is None:
        return []
    name = open_element.name
    edit = lsp.TextEdit(textmap.range(tag.name_start, max(offset, tag.name_end)), name)
    return [lsp.CompletionItem(label=name, kind=lsp.CompletionItemKind.Class, text_edit=edit)]


def _attributes(tag: Tag, textmap: TextMap, offset: int) -> list[lsp.CompletionItem]:
    rule = g.ELEMENTS.get(tag.name)
    if rule is None:
        return []
    typing = next((a for a in tag.attrs if a.start < offset <= a.name_end), None)
    written = {
        rule.attrs[a.name].field for a in tag.attrs if a.name in rule.attrs and a is not typing
    }
    start = typing.start if typing is not None else offset
    end = typing.name_end if typing is not None else offset
    out = []
    for name, spec in rule.cls.attr_specs().items() if rule.cls else ():
        if name in written:
            continue
        out.append(
            lsp.CompletionItem(
                label=spec.xml,
                kind=lsp.CompletionItemKind.Property,
                detail=spec.type.name + (" (required)" if spec.required else ""),
                documentation=_markdown(attribute_doc(tag.name, spec.xml)),
                text_edit=lsp.TextEdit(textmap.range(start, end), f'{spec.xml}="$1"$0'),
                insert_text_format=lsp.InsertTextFormat.Snippet,
            )
        )
    return out


def _values(
    markup: Markup, tag: Tag, attr: Attr, textmap: TextMap, offset: int
) -> list[lsp.CompletionItem]:
    rule = g.ELEMENTS.get(tag.name)
    found = rule.attrs.get(attr.name) if rule is not None else None
    if rule is None or found is None or rule.cls is None:
        return []
    value = attr.value or ""
    words: tuple[str, ...]
    if rule.cls is m.DTMF and found.field == "value":
        words = _free_keys(markup, tag)
    elif rule.cls is m.Play and found.field == "record":
        words = _recordings_before(markup, tag.start)
    else:
        words = choices(found.spec.type)
    start, end = attr.value_start, attr.value_end
    if "," in value and words:  # a comma list: complete the item under the cursor
        before = value[: offset - start]
        start += before.rfind(",") + 1
        after = value.find(",", offset - attr.value_start)
        end = attr.value_start + after if after >= 0 else end
        taken = {w.strip() for w in value.split(",")}
        words = tuple(w for w in words if w not in taken)
    return [
        lsp.CompletionItem(
            label=word,
            kind=lsp.CompletionItemKind.EnumMember,
            text_edit=lsp.TextEdit(textmap.range(start, end), word),
        )
        for word in words
    ]


def _free_keys(markup: Markup, tag: Tag) -> tuple[str, ...]:
    """The single keys no other DTMF block of the same Gather selects."""
    element = markup.element_at_start(tag.start)
    parent = element.parent if element is not None else None
    if parent is None:
        return KEYS
    used: set[str | None] = set()
    for sibling in parent.children:
        rule = g.ELEMENTS.get(sibling.name)
        if sibling is element or rule is None or rule.cls is not m.DTMF:
            continue
        used.update(a.value for a in sibling.tag.attrs if a.name in rule.attrs)
    return tuple(k for k in KEYS if k not in used)


def _recordings_before(markup: Markup, offset: int) -> tuple[str, ...]:
    """Recording tags made before ``offset``, as CF113 counts them: a ``RecordStart`` where
    it starts, a ``Record`` once it is complete (not for a Play among its own children)."""
    names: dict[str, None] = {}
    for element in markup.elements():
        if element.start >= offset:
            break
        name = element.tag.value("tag")
        done = element.name in STARTERS or element.end <= offset
        if name and element.name in RECORDERS and done:
            names.setdefault(name, None)
    return tuple(names)


def _markdown(text: str | None) -> lsp.MarkupContent | None:
    return lsp.MarkupContent(lsp.MarkupKind.Markdown, text) if text else None
