"""Lookup tables of the grammar, derived once from the model classes.

The parser, the builder and the XSD generator read these tables; none of them restates which
attributes or children an element has.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from callflow import model as m
from callflow.frozen import record

SWITCH = "Switch"
"""The old wrapper ``<Switch><Case/>...</Switch>`` inside Gather; dissolved by the parser."""
SWITCH_ALLOWS: tuple[type[m.Node], ...] = (m.DTMF, m.Default, m.Error, m.Meta)


@record
class AttrRule:
    """One accepted attribute name of an element (canonical or alias)."""

    field: str
    spec: m.AttrSpec
    alias: bool


@record
class ElementRule:
    """Everything the parser needs about one accepted element name."""

    name: str
    cls: type[m.Node] | None
    """The model class; None for the dissolved Switch wrapper."""
    alias_of: str | None
    attrs: Mapping[str, AttrRule]
    children: frozenset[str]
    """Element names (canonical and aliases) this element may hold."""

    @property
    def canonical(self) -> str:
        return self.alias_of or self.name


def names_of(cls: type[m.Node]) -> tuple[str, ...]:
    """The canonical name of an element class followed by its aliases."""
    return (cls.TAG, *cls.ALIASES)


def allowed_children(cls: type[m.Node] | None) -> tuple[type[m.Node], ...]:
    """Child classes an element allows, in a stable order, without repeats."""
    if cls is None:
        return SWITCH_ALLOWS
    seen: dict[type[m.Node], None] = {}
    for group in cls.ALLOWS:
        for child in m.GROUPS[group]:
            seen.setdefault(child, None)
    return tuple(seen)


def _child_names(cls: type[m.Node] | None) -> frozenset[str]:
    names = {n for child in allowed_children(cls) for n in names_of(child)}
    if cls is not None and "switch" in cls.ALLOWS:
        names.add(SWITCH)
    return frozenset(names)


def _attr_rules(cls: type[m.Node]) -> Mapping[str, AttrRule]:
    rules: dict[str, AttrRule] = {}
    for name, spec in cls.attr_specs().items():
        rules[spec.xml] = AttrRule(name, spec, alias=False)
        for alias in spec.aliases:
            rules[alias] = AttrRule(name, spec, alias=True)
    return MappingProxyType(rules)


def _build() -> dict[str, ElementRule]:
    table: dict[str, ElementRule] = {}
    for cls in m.ELEMENT_TYPES:
        attrs = _attr_rules(cls)
        children = _child_names(cls)
        for name in names_of(cls):
            alias_of = None if name == cls.TAG else cls.TAG
            table[name] = ElementRule(name, cls, alias_of, attrs, children)
    table[SWITCH] = ElementRule(SWITCH, None, None, MappingProxyType({}), _child_names(None))
    return table


ELEMENTS: Mapping[str, ElementRule] = MappingProxyType(_build())
"""Every accepted element name (canonical, alias, Switch) -> its rule."""

CLASS_BY_TAG: Mapping[str, type[m.Node]] = MappingProxyType({c.TAG: c for c in m.ELEMENT_TYPES})

HANDLER_BLOCKS: frozenset[type[m.Node]] = frozenset(
    {m.Response, m.DTMF, m.Default, m.Error, m.Call, m.Geo, m.Schedule}
)
"""Blocks whose ``Error`` child catches a failure bubbling up from a command inside them (spec
section 5). A command that holds commands (Gather's branches, Record's children) is not one:
its own ``Error`` handles that command's own failure only (for Gather: no input, failed url)."""
