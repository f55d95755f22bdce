"""A builder model nests at most ``callflow.model.MAX_DEPTH`` deep, the parser's own limit:
one past it is a ``BuildError`` naming the limit and the calls around the element, at
``build()``, ``to_xml()`` and ``lint()``, never a RecursionError from the rules or the writer."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from callflow import DTMF, BuildError, Error, Gather, Geo, Response, Say, parse
from callflow import model as m
from callflow.builder import Element
from callflow.lint import lint_source

LIMIT = m.MAX_DEPTH
STEPS = {"gather": 2, "error": 1, "geo": 1}
"""Levels each kind of step adds: a Gather holding a DTMF block, an Error handler, a Geo."""


def _built(steps: list[str]) -> Response:
    """Response, then ``steps`` nested inside each other (fluent and constructor styles
    mixed), then a Say at the bottom."""
    r = Response()
    inner: Element[m.Node] = r
    for step in steps:
        if step == "gather":
            inner = inner.gather().dtmf("1")
        elif step == "error":
            inner.append(child := Error())
            inner = child
        else:
            inner = inner.geo()
    inner.say("bottom")
    return r


def _text(steps: list[str]) -> str:
    """The same document as XML text, written by hand (no builder involved)."""
    opens = {"gather": "<Gather><DTMF value='1'>", "error": "<Error>", "geo": "<Geo>"}
    closes = {"gather": "</DTMF></Gather>", "error": "</Error>", "geo": "</Geo>"}
    body = "".join(opens[s] for s in steps) + "<Say>bottom</Say>"
    return f"<Response>{body}{''.join(closes[s] for s in reversed(steps))}</Response>"


def _depth(steps: list[str]) -> int:
    return 1 + sum(STEPS[s] for s in steps) + 1  # Response, the steps, the Say


def _chain(levels: int) -> list[str]:
    """Steps that make a document exactly ``levels`` deep."""
    gathers, rest = divmod(levels - 2, 2)
    return ["gather"] * gathers + ["error"] * rest


ENTRIES: dict[str, Callable[[Response], object]] = {
    "build": lambda r: r.build(),
    "to_xml": lambda r: r.to_xml(),
    "to_xml compact": lambda r: r.to_xml(pretty=False),
    "to_xml unchecked": lambda r: r.to_xml(check=False),
    "lint": lambda r: r.lint(),
    "findings": lambda r: r.findings(),
}


@pytest.mark.parametrize("entry", ENTRIES, ids=list(ENTRIES))
def test_at_the_limit_works_and_one_past_is_a_clear_error(entry: str) -> None:
    at = _built(_chain(LIMIT))
    ENTRIES[entry](at)
    assert parse(at.to_xml()) == at.build()
    with pytest.raises(BuildError) as refused:
        ENTRIES[entry](_built(_chain(LIMIT + 1)))
    message = str(refused.value)
    assert f"nest {LIMIT + 1} deep" in message and f"the limit is {LIMIT}" in message
    assert message.startswith("Say('bottom'), child 1 of ")  # the call that went too deep


@pytest.mark.parametrize("entry", ENTRIES, ids=list(ENTRIES))
def test_1500_deep_is_a_build_error_not_a_recursion_error(entry: str) -> None:
    deep = _built(["gather"] * 750)  # Gather inside DTMF inside Gather... 1,502 levels
    with pytest.raises(BuildError, match=f"the limit is {LIMIT}"):
        ENTRIES[entry](deep)
    errors = Response()
    inner: Element[m.Node] = errors
    for _ in range(1500):
        inner = inner.error()
    with pytest.raises(BuildError, match=r"Error\(\), child 1 of Error\(\)"):
        ENTRIES[entry](errors)


@st.composite
def shapes(draw: st.DrawFn) -> list[str]:
    """Steps that make a document a few levels either side of the limit, in any order."""
    levels = draw(st.integers(LIMIT - 3, LIMIT + 3)) - 2  # less the Response and the Say
    gathers = draw(st.integers(0, levels // 2))
    singles = draw(st.lists(st.sampled_from(["error", "geo"]), min_size=levels - 2 * gathers,
                            max_size=levels - 2 * gathers))  # fmt: skip
    return draw(st.permutations(["gather"] * gathers + singles))


@settings(max_examples=60, deadline=None)
@given(shapes())
def test_the_builder_and_the_parser_draw_the_line_at_the_same_depth(steps: list[str]) -> None:
    """Whatever the shape, the builder accepts exactly what the parser accepts."""
    document = _built(steps)
    parsed = lint_source(_text(steps))
    too_deep = [f for f in parsed if f.code == "CF010"]
    if _depth(steps) <= LIMIT:
        assert not too_deep
        assert parse(document.to_xml()) == document.build() == parse(_text(steps))
    else:
        assert too_deep and f"limit is {LIMIT}" in too_deep[0].message
        with pytest.raises(BuildError, match=f"nest {LIMIT + 1} deep"):
            document.to_xml()


def test_a_standalone_element_counts_itself_as_level_1() -> None:
    top = Geo()
    inner: Element[m.Node] = top
    for _ in range(LIMIT - 1):
        inner = inner.geo()
    top.build()
    inner.say("one too many")
    with pytest.raises(BuildError, match=r"\(Geo is level 1\)"):
        top.to_xml()


def test_an_appended_model_node_counts_its_own_levels() -> None:
    node: m.Node = m.Say(content="bottom")
    for _ in range(LIMIT - 2):
        node = m.Geo(children=(node,))  # Response + 62 Geo + Say: 64 levels
    fits = Response().append(node)
    assert parse(fits.to_xml()) == fits.build()
    wrapped = Response().append(m.Geo(children=(node,)))
    with pytest.raises(BuildError) as refused:
        wrapped.build()
    assert "the model node <Geo> given to append() (its elements nest 64 deep)" in str(
        refused.value
    )
    with pytest.raises(BuildError, match=f"nest {LIMIT + 1} deep"):
        wrapped.to_xml()


def test_comments_are_no_level() -> None:
    r = _built(_chain(LIMIT))
    inner: Element[m.Node] = r
    while inner._children and isinstance(inner._children[-1], Element):
        inner = inner._children[-1]
    inner.comment("a comment beside the deepest Say")
    assert "a comment beside" in r.to_xml()


def test_constructor_style_too() -> None:
    inner: Gather | DTMF = Gather(DTMF("1", Say("bottom")))
    for _ in range((LIMIT - 3) // 2):
        inner = Gather(DTMF("1", inner))
    Response(inner).build()
    with pytest.raises(BuildError, match=f"the limit is {LIMIT}"):
        Response(Gather(DTMF("1", inner))).build()


def test_an_element_appended_inside_itself_is_named_not_a_recursion_error() -> None:
    r = Response()
    outer = r.geo()
    outer.geo().error().append(outer)
    for entry in ENTRIES.values():
        with pytest.raises(BuildError, match=r"^Geo\(\) is inside itself: it was appended to"
                                             r" Error\(\), which it holds"):  # fmt: skip
            entry(r)
    shared = Say("twice")
    assert Response(shared, Geo(shared)).build() == parse(
        "<Response><Say>twice</Say><Geo><Say>twice</Say></Geo></Response>"
    )  # the same element in two places is no loop
