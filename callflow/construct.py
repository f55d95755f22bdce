"""Fast constructors of model nodes, shared by the two producers of the model.

The parser (``callflow.convert``) and the builder (``callflow.builder``) both make every node
they produce with ``maker(cls)``, so a node is made the same way whichever way the document
came in, and each class's constructor is generated once per process. This module needs only
``callflow.model`` (no lxml), so the builder can use it without loading the parser.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any, TypeAlias

from callflow import model as m

Maker: TypeAlias = Callable[..., Any]
"""``make(children, pos, spelling, given, values) -> node``: ``values`` maps the attribute
fields given (Python names) to their checked values; the other fields take their defaults."""

FIXED = ("children", "pos", "spelling", "given")
"""The fields of every node, given to a constructor one by one; attributes come in a dict."""

_MAKERS: dict[type[m.Node], Maker] = {}


def _slot_writer(cls: type, name: str) -> Callable[[object, object], None]:
    for klass in cls.__mro__:
        if name in vars(klass):
            setter: Callable[[object, object], None] = vars(klass)[name].__set__
            return setter
    raise LookupError(f"{cls.__name__} has no slot {name}")


def constructor(cls: type[m.Node]) -> Maker:
    """A new ``make(children, pos, spelling, given, values)`` for ``cls``, filling slots directly.

    A frozen dataclass's ``__init__`` goes through ``object.__setattr__`` for every field;
    writing the slots with their descriptors, and taking the attributes as a dict (not as
    keywords), makes the same object in half the time. The code is generated from
    ``dataclasses.fields``, so it sets exactly the model's fields. The values are trusted:
    callers have checked them against the grammar (the XSD, or the builder's type checks).
    """
    env: dict[str, Any] = {"new": object.__new__, "cls": cls}
    lines = []
    for i, f in enumerate(dataclasses.fields(cls)):
        if f.default is not dataclasses.MISSING:
            env[f"d{i}"] = f.default
        elif f.default_factory is not dataclasses.MISSING:
            env[f"d{i}"] = f.default_factory()  # immutable defaults (frozenset) only
        else:
            raise TypeError(f"{cls.__name__}.{f.name} has no default")
        env[f"s{i}"] = _slot_writer(cls, f.name)
        value = f.name if f.name in FIXED else f"get({f.name!r}, d{i})"
        lines.append(f"    s{i}(o, {value})\n")
    source = (
        "def make(children, pos, spelling, given, values):\n"
        f"    o = new(cls)\n    get = values.get\n{''.join(lines)}    return o\n"
    )
    exec(compile(source, f"<callflow.construct {cls.__name__}>", "exec"), env)
    make: Maker = env["make"]
    return make


def maker(cls: type[m.Node]) -> Maker:
    """The constructor of ``cls`` (``constructor``), made on first use and shared."""
    found = _MAKERS.get(cls)
    if found is None:
        found = _MAKERS[cls] = constructor(cls)
    return found
