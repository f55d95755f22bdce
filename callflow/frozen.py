"""Frozen, slotted dataclasses whose methods are shared: ``record`` and ``node_class``.

``@dataclass(frozen=True, slots=True)`` writes the source of ``__init__``, ``__repr__``,
``__eq__``, ``__hash__``, ``__setattr__`` and ``__delattr__`` for every class and compiles
it with ``exec``: about 0.6 ms per class, which for the fifty such classes a ``callflow
lint`` imports was a third of its start-up. Here ``dataclasses`` still collects the
fields and makes the slots (so ``dataclasses.fields``, ``replace`` and ``asdict`` work as
before), but the methods are written once, below, and read each class's fields from a table
made when the class is made. They behave as the generated ones do: equality and hash over
the fields with ``compare=True`` (same class only), the repr of the fields with
``repr=True``, assignment refused with ``FrozenInstanceError``, pickling by field values.
Only ``__init__`` is still generated per class, as dataclasses does it, but when the class
is first called: a lint of one file calls a handful of the fifty.

``record`` is ``@dataclass(frozen=True, slots=True)`` (arguments by position or keyword);
``node_class`` is ``@dataclass(frozen=True, slots=True, kw_only=True)``, for the model, whose
fast paths (the parser's and the builder's constructors) never call ``__init__``.
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

    def __init__(self, fields: tuple[dataclasses.Field[Any], ...], kw_only: bool) -> None:
        self.names = tuple(f.name for f in fields)
        self.defaults: dict[str, Any] = {}
        for f in fields:
            if f.default_factory is not dataclasses.MISSING or not f.init:
                raise TypeError(f"field {f.name!r}: no default_factory or init=False here")
            if f.default is not dataclasses.MISSING:
                self.defaults[f.name] = f.default
            elif kw_only:
                raise TypeError(f"field {f.name!r} needs a default (keyword-only)")
        getter: Callable[[Any], Any] = attrgetter(*[f.name for f in fields if f.compare])
        self.compared = getter
        self.shown = tuple(f.name for f in fields if f.repr)


_SHAPES: dict[type, _Shape] = {}
_set = object.__setattr__


def _compiled_init(cls: type, kw_only: bool) -> Callable[..., None]:
    """The ``__init__`` dataclasses would write for ``cls``, compiled now: when the class is
    first called, not when it is defined (most of the classes a lint imports are never
    made in a given run, and the hot ones then run at the generated code's speed)."""
    shape = _SHAPES[cls]
    env: dict[str, Any] = {"_set": _set}
    params = []
    for i, name in enumerate(shape.names):
        if name in shape.defaults:
            env[f"_d{i}"] = shape.defaults[name]
            params.append(f"{name}=_d{i}")
        else:
            params.append(name)
    star = "*, " if kw_only and params else ""
    body = "".join(f"    _set(self, {name!r}, {name})\n" for name in shape.names) or "    pass\n"
    source = f"def __init__(self, {star}{', '.join(params)}):\n{body}"
    exec(compile(source, f"<callflow.frozen {cls.__qualname__}>", "exec"), env)
    init: Callable[..., None] = env["__init__"]
    init.__qualname__ = f"{cls.__qualname__}.__init__"
    return init


def _first_init(cls: type, kw_only: bool) -> Callable[..., None]:
    """``cls.__init__`` until the first call, which compiles the real one and puts it on the
    class in its place."""

    def __init__(self: Any, *args: Any, **values: Any) -> None:
        init = _compiled_init(cls, kw_only)
        type.__setattr__(cls, "__init__", init)
        init(self, *args, **values)

    return __init__


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
    "__init__": None,  # per class: _first_init
    "__repr__": _repr,
    "__eq__": _eq,
    "__hash__": _hash,
    "__setattr__": _setattr,
    "__delattr__": _delattr,
    "__getstate__": _getstate,
    "__setstate__": _setstate,
}


def _make(cls: type[_T], kw_only: bool) -> type[_T]:
    """``cls`` as a frozen, slotted dataclass with the shared methods. A class that defines
    one of these methods itself is refused: the shared one would silently replace it."""
    for name in _METHODS:
        if name in cls.__dict__:
            raise TypeError(f"{cls.__qualname__} defines {name}; it is provided here")
    undocumented = not cls.__doc__
    if undocumented:  # else dataclasses asks inspect.signature for one: 0.3 ms a class
        cls.__doc__ = cls.__name__
    made: type[_T] = dataclasses.dataclass(
        init=False, repr=False, eq=False, slots=True, kw_only=kw_only
    )(cls)
    for name, method in _METHODS.items():
        setattr(made, name, method)
    setattr(made, "__init__", _first_init(made, kw_only))  # noqa: B010
    fields = dataclasses.fields(made)  # type: ignore[arg-type]
    _SHAPES[made] = _Shape(fields, kw_only)
    if undocumented:  # what dataclasses writes: the class called with its fields
        star = "*, " if kw_only else ""
        made.__doc__ = f"{made.__name__}({star}{', '.join(f.name for f in fields)})"
    return made


@dataclass_transform(frozen_default=True, field_specifiers=(dataclasses.field,))
def record(cls: type[_T]) -> type[_T]:
    """``@dataclass(frozen=True, slots=True)`` with the shared methods (no
    ``default_factory``, no ``init=False`` fields)."""
    return _make(cls, kw_only=False)


@dataclass_transform(
    frozen_default=True, kw_only_default=True, field_specifiers=(dataclasses.field,)
)
def node_class(cls: type[_T]) -> type[_T]:
    """``@dataclass(frozen=True, slots=True, kw_only=True)`` with the shared methods; every
    field needs a plain default (the model's do)."""
    return _make(cls, kw_only=True)
