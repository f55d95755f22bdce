"""Model -> XML -> model: the serializer writes what the XSD accepts and the parser reads back."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st
from lxml import etree
from strategies import valid_models

from callflow import model as m
from callflow import schema
from callflow.parser import parse
from callflow.serializer import to_xml

_SAFE = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False)


def assert_schema_valid(xml: str) -> None:
    validator = schema.xml_schema()
    tree = etree.fromstring(xml.encode("utf-8"), _SAFE).getroottree()
    assert validator.validate(tree), f"{validator.error_log}\n{xml}"


def walk(node: m.Node) -> list[m.Node]:
    out = [node]
    for child in node.children:
        out.extend(walk(child))
    return out


@given(valid_models(), st.booleans())
def test_valid_models_serialise_to_schema_valid_xml_that_parses_back_equal(
    model: m.Response, pretty: bool
) -> None:
    xml = to_xml(model, pretty=pretty)
    assert_schema_valid(xml)
    assert parse(xml) == model


@given(valid_models(), st.booleans())
def test_serialising_is_a_fixed_point_for_any_input_form(model: m.Response, pretty: bool) -> None:
    xml = to_xml(model, pretty=pretty)
    assert to_xml(parse(xml), pretty=pretty) == xml
    bare = to_xml(model, pretty=pretty, declaration=False)
    assert not bare.startswith("<?xml")
    assert parse(bare) == model
    assert parse(xml.encode("utf-8")) == model


def test_escaping_of_markup_characters_round_trips() -> None:
    tricky = "a < b & c > \"d\" 'e' ]]> \r\n\t end"
    model = m.Response(
        children=(
            m.Say(content=tricky.strip(), text=tricky, tag=tricky),
            m.Meta(name="k", value=tricky, content="x\ry"),
        )
    )
    xml = to_xml(model)
    assert_schema_valid(xml)
    assert parse(xml) == model


def test_example_flows_reach_a_fixed_point(example_flow: Path) -> None:
    first = parse(example_flow)
    canonical = to_xml(first)
    second = parse(canonical)
    assert second == first
    assert to_xml(second) == canonical
    assert_schema_valid(canonical)


def test_canonical_form_drops_alias_spellings(example_flow: Path) -> None:
    canonical = parse(to_xml(parse(example_flow)))
    for node in walk(canonical):
        spelling = node.spelling
        assert spelling is None or (
            spelling.element is None and not spelling.attrs and spelling.wrapper is None
        ), (node, spelling)
