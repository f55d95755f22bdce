"""``node_class`` and ``record`` behave as ``@dataclass(frozen=True, slots=True[, kw_only])``.

The model's classes and the other frozen records use them to skip the per-class code
generation of ``dataclasses``; these tests hold them to the generated methods' behaviour:
same repr, equality, hash, pickling, ``replace``, frozenness and errors, on pairs of classes
declared both ways.
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
from callflow.frozen import node_class, record


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


@dataclass(frozen=True, slots=True)
class RefRecord:
    code: str
    line: int
    hint: str | None = None
    seen: int = field(default=0, compare=False)


@record
class FastRecord:
    code: str
    line: int
    hint: str | None = None
    seen: int = field(default=0, compare=False)


record_args = st.tuples(
    st.integers(min_value=0, max_value=4),  # how many fields given by position
    st.fixed_dictionaries(
        {"code": st.text(max_size=3), "line": st.integers()},
        optional={"hint": st.none() | st.text(max_size=3), "seen": st.integers()},
    ),
)


def _call(cls: Any, how: tuple[int, dict[str, Any]]) -> Any:
    """``cls`` called with the first fields by position (as far as they are given), the rest
    by keyword; the TypeError's message when the call is refused."""
    positional, values = how
    names = ["code", "line", "hint", "seen"]
    args = [values[n] for n in names[:positional] if n in values]
    rest = {k: v for k, v in values.items() if k not in names[: len(args)]}
    try:
        return cls(*args, **rest)
    except TypeError as exc:
        return str(exc).split("__init__()", 1)[-1]


@given(record_args, record_args)
def test_record_same_behaviour_as_a_frozen_slotted_dataclass(
    a: tuple[int, dict[str, Any]], b: tuple[int, dict[str, Any]]
) -> None:
    ref_a, ref_b, fast_a, fast_b = (_call(c, x) for c in (RefRecord, FastRecord) for x in (a, b))
    assert repr(fast_a) == repr(ref_a).replace("RefRecord(", "FastRecord(", 1)
    assert (fast_a == fast_b) == (ref_a == ref_b)
    assert (hash(fast_a) == hash(fast_b)) == (hash(ref_a) == hash(ref_b))
    assert pickle.loads(pickle.dumps(fast_a)) == fast_a
    assert dataclasses.astuple(fast_a) == dataclasses.astuple(ref_a)


@pytest.mark.parametrize(
    ("args", "kwargs"),
    [
        (("a",), {}),  # a required field missing
        (("a", 1, None, 0, "extra"), {}),  # too many
        (("a", 1), {"line": 2}),  # twice
        (("a", 1), {"lien": 2}),  # unknown
        ((), {"line": 1}),
        ((), {}),  # two missing
        ((), {"hint": "h"}),
    ],
)
def test_record_refuses_the_calls_a_dataclass_refuses(
    args: tuple[Any, ...], kwargs: dict[str, Any]
) -> None:
    messages = []
    for cls in (RefRecord, FastRecord):
        with pytest.raises(TypeError) as info:
            cls(*args, **kwargs)
        messages.append(str(info.value).split("__init__()", 1)[-1])
    assert messages[0] == messages[1]


def test_record_is_frozen_and_slotted() -> None:
    fast = FastRecord("a", 1)
    with pytest.raises(dataclasses.FrozenInstanceError):
        fast.code = "b"  # type: ignore[misc]
    assert not hasattr(fast, "__dict__")
    assert dataclasses.replace(fast, line=2) == FastRecord("a", 2)


def test_init_is_the_dataclass_one_once_called() -> None:
    import inspect

    @record
    class Late:
        a: int
        b: str = "x"

    Late(1)  # the first call compiles the generated __init__ and puts it on the class
    assert str(inspect.signature(Late)) == "(a, b='x')"
    assert Late.__init__.__qualname__.endswith("Late.__init__")
    assert Late(2, b="y") == Late(2, "y") != Late(2)
