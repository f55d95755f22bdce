"""``node_class`` behaves as ``@dataclass(frozen=True, slots=True, kw_only=True)`` does.

The model's classes use it to skip the per-class code generation of ``dataclasses``; these
tests hold it to the generated methods' behaviour: same repr, equality, hash, pickling,
``replace``, frozenness and errors, on a pair of classes declared both ways.
"""

from __future__ import annotations

import copy
import dataclasses
import pickle
from dataclasses import dataclass, field
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from callflow import model as m
from callflow.nodeclass import node_class


@dataclass(frozen=True, slots=True, kw_only=True)
class RefBase:
    children: tuple[Any, ...] = ()
    pos: int | None = field(default=None, compare=False, repr=False)


@dataclass(frozen=True, slots=True, kw_only=True)
class Ref(RefBase):
    name: str = ""
    count: int = 1
    note: str | None = field(default=None, compare=False)


@node_class
class FastBase:
    children: tuple[Any, ...] = ()
    pos: int | None = field(default=None, compare=False, repr=False)


@node_class
class Fast(FastBase):
    name: str = ""
    count: int = 1
    note: str | None = field(default=None, compare=False)


values = st.fixed_dictionaries(
    {},
    optional={
        "children": st.tuples(st.integers(), st.text(max_size=3)),
        "pos": st.none() | st.integers(),
        "name": st.text(max_size=5),
        "count": st.integers(),
        "note": st.none() | st.text(max_size=3),
    },
)


@given(values, values)
def test_same_behaviour_as_a_frozen_slotted_dataclass(a: dict[str, Any], b: dict[str, Any]) -> None:
    ref_a, ref_b, fast_a, fast_b = Ref(**a), Ref(**b), Fast(**a), Fast(**b)
    assert repr(fast_a) == repr(ref_a).replace("Ref(", "Fast(", 1)
    assert (fast_a == fast_b) == (ref_a == ref_b)
    assert (hash(fast_a) == hash(fast_b)) == (hash(ref_a) == hash(ref_b))
    assert fast_a == Fast(**a) and hash(fast_a) == hash(Fast(**a))
    assert fast_a != Ref(**a)  # another class is never equal, as with dataclasses
    for made in (pickle.loads(pickle.dumps(fast_a)), copy.deepcopy(fast_a), copy.copy(fast_a)):
        assert made == fast_a and made.pos == fast_a.pos and made.note == fast_a.note
    assert dataclasses.replace(fast_a, **b) == Fast(**{**a, **b})
    assert [f.name for f in dataclasses.fields(Fast)] == [f.name for f in dataclasses.fields(Ref)]
    assert dataclasses.asdict(fast_a) == dataclasses.asdict(ref_a)


def test_frozen_and_keyword_only_with_the_same_errors() -> None:
    fast, ref = Fast(name="x"), Ref(name="x")
    for obj in (fast, ref):
        with pytest.raises(dataclasses.FrozenInstanceError, match="cannot assign to field 'name'"):
            obj.name = "y"  # type: ignore[misc]
        with pytest.raises(dataclasses.FrozenInstanceError):
            del obj.name  # type: ignore[misc]
    with pytest.raises(TypeError, match="unexpected keyword argument 'nmae'"):
        Fast(nmae="x")  # type: ignore[call-arg]
    with pytest.raises(TypeError):
        Fast("x")  # type: ignore[misc]
    assert not hasattr(fast, "__dict__")  # slotted


def test_a_class_that_writes_its_own_method_is_refused() -> None:
    class Own:
        x: int = 0

        def __repr__(self) -> str:
            return "mine"

    with pytest.raises(TypeError, match="defines __repr__"):
        node_class(Own)


def test_the_model_classes_are_built_this_way() -> None:
    say = m.Say(text="hi", loop=2, pos=m.Pos("f.xml", 1, 2))
    assert say == m.Say(text="hi", loop=2) and hash(say) == hash(m.Say(text="hi", loop=2))
    assert repr(say).startswith("Say(children=(), text='hi', lang='en-US'")
    assert pickle.loads(pickle.dumps(say)).pos == say.pos
    with pytest.raises(dataclasses.FrozenInstanceError):
        say.loop = 3  # type: ignore[misc]
