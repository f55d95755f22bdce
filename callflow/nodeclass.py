"""``node_class``: a frozen, slotted, keyword-only dataclass whose methods are shared.

``@dataclass(frozen=True, slots=True, kw_only=True)`` writes the source of ``__init__``,
``__repr__``, ``__eq__``, ``__hash__``, ``__setattr__`` and ``__delattr__`` for every class
and compiles it with ``exec``: about 0.6 ms per class, which for the model's classes was a
fifth of a ``callflow lint`` process's start-up. Here ``dataclasses`` still collects the
fields and makes the slots (so ``dataclasses.fields``, ``replace`` and ``asdict`` work as
before), but the methods are written once, below, and read each class's fields from a table
made when the class is made. They behave as the generated ones do: equality and hash over
the fields with ``compare=True`` (same class only), the repr of the fields with
``repr=True``, assignment refused with ``FrozenInstanceError``, pickling by field values.

The fast paths (the parser's and the builder's constructors) never call ``__init__``; it
serves user code and ``dataclasses.replace``.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from operator import attrgetter
from typing import Any, TypeVar, dataclass_transform

_T = TypeVar("_T")


class _Shape:
    """What the shared methods need to know of one class, computed once."""

    __slots__ = ("compared", "defaults", "names", "shown")

    def __init__(self, fields: tuple[dataclasses.Field[Any], ...]) -> None:
        self.names = tuple(f.name for f in fields)
        self.defaults: dict[str, Any] = {}
        for f in fields:
            if f.default is not dataclasses.MISSING:
                self.defaults[f.name] = f.default
            else:
                raise TypeError(f"field {f.name!r} needs a default (keyword-only, no factory)")
        getter: Callable[[Any], Any] = attrgetter(*[f.name for f in fields if f.compare])
        self.compared = getter
        self.shown = tuple(f.name for f in fields if f.repr)


_SHAPES: dict[type, _Shape] = {}
_set = object.__setattr__


def _init(self: Any, **values: Any) -> None:
    shape = _SHAPES[type(self)]
    for name, default in shape.defaults.items():
        _set(self, name, values.pop(name, default))
    if values:
        name = next(iter(values))
        raise TypeError(
            f"{type(self).__qualname__}.__init__() got an unexpected keyword argument {name!r}"
        )


def _repr(self: Any) -> str:
    shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in _SHAPES[type(self)].shown)
    return f"{type(self).__qualname__}({shown})"


def _eq(self: object, other: object) -> object:
    if other.__class__ is not self.__class__:
        return NotImplemented
    compared = _SHAPES[type(self)].compared
    same: bool = compared(self) == compared(other)
    return same


def _hash(self: Any) -> int:
    return hash(_SHAPES[type(self)].compared(self))


def _setattr(self: Any, name: str, value: Any) -> None:
    raise dataclasses.FrozenInstanceError(f"cannot assign to field {name!r}")


def _delattr(self: Any, name: str) -> None:
    raise dataclasses.FrozenInstanceError(f"cannot delete field {name!r}")


def _getstate(self: Any) -> list[Any]:
    return [getattr(self, name) for name in _SHAPES[type(self)].names]


def _setstate(self: Any, state: list[Any]) -> None:
    for name, value in zip(_SHAPES[type(self)].names, state, strict=True):
        _set(self, name, value)


_METHODS: dict[str, Any] = {
    "__init__": _init,
    "__repr__": _repr,
    "__eq__": _eq,
    "__hash__": _hash,
    "__setattr__": _setattr,
    "__delattr__": _delattr,
    "__getstate__": _getstate,
    "__setstate__": _setstate,
}


@dataclass_transform(
    frozen_default=True, kw_only_default=True, field_specifiers=(dataclasses.field,)
)
def node_class(cls: type[_T]) -> type[_T]:
    """Make ``cls`` a frozen, slotted, keyword-only dataclass with the shared methods.

    Every field needs a plain default (the model's do). A class that defines one of these
    methods itself is refused: the table would silently override it.
    """
    for name in _METHODS:
        if name in cls.__dict__:
            raise TypeError(f"{cls.__qualname__} defines {name}; node_class provides it")
    made: type[_T] = dataclasses.dataclass(
        init=False, repr=False, eq=False, slots=True, kw_only=True
    )(cls)
    for name, method in _METHODS.items():
        setattr(made, name, method)
    _SHAPES[made] = _Shape(dataclasses.fields(made))  # type: ignore[arg-type]
    return made
