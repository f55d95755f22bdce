"""``callflow.construct``: the one constructor per model class that the parser and the builder
both use, so a node is the same object whichever way the document came in."""

from __future__ import annotations

import pytest

from callflow import Response, Say, parse
from callflow import model as m
from callflow.construct import constructor, maker


@pytest.mark.parametrize("cls", m.ELEMENT_TYPES, ids=lambda c: c.TAG)
def test_a_constructor_makes_what_the_dataclass_makes(cls: type[m.Node]) -> None:
    made = constructor(cls)((), None, None, frozenset(), {})
    assert made == cls() and type(made) is cls


def test_values_fill_their_fields_and_the_rest_keep_defaults() -> None:
    say = maker(m.Say)((), None, None, frozenset({"loop"}), {"content": "Hi", "loop": 2})
    assert say == m.Say(content="Hi", loop=2) and say.given == frozenset({"loop"})


def test_one_maker_per_class_shared_by_parser_and_builder() -> None:
    assert maker(m.Say) is maker(m.Say)
    assert constructor(m.Say) is not maker(m.Say)  # constructor() always makes a new one
    assert parse("<Response><Say>Hi</Say></Response>") == Response(Say("Hi")).build()
