"""Rules about ``<Gather>``: its DTMF blocks, prompts, branches and stop key."""

from __future__ import annotations

from collections.abc import Iterator

from callflow import model as m
from callflow.rules.base import Hit, Scope, rule, written


def _gather(node: m.Node) -> m.Gather:
    assert isinstance(node, m.Gather)
    return node


@rule(
    "CF120",
    "dtmf-duplicate",
    "error",
    "Two <DTMF> blocks of one Gather have the same value.",
    targets=(m.Gather,),
    children_only=True,
)
def dtmf_duplicate(node: m.Node, scope: Scope) -> Iterator[Hit]:
    """Two ``<DTMF>`` blocks in one Gather with the same ``value``: input selects the first,
    so the second never runs. Reported at the second block.

    Fix: give each block its own value, or merge the two blocks.
    """
    seen: dict[str, m.DTMF] = {}
    for branch in _gather(node).branches:
        first = seen.setdefault(branch.value, branch)
        if first is not branch:
            where = f" at line {first.pos.line}" if first.pos else ""
            yield Hit(
                branch,
                f"DTMF value {branch.value!r} is already used{where}; this block never runs",
                attr=written(branch, "value"),
                hint="give each DTMF block its own value",
            )


@rule(
    "CF121",
    "dtmf-too-long",
    "error",
    "A DTMF value has more digits than the Gather's dtmf_length collects.",
    targets=(m.Gather,),
    children_only=True,
)
def dtmf_too_long(node: m.Node, scope: Scope) -> Iterator[Hit]:
    """Gather stops collecting after ``dtmf_length`` keys, so a ``<DTMF>`` value with more
    digits can never be entered.

    Example::

        <Gather dtmf_length="1">
          <DTMF value="12">...</DTMF>   <!-- CF121 -->

    Fix: raise ``dtmf_length`` on the Gather, or shorten the value.
    """
    gather = _gather(node)
    for branch in gather.branches:
        if len(branch.value) > gather.dtmf_length:
            yield Hit(
                branch,
                f"DTMF value {branch.value!r} has more digits than dtmf_length"
                f" ({gather.dtmf_length}) collects; it can never match",
                attr=written(branch, "value"),
                hint=f'set dtmf_length="{len(branch.value)}" on the Gather',
            )


@rule(
    "CF122",
    "dtmf-contains-stop-key",
    "error",
    "A DTMF value contains the Gather's stop key, which is never part of the input.",
    targets=(m.Gather,),
    children_only=True,
)
def dtmf_contains_stop_key(node: m.Node, scope: Scope) -> Iterator[Hit]:
    """The Gather's ``dtmf_stop`` key (``#`` unless set) ends input and is not part of it, so
    a ``<DTMF>`` value containing that key can never be entered.

    Example::

        <Gather dtmf_length="2">          <!-- dtmf_stop is # -->
          <DTMF value="1#">...</DTMF>   <!-- CF122 -->

    Fix: drop the key from the value, or choose another ``dtmf_stop``.
    """
    gather = _gather(node)
    for branch in gather.branches:
        if gather.dtmf_stop in branch.value:
            yield Hit(
                branch,
                f"DTMF value {branch.value!r} contains the stop key {gather.dtmf_stop!r},"
                " which ends input and is never part of it",
                attr=written(branch, "value"),
                hint="remove the key from the value or change dtmf_stop",
            )


@rule(
    "CF123",
    "gather-url-and-dtmf",
    "error",
    "A Gather with a url also has DTMF/Default blocks, which are never used.",
    targets=(m.Gather,),
    children_only=True,
)
def gather_url_and_dtmf(node: m.Node, scope: Scope) -> Iterator[Hit]:
    """With a ``url``, a Gather sends the input there and runs the document that comes back;
    its ``<DTMF>`` and ``<Default>`` blocks are never used.

    Fix: choose one: branch in the XML (remove ``url``) or in your web app (remove the blocks).
    """
    gather = _gather(node)
    if gather.url and (gather.branches or gather.default):
        kinds = "DTMF blocks" if gather.branches else "a Default block"
        yield Hit(
            node,
            f"Gather has a url and {kinds}; the blocks are never used",
            attr=written(node, "url"),
            hint="remove the url or the blocks",
        )


@rule(
    "CF124",
    "dtmf-empty-value",
    "error",
    "A <DTMF> block with an empty value can never be selected.",
    targets=(m.DTMF,),
)
def dtmf_empty_value(node: m.Node, scope: Scope) -> Iterator[Hit]:
    """A ``<DTMF>`` block selects on its ``value``; an empty value matches no input.
    (Input with no keys is "no input", handled by ``<Error>``.)

    Fix: give the digits, ``<DTMF value="1">``.
    """
    assert isinstance(node, m.DTMF)
    if not node.value:
        yield Hit(
            node,
            "DTMF block has an empty value; no input selects it",
            hint='give the digits, e.g. value="1"',
        )


_HEARD = (m.Say, m.Play, m.Tone)
"""Prompts a caller hears (a Pause asks nothing)."""


def _prompt_before(gather: m.Gather, scope: Scope) -> tuple[m.Node, bool] | None:
    """The nearest Say/Play/Tone before ``gather`` in its own block, and whether it comes
    right before it. The search stops at an earlier Gather: a prompt before that one was its
    prompt."""
    block = scope.parent
    if block is None:
        return None
    earlier: list[m.Node] = []
    for child in block.commands:
        if child is gather:
            break
        earlier.append(child)
    for back, child in enumerate(reversed(earlier)):
        if isinstance(child, m.Gather):
            return None
        if isinstance(child, _HEARD):
            return child, back == 0
    return None


@rule(
    "CF125",
    "gather-no-prompt",
    "warning",
    "A Gather without a prompt inside: silence while it waits, or keys lost during a prompt"
    " placed before it.",
    targets=(m.Gather,),
)
def gather_no_prompt(node: m.Node, scope: Scope) -> Iterator[Hit]:
    """A Gather plays its prompt children at the start of every attempt and collects keys
    pressed while they play. A Gather with no prompt inside has one of two problems:

    - the prompt is a ``<Say>``/``<Play>``/``<Tone>`` *before* the Gather (the shape of
      Opentact's own multi-level menu example). The caller hears it, but the Gather is not
      listening yet: keys pressed while it plays are lost, so a caller who knows the menu
      cannot barge in, and a repeated attempt is silent;
    - there is no prompt anywhere before it in its block: the caller hears silence while it
      waits and does not know input is expected.

    Example::

        <Say>For sales press 1.</Say>
        <Gather>                       <!-- CF125: the prompt is outside -->
          <DTMF value="1">...</DTMF>
        </Gather>

    Fix: move the ``<Say>`` or ``<Play>`` that asks for input inside the Gather.
    """
    gather = _gather(node)
    if gather.prompts:
        return
    found = _prompt_before(gather, scope)
    if found is None:
        yield Hit(
            node,
            "Gather has no prompt; the caller hears silence while it waits",
            hint="put the <Say> or <Play> that asks for input inside the Gather",
        )
        return
    before, adjacent = found
    where = f" at line {before.pos.line}" if before.pos else ""
    just = "just before" if adjacent else "before"
    yield Hit(
        node,
        f"Gather's prompt is the <{before.TAG}>{where} {just} it, outside the Gather:"
        " keys pressed while it plays are lost",
        hint=f"move the <{before.TAG}> inside the Gather to let callers barge in",
    )


@rule(
    "CF126",
    "gather-no-branches",
    "warning",
    "A Gather with neither DTMF/Default blocks nor a url ignores the input.",
    targets=(m.Gather,),
)
def gather_no_branches(node: m.Node, scope: Scope) -> Iterator[Hit]:
    """A Gather that has no ``<DTMF>`` or ``<Default>`` block and no ``url`` collects keys and
    then does nothing with them: any input counts as a failure.

    Fix: add ``<DTMF value="...">`` blocks, or a ``url`` that receives the input.
    """
    gather = _gather(node)
    if not gather.branches and gather.default is None and not gather.url:
        yield Hit(
            node,
            "Gather has neither DTMF/Default blocks nor a url; the input is unused",
            hint='add <DTMF value="..."> blocks or a url',
        )


@rule(
    "CF127",
    "gather-plus-stop-key",
    "warning",
    "dtmf_stop='+' is not a DTMF key (old docs list it); callers cannot press it.",
    targets=(m.Gather,),
)
def gather_plus_stop_key(node: m.Node, scope: Scope) -> Iterator[Hit]:
    """Old documentation lists ``+`` as a possible ``dtmf_stop``, but a phone keypad has no
    ``+`` DTMF key: nobody can end input early.

    Fix: use ``#`` (the default) or ``*``.
    """
    if _gather(node).dtmf_stop == "+":
        yield Hit(
            node,
            "dtmf_stop '+' is not a DTMF key; callers cannot press it",
            attr=written(node, "dtmf_stop"),
            hint='use "#" or "*"',
        )
