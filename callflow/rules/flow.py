"""Rules about the order commands run in: dead code and failures nobody handles."""

from __future__ import annotations

from collections.abc import Iterator

from callflow import flowfacts
from callflow import grammar as g
from callflow import model as m
from callflow.rules.base import Hit, Scope, rule

BLOCK_TYPES: tuple[type[m.Node], ...] = tuple(
    cls for cls in m.ELEMENT_TYPES if "command" in cls.ALLOWS
)
"""Elements whose children run in sequence (derived from the grammar)."""


def _first_after(block: m.Node, stop: type[m.Node]) -> tuple[m.Node, m.Node] | None:
    """The first ``stop`` command of a block and the command right after it, if any."""
    found: m.Node | None = None
    for command in block.children:
        if not command.IS_COMMAND:
            continue
        if found is not None:
            return found, command
        if isinstance(command, m.Hangup):
            if stop is not m.Hangup:
                return None  # everything after is already reported as after the Hangup
            found = command
        elif isinstance(command, stop):
            found = command
    return None


def _line(node: m.Node) -> str:
    return f" at line {node.pos.line}" if node.pos else ""


@rule(
    "CF101",
    "unreachable-after-hangup",
    "error",
    "A command after <Hangup/> in the same block can never run.",
    targets=BLOCK_TYPES,
    children_only=True,
)
def unreachable_after_hangup(node: m.Node, scope: Scope) -> Iterator[Hit]:
    """A command that follows ``<Hangup/>`` in the same block never runs: the call has ended.

    Why: dead commands usually mean the Hangup is in the wrong place, or a branch that was
    meant to go on was cut short.

    Example::

        <Hangup/>
        <Say>Nobody hears this.</Say>   <!-- CF101 -->

    Fix: remove the commands after the Hangup, or move the Hangup after them. Only the first
    unreachable command of each block is reported.
    """
    pair = _first_after(node, m.Hangup)
    if pair:
        hangup, dead = pair
        yield Hit(
            dead,
            f"{dead.TAG} after the Hangup{_line(hangup)} can never run",
            hint="remove it or move the Hangup below it",
        )


@rule(
    "CF102",
    "unreachable-after-callback",
    "warning",
    "Commands after <Callback> in the same block are replaced by the fetched document.",
    targets=BLOCK_TYPES,
    children_only=True,
)
def unreachable_after_callback(node: m.Node, scope: Scope) -> Iterator[Hit]:
    """Commands after a ``<Callback>`` in the same block do not run when the Callback works.

    Why: ``<Callback>`` fetches a new document and runs it *instead of* the rest of this one.
    The commands after it run only when the request fails, which is what an ``<Error>``
    handler is for.

    Example::

        <Callback url="https://ivr.example.com/next"/>
        <Say>Goodbye.</Say>   <!-- CF102: heard only if the request fails -->

    Fix: move fallback commands into the Callback's ``<Error>`` handler, or delete them.
    """
    pair = _first_after(node, m.Callback)
    if pair:
        callback, later = pair
        yield Hit(
            later,
            f"{later.TAG} after the Callback{_line(callback)} runs only if the Callback fails",
            hint="the fetched document replaces the rest of this one; put fallbacks in <Error>",
        )


@rule(
    "CF103",
    "duplicate-handler",
    "error",
    "More than one <Error> (or <Default>) in one parent: only the first is used.",
    targets=m.ELEMENT_TYPES,
    children_only=True,
)
def duplicate_handler(node: m.Node, scope: Scope) -> Iterator[Hit]:
    """An element holds more than one ``<Error>`` handler, or a Gather more than one
    ``<Default>``.

    Why: a failure (or unmatched input) runs exactly one handler, the first one; any other is
    dead code and usually a copy-paste slip. The old ``<Switch>`` form makes this easy to do:
    a ``<Default>`` inside the Switch and another next to it end up in the same Gather.

    Fix: merge the handlers into one.
    """
    firsts: dict[type[m.Node], m.Node] = {}
    for child in node.children:
        kind = type(child)
        if kind is m.Error or kind is m.Default:
            first = firsts.setdefault(kind, child)
            if first is not child:
                yield Hit(
                    child,
                    f"{node.TAG} has a second {kind.TAG}; only the one{_line(first)} is used",
                    hint=f"merge the {kind.TAG} blocks",
                )


_MAY_FAIL: tuple[type[m.Node], ...] = tuple(
    cls for cls in m.ELEMENT_TYPES if cls.IS_COMMAND and cls in flowfacts.FALLIBLE
)


@rule(
    "CF161",
    "no-error-handler",
    "warning",
    "A command that can fail (Dial, Callback, Curl, Gather, Play of a URL) with no <Error> "
    "handler here or in any enclosing block.",
    targets=_MAY_FAIL,
)
def no_error_handler(node: m.Node, scope: Scope) -> Iterator[Hit]:
    """A command that can fail has no ``<Error>`` handler of its own and none in any enclosing
    block up to ``Response``. What can fail is ``callflow.flowfacts.failures``, the list the
    simulator and the explorer fail commands by: a ``Dial`` (busy, no answer), a ``Callback``
    or ``Curl`` (the request fails), a ``Gather`` (no input after every attempt; an input no
    DTMF value matches when there is no ``<Default>``; the ``url`` request), a ``Play`` of a URL
    (the audio cannot be fetched). A ``Play record=`` whose recording may be missing is CF113.

    Why: a Dial nobody answers, a caller who says nothing, or an HTTP request that times out,
    then goes unhandled: the failure is recorded and the flow silently goes on, often into a
    hang-up with no word to the caller. (The spec's rule: a failed command runs its own
    ``<Error>``, else the ``<Error>`` of the nearest enclosing block: ``Response``, a
    ``DTMF``/``Default``/``Error`` block, or a ``Call``/``Geo``/``Schedule``. A Gather's own
    ``<Error>`` handles the Gather's failures, not those inside its DTMF blocks; a Record's does
    not catch its children's.)

    Example::

        <Dial><To>+15045550111</To></Dial>   <!-- CF161 -->

    Fix: add ``<Error>`` inside the command, or one document-wide ``<Error>`` as a child of
    ``<Response>``.
    """
    ways = [f for f in flowfacts.failures(node) if f.label != flowfacts.NO_RECORDING]
    if not ways or flowfacts.handler_for(node, scope.ancestors) is not None:
        return
    if isinstance(node, m.Gather):
        what = "Gather url request" if node.url else "Gather"
    elif isinstance(node, m.Play):
        what = "Play of an audio URL"
    else:
        what = node.TAG
    hint = "add <Error> inside it, or one as a child of <Response>"
    passed = next((a for a in reversed(scope.ancestors) if _own_handler_only(a)), None)
    if passed is not None:
        hint = (
            f"the <Error> of the {passed.TAG}{_line(passed)} handles only the {passed.TAG}'s"
            f" own failure; {hint}"
        )
    fails = "; ".join(f.what for f in ways)
    yield Hit(
        node,
        f"{what} can fail ({fails}) and has no Error handler here or in any enclosing block",
        hint=hint,
    )


def _own_handler_only(node: m.Node) -> bool:
    """A command holding commands whose Error a reader may wrongly think catches them."""
    return type(node) not in g.HANDLER_BLOCKS and node.error_handler is not None
