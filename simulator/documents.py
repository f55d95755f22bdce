"""Documents answered by a server: read as a flow file is read, and cached.

A Callback or a Gather ``url`` replaces the rest of the flow with the document its request
answers. It is parsed with the safe parser, checked against the XSD and linted like a flow
file; any error finding makes it invalid and the command fails with the findings quoted.
"""

from __future__ import annotations

from callflow import model as m
from callflow.lint import lint_loaded
from callflow.parser import load_bytes
from simulator.http import HttpAnswer

_DOCS: dict[tuple[str, str], tuple[m.Response | None, str]] = {}
_DOCS_MAX = 256
_SHOWN = 3
"""Findings of an invalid answered document quoted in the failure reason."""


def answered(answer: HttpAnswer, source: str) -> tuple[m.Response | None, str]:
    """The document of a successful answer, or why there is none; a body that could not be
    decoded is reported as the finding it is (``HttpAnswer.unreadable``)."""
    if answer.unreadable is not None:
        return None, f"the answer is not a valid call flow: {answer.unreadable}"
    return fetched(answer.text or "", source)


def fetched(text: str, source: str) -> tuple[m.Response | None, str]:
    """Read an answered document as a flow file is read (safe parser, XSD, lint), cached.

    Warnings do not matter; an error finding makes the document invalid. The model is
    immutable, so a cached one is shared between runs.
    """
    key = (text, source)
    hit = _DOCS.get(key)
    if hit is not None:
        return hit
    loaded = load_bytes(text.encode("utf-8", "replace"), source, "utf-8")
    errors = [f for f in lint_loaded(loaded) if f.severity == "error"]
    found: tuple[m.Response | None, str] = (loaded.model, "")
    if loaded.model is None or errors:
        shown = "; ".join(f.render() for f in errors[:_SHOWN]) or f"{source}: unreadable"
        more = f" (and {len(errors) - _SHOWN} more)" if len(errors) > _SHOWN else ""
        found = (None, f"the answer is not a valid call flow: {shown}{more}")
    if len(_DOCS) >= _DOCS_MAX:
        _DOCS.clear()
    _DOCS[key] = found
    return found
