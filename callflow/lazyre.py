"""Regular expressions compiled when first used, not when their module is imported.

Compiling a pattern runs Python code (``re._parser``, ``re._compiler``): 60 to 300 us each,
and a ``callflow lint`` of one file imported about forty it never used. ``lazy_compile``
returns a stand-in that compiles on the first attribute read and then keeps the compiled
pattern's methods on itself, so every later ``P.search(...)`` is an ordinary attribute
lookup and a call of ``re.Pattern``'s own method.

The stand-in is typed as ``re.Pattern`` for its methods and attributes; it is not one for
``isinstance`` or for the ``re`` module's functions (``re.sub(P, ...)`` raises ``TypeError``),
so it is used only through its methods.
"""

from __future__ import annotations

import re
from typing import Any, AnyStr, cast

_KEPT = (
    "match",
    "fullmatch",
    "search",
    "sub",
    "subn",
    "split",
    "findall",
    "finditer",
    "scanner",
    "pattern",
    "flags",
    "groups",
    "groupindex",
)
"""What a compiled pattern offers; copied onto the stand-in at the first use."""


class _Lazy:
    """Stands for ``re.compile(source, flags)`` until something is read from it."""

    def __init__(self, source: str | bytes, flags: int) -> None:
        self._source = source
        self._flags = flags

    def __getattr__(self, name: str) -> Any:
        # Only reached for names not yet on the instance: compile once, keep the methods.
        if name.startswith("__"):
            raise AttributeError(name)
        compiled = re.compile(self._source, self._flags)
        for kept in _KEPT:
            self.__dict__[kept] = getattr(compiled, kept)
        return getattr(compiled, name)

    def __repr__(self) -> str:
        return f"lazy_compile({self._source!r}, {self._flags!r})"


def lazy_compile(source: AnyStr, flags: int | re.RegexFlag = 0) -> re.Pattern[AnyStr]:
    """``re.compile(source, flags)``, done on first use (see the module's docstring)."""
    return cast("re.Pattern[AnyStr]", _Lazy(source, int(flags)))
