"""The grammar is stated once: the XSD and the Python tables agree, element by element.

``callflow/model.py`` is the one statement; ``callflow.grammar`` and ``schemas/opentact.xsd``
are derived from it. These tests read the XSD back with xmlschema (an independent reader) and
check both directions: nothing the XSD allows is unknown to the parser, and nothing the parser
accepts is missing from the XSD. Value types are checked by behaviour: a value is accepted by
``AttrType.parse`` exactly when lxml accepts it against the shipped XSD type.
"""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterator
from functools import cache
from typing import Any

import pytest
import xmlschema
from hypothesis import given, settings
from hypothesis import strategies as st
from lxml import etree
from strategies import xml_chars, xml_text

from callflow import grammar as g
from callflow import model as m
from callflow import schema, xsdgen
from callflow import types as t

XS = "http://www.w3.org/2001/XMLSchema"
XS_NS = {"xs": XS}
_SAFE = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)


@cache
def xsd() -> xmlschema.XMLSchema10:
    return xmlschema.XMLSchema10(str(schema.xsd_path()))


def reachable() -> dict[str, list[Any]]:
    """Every element declaration reachable from Response, grouped by element name."""
    found: dict[str, list[Any]] = defaultdict(list)
    seen_types: set[str] = set()
    todo: list[Any] = [xsd().elements["Response"]]
    while todo:
        decl: Any = todo.pop()
        found[decl.name].append(decl)
        ctype = decl.type
        if ctype.name in seen_types or ctype.has_simple_content():
            continue
        seen_types.add(ctype.name)
        todo.extend(ctype.content.iter_elements())
    return found


def xsd_children(decl: Any) -> set[str]:
    if decl.type.has_simple_content():
        return set()
    return {child.name for child in decl.type.content.iter_elements()}


def xsd_content_kind(decl: Any) -> str:
    ctype = decl.type
    if ctype.has_simple_content():
        return f"simple:{ctype.content.local_name}"
    return "mixed" if ctype.mixed else "element-only"


def python_content_kind(rule: g.ElementRule) -> str:
    cls = rule.cls
    if cls is None or cls.CONTENT == "empty":
        return "element-only"
    if cls.CONTENT == "text":
        return f"simple:{cls.CONTENT_TYPE.name if cls.CONTENT_TYPE else 'string'}"
    return "mixed"


# ---- (a) the committed XSD is the generated one ---------------------------------------------


def test_committed_xsd_is_generated_from_the_model() -> None:
    committed = schema.xsd_path().read_text(encoding="utf-8")
    assert committed == xsdgen.generate(), (
        "schemas/opentact.xsd is stale: run `python -m callflow.xsdgen > schemas/opentact.xsd`"
    )


# ---- (b) both directions, element by element ----------------------------------------------


def test_the_xsd_has_exactly_one_root_response() -> None:
    assert set(xsd().elements) == {"Response"}


def test_same_element_names_on_both_sides() -> None:
    assert set(reachable()) == set(g.ELEMENTS)


@pytest.mark.parametrize("name", sorted(g.ELEMENTS))
def test_element_agrees_with_the_xsd(name: str) -> None:
    rule = g.ELEMENTS[name]
    decls = reachable()[name]
    assert decls, f"{name} is not reachable from Response in the XSD"
    for decl in decls:
        assert xsd_children(decl) == set(rule.children), f"children of {name}"
        assert xsd_content_kind(decl) == python_content_kind(rule), f"content of {name}"
        assert set(decl.type.attributes) == set(rule.attrs), f"attributes of {name}"
        for attr_name, xattr in decl.type.attributes.items():
            check_attribute(name, attr_name, rule.attrs[attr_name], xattr)


def check_attribute(element: str, name: str, rule: g.AttrRule, xattr: Any) -> None:
    spec = rule.spec
    where = f"{element} {name}"
    assert xattr.type.name == spec.type.name, f"type of {where}"
    # An alias can stand in for a required attribute, so the XSD requires only attributes
    # without aliases; the parser reports a required attribute missing under every spelling.
    required = spec.required and not spec.aliases and not rule.alias
    assert (xattr.use == "required") == required, f"required-ness of {where}"
    if xattr.default is not None:
        assert not rule.alias, f"{where}: an alias carries no default"
        assert not spec.required, f"{where}: a required attribute carries no default"
        assert spec.type.parse(xattr.default) == spec.default, f"default of {where}"
        assert spec.type.format(spec.default) == xattr.default, f"default text of {where}"
    else:
        assert rule.alias or spec.required or spec.default is None, f"{where} lost its default"


def test_aliases_share_the_canonical_declaration() -> None:
    """Names of one model class have one XSD type; names of different classes do not."""
    types_of: dict[type[m.Node] | None, set[str]] = defaultdict(set)
    for name, decls in reachable().items():
        types_of[g.ELEMENTS[name].cls].update(d.type.name for d in decls)
    assert all(len(names) == 1 for names in types_of.values()), types_of
    all_types = [next(iter(names)) for names in types_of.values()]
    assert len(all_types) == len(set(all_types))


# ---- (c) lxml loads it; everything is documented ------------------------------------------


def xsd_tree() -> Any:
    return etree.parse(str(schema.xsd_path()), _SAFE)


def test_xsd_loads_in_lxml() -> None:
    validator = etree.XMLSchema(xsd_tree())
    minimal = etree.fromstring(b"<Response><Hangup/></Response>", _SAFE)
    assert validator.validate(minimal)
    assert not validator.validate(etree.fromstring(b"<Response><Nope/></Response>", _SAFE))


def documentation(node: Any) -> str:
    return "".join(node.xpath("xs:annotation/xs:documentation//text()", namespaces=XS_NS))


@pytest.mark.parametrize("kind", ["element", "attribute", "simpleType"])
def test_every_declaration_is_documented(kind: str) -> None:
    decls = xsd_tree().getroot().iter(f"{{{XS}}}{kind}")
    undocumented = [d.get("name") for d in decls if not documentation(d).strip()]
    assert not undocumented


# ---- (d) every value type: Python and the XSD accept the same strings ----------------------


def all_types() -> list[t.AttrType]:
    """The value types the grammar uses, found by walking the model (attributes and content)."""
    used = {spec.type for cls in m.ELEMENT_TYPES for spec in cls.attr_specs().values()}
    used |= {cls.CONTENT_TYPE for cls in m.ELEMENT_TYPES if cls.CONTENT_TYPE is not None}
    return sorted(used, key=lambda ty: ty.name)


def content_types() -> set[str]:
    return {cls.CONTENT_TYPE.name for cls in m.ELEMENT_TYPES if cls.CONTENT_TYPE is not None}


@cache
def probe_schema() -> etree.XMLSchema:
    """The shipped XSD plus one probe element per simple type: ``<probe-T v="..."/>`` for an
    attribute value and ``<probe-T>...</probe-T>`` for element content."""
    tree = xsd_tree()
    root = tree.getroot()
    for ty in all_types():
        attr_probe = etree.SubElement(root, f"{{{XS}}}element", name=f"probe-attr-{ty.name}")
        ctype = etree.SubElement(attr_probe, f"{{{XS}}}complexType")
        etree.SubElement(ctype, f"{{{XS}}}attribute", name="v", type=ty.name, use="required")
        etree.SubElement(root, f"{{{XS}}}element", name=f"probe-text-{ty.name}", type=ty.name)
    return etree.XMLSchema(tree)


def xsd_accepts(ty: t.AttrType, value: str, as_content: bool) -> bool:
    if as_content:
        el = etree.Element(f"probe-text-{ty.name}")
        el.text = value
    else:
        el = etree.Element(f"probe-attr-{ty.name}", v=value)
    return bool(probe_schema().validate(el))


def python_accepts(ty: t.AttrType, value: str) -> bool:
    try:
        ty.parse(value)
    except ValueError:
        return False
    return True


@cache
def candidates(ty: t.AttrType) -> st.SearchStrategy[str]:
    """Random strings, strings from the type's pattern, and the same padded or nudged."""
    from_pattern = st.from_regex(re.compile(ty.pattern, re.ASCII), fullmatch=True,
                                 alphabet=xml_chars())  # fmt: skip
    pad = st.sampled_from(["", " ", "  ", "\t", "\n", "\r\n", "\xa0", "\u2003", "+", "-", "0"])
    padded = st.builds(lambda a, v, b: a + v + b, pad, from_pattern, pad)
    return st.one_of(xml_text(max_size=12), from_pattern, padded)


def type_cases() -> Iterator[Any]:
    for ty in all_types():
        yield pytest.param(ty, False, id=f"{ty.name}-attribute")
        if ty.name in content_types():
            yield pytest.param(ty, True, id=f"{ty.name}-content")


@pytest.mark.parametrize(("ty", "as_content"), list(type_cases()))
@settings(max_examples=100)
@given(data=st.data())
def test_python_type_and_xsd_type_accept_the_same_values(
    ty: t.AttrType, as_content: bool, data: st.DataObject
) -> None:
    value = data.draw(candidates(ty), label="value")
    assert python_accepts(ty, value) == xsd_accepts(ty, value, as_content), (
        f"{ty.name}: Python {'accepts' if python_accepts(ty, value) else 'refuses'} {value!r}"
    )


def test_every_type_of_the_module_is_used_and_in_the_xsd() -> None:
    names = {ty.name for ty in all_types()}
    assert {ty.name for ty in (*t.ALL_TYPES, t.DESTINATION)} == names
    declared = set(xsd_tree().getroot().xpath("xs:simpleType/@name", namespaces=XS_NS))
    assert declared == names
