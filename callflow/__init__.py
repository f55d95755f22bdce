"""opentact-callflow: build, parse, lint and serialise Opentact call flow XML.

The builder's names are loaded on first use (PEP 562), so `callflow lint` does not pay for
them. ``lint`` is bound here, eagerly: the submodule of the same name would otherwise take
its place once imported.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from callflow.builder import (
        DTMF,
        Answer,
        BuildError,
        Call,
        Callback,
        Comment,
        Curl,
        Default,
        Dial,
        Error,
        Gather,
        Geo,
        Hangup,
        Hold,
        Meta,
        Pause,
        Play,
        Record,
        RecordStart,
        RecordStop,
        RecordWait,
        Response,
        Say,
        Schedule,
        To,
        Tone,
        Unhold,
    )

from callflow.diagnostics import Finding
from callflow.lint import lint_source as lint
from callflow.model import Pos
from callflow.parser import ParseError, load, parse
from callflow.serializer import to_xml

__all__ = [
    # the builder, see callflow.builder (loaded on first use)
    "DTMF",
    "Answer",
    "BuildError",
    "Call",
    "Callback",
    "Comment",
    "Curl",
    "Default",
    "Dial",
    "Error",
    "Finding",
    "Gather",
    "Geo",
    "Hangup",
    "Hold",
    "Meta",
    "ParseError",
    "Pause",
    "Play",
    "Pos",
    "Record",
    "RecordStart",
    "RecordStop",
    "RecordWait",
    "Response",
    "Say",
    "Schedule",
    "To",
    "Tone",
    "Unhold",
    "lint",
    "load",
    "parse",
    "to_xml",
]  # fmt: skip
_BUILDER = frozenset(__all__) - {"Finding", "ParseError", "Pos", "lint", "load", "parse", "to_xml"}
__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    if name not in _BUILDER:
        raise AttributeError(f"module 'callflow' has no attribute {name!r}")
    value = getattr(importlib.import_module("callflow.builder"), name)
    globals()[name] = value  # once loaded, a plain attribute
    return value


def __dir__() -> list[str]:
    return sorted({*globals(), *_BUILDER})
