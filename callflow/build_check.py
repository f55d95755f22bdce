"""The semantic lint rules at build time: what ``Response.build()`` and ``to_xml()`` run.

The rules are the linter's own (``callflow.rules``, one registry): the builder runs those of
error severity on the model it built and refuses the document if any fires; warnings stay
available without stopping the build. Nothing here restates a rule.

A verdict is a pure function of the document, and a document the builder wrote is a pure
function of its text (the round trip ``parse(to_xml(r)) == r.build()`` is tested), so the
texts found clean are remembered: a backend that answers every call with the same menu pays
for the rules once.
"""

from __future__ import annotations

from collections.abc import Callable
from contextlib import suppress
from functools import cache
from typing import TYPE_CHECKING

from callflow import model as m

if TYPE_CHECKING:  # the registry loads the parser (lxml): only when a document is checked
    from callflow.rules import Hit, Rule

CLEAN_LIMIT = 1024
"""Most clean texts remembered (about a kilobyte each for a typical menu)."""

_clean: dict[str, None] = {}


@cache
def error_codes() -> frozenset[str]:
    """Codes of the registry's rules of error severity."""
    from callflow.rules import RULES

    return frozenset(r.code for r in RULES if r.info.severity == "error")


def errors(model: m.Response) -> list[tuple[Rule, Hit]]:
    """Every error-severity hit of the semantic rules on ``model``, in document order."""
    from callflow.rules import check

    return list(check(model, error_codes()))


def known_clean(text: str) -> bool:
    return text in _clean


def remember_clean(text: str) -> None:
    """Note ``text`` as a document the rules found clean (the oldest is forgotten first)."""
    if len(_clean) >= CLEAN_LIMIT:
        # another thread may be forgetting the same text: either way it is gone
        with suppress(RuntimeError, StopIteration):
            _clean.pop(next(iter(_clean)), None)
    _clean[text] = None


def explain(hits: list[tuple[Rule, Hit]], made_by: Callable[[m.Node], str]) -> str:
    """One line per hit: the rule's code and name, its message, and the builder call that
    made the node (``made_by``), so the user finds the line to change."""
    lines = []
    for rule, hit in hits:
        hint = f" ({hit.hint})" if hit.hint else ""
        lines.append(
            f"{rule.code} {rule.info.name}: {hit.message}{hint}; made by {made_by(hit.node)}"
        )
    more = "" if len(lines) == 1 else f"{len(lines)} lint errors:\n  "
    return more + "\n  ".join(lines)
