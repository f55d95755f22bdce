"""Rules about how a document is written: alias names, conflicting aliases, value case.

They read ``node.spelling``, which the parser fills in when it normalises what the source
wrote; ``callflow fmt`` rewrites every fixable one to the canonical form.
"""

from __future__ import annotations

from collections.abc import Iterator

from callflow import model as m
from callflow import types as t
from callflow.rules.base import CONTENT, Hit, Scope, rule, written

_FMT_HINT = "callflow fmt rewrites it"


def _conflicts(node: m.Node) -> Iterator[tuple[str, str, str, bool]]:
    """(canonical field, alias, alias value, values agree) for each attribute given twice."""
    if node.spelling is None:
        return
    specs = type(node).attr_specs()
    for field, alias, raw in node.spelling.conflicts:
        value = getattr(node, field)
        if alias == CONTENT:
            agree = raw == value
        else:
            try:
                agree = specs[field].type.parse(raw) == value
            except ValueError:
                agree = False
        yield field, alias, raw, agree


def _formatted(node: m.Node, field: str) -> str:
    return str(type(node).attr_specs()[field].type.format(getattr(node, field)))


@rule(
    "CF150",
    "alias-spelling",
    "warning",
    "An alias spelling (Sip, Scheduler, numDigits, ...) instead of the canonical name.",
    targets=m.ELEMENT_TYPES,
    fixable=True,
    spelled_only=True,
)
def alias_spelling(node: m.Node, scope: Scope) -> Iterator[Hit]:
    """The document uses an accepted alias instead of the canonical name: an element
    (``<Sip>`` for ``<To>``, ``<Scheduler>``, lowercase ``<callback>``, ``<Case>`` for
    ``<DTMF>``), an attribute (``numDigits``/``length`` for ``dtmf_length``, ``finishOnKey``
    for ``dtmf_stop``, ``callback`` for ``url``, ``dtmf`` for ``value``, ``say`` for
    ``play``, ``v`` for ``volume``), a Callback URL written as element text, or the same value
    given under both names.

    Why: one spelling per thing keeps documents searchable and diffs small; the aliases come
    from contradicting documentation pages.

    Fix: run ``callflow fmt``, which rewrites every alias to its canonical name.
    """
    spelling = node.spelling
    if spelling is None:
        return
    if spelling.element:
        yield Hit(node, f"<{spelling.element}> is an alias; write <{node.TAG}>", hint=_FMT_HINT)
    specs = type(node).attr_specs()
    for field, alias in spelling.attrs:
        if alias == CONTENT:
            yield Hit(
                node,
                f"{node.TAG} URL written as element text; write the url attribute",
                hint=_FMT_HINT,
            )
        else:
            yield Hit(
                node, f"{alias} is an alias of {specs[field].xml}", attr=alias, hint=_FMT_HINT
            )
    for field, alias, _raw, agree in _conflicts(node):
        if agree and alias != CONTENT:
            yield Hit(
                node, f"{alias} repeats {specs[field].xml}; remove it", attr=alias, hint=_FMT_HINT
            )
        elif agree:
            yield Hit(
                node, f"{node.TAG} URL given twice (url attribute and element text)", hint=_FMT_HINT
            )


@rule(
    "CF151",
    "alias-conflict",
    "error",
    "An attribute and its alias are both given, with different values.",
    targets=m.ELEMENT_TYPES,
    spelled_only=True,
)
def alias_conflict(node: m.Node, scope: Scope) -> Iterator[Hit]:
    """The same attribute is given twice, under its canonical name and an alias (or two
    aliases), with different values, e.g. ``dtmf_length="1" numDigits="2"``, or a Callback
    with both a ``url`` attribute and a different URL as text. Only one value is used, and the
    document does not say which one was meant.

    Fix: delete the spelling you did not mean.
    """
    specs = type(node).attr_specs()
    for field, alias, raw, agree in _conflicts(node):
        if agree:
            continue
        used = _formatted(node, field)
        if alias == CONTENT:
            message = f"{node.TAG} has url {used!r} and a different URL as text {raw!r}"
        else:
            name = written(node, field) or specs[field].xml
            message = f'{alias}="{raw}" conflicts with {name}="{used}" (the value used)'
        yield Hit(
            node,
            message,
            attr=None if alias == CONTENT else alias,
            hint="delete the one you did not mean",
        )


def _is_case_folded(spec: m.AttrSpec) -> bool:
    return isinstance(spec.type, t.EnumType) and spec.type.fold_case


@rule(
    "CF152",
    "method-case",
    "warning",
    "An HTTP method not written in upper case (post for POST).",
    targets=m.ELEMENT_TYPES,
    fixable=True,
    spelled_only=True,
)
def method_case(node: m.Node, scope: Scope) -> Iterator[Hit]:
    """HTTP methods are accepted in any case (one docs example writes ``method="post"``), but
    the canonical form is upper case.

    Fix: write ``method="POST"``, or run ``callflow fmt``.
    """
    if node.spelling is None:
        return
    specs = type(node).attr_specs()
    for field, raw in node.spelling.values:
        spec = specs.get(field)
        if spec is not None and _is_case_folded(spec):
            name = written(node, field) or spec.xml
            yield Hit(
                node,
                f'{name} "{raw}" is not upper case',
                attr=name,
                hint=f'write {name}="{raw.upper()}" ({_FMT_HINT})',
            )


@rule(
    "CF153",
    "switch-form",
    "warning",
    "The old <Switch><Case dtmf=...> form inside Gather.",
    targets=(m.Gather,),
    fixable=True,
)
def switch_form(node: m.Node, scope: Scope) -> Iterator[Hit]:
    """Old documentation wraps a Gather's branches in ``<Switch>`` with ``<Case dtmf="1">``
    blocks. It means exactly the same as ``<DTMF value="1">`` blocks (plus ``<Default>`` and
    ``<Error>``) written directly inside the Gather, which is the canonical form. Reported once
    per Switch.

    Fix: run ``callflow fmt``, which removes the wrapper and renames the blocks.
    """
    seen: set[tuple[int, int]] = set()
    for child in node.children:
        wrapper = child.spelling.wrapper if child.spelling else None
        if wrapper is not None and (wrapper.line, wrapper.col) not in seen:
            seen.add((wrapper.line, wrapper.col))
            yield Hit(
                node,
                "old <Switch>/<Case> form; write DTMF blocks directly in the Gather",
                pos=wrapper,
                hint=_FMT_HINT,
            )
