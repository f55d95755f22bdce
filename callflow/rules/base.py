"""What a semantic rule is: a small check over the model that yields hits.

A rule never sees XML text and never builds a ``Finding`` itself: it says which node is wrong
(and which attribute, if one), in words a person can act on. The registry stamps the rule's
code and severity, and the lint driver turns the node's position into ``file:line:col``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from inspect import cleandoc

from callflow import model as m
from callflow.diagnostics import RuleInfo, Severity
from callflow.frozen import record


@record
class Hit:
    """One place a rule found a problem."""

    node: m.Node
    message: str
    attr: str | None = None
    """The attribute (as written in the source) the problem is about, for a precise column."""
    hint: str | None = None
    pos: m.Pos | None = None
    """Where to report, when not at ``node`` (e.g. the dissolved ``<Switch>`` wrapper)."""


@record
class Scope:
    """Where a node sits: the document root and the chain of its ancestors (root first)."""

    root: m.Response
    ancestors: tuple[m.Node, ...]

    @property
    def parent(self) -> m.Node | None:
        return self.ancestors[-1] if self.ancestors else None


Check = Callable[[m.Node, Scope], Iterable[Hit]]


@record
class Rule:
    """A semantic rule: identity, documentation, the node types it looks at, and its check."""

    info: RuleInfo
    doc: str
    targets: tuple[type[m.Node], ...]
    check: Check
    spelled_only: bool
    """Looks only at ``node.spelling``: skipped for the (many) nodes written canonically."""
    children_only: bool
    """Finds nothing in a node without element children: skipped for the (many) leaves."""

    @property
    def code(self) -> str:
        return self.info.code


def rule(
    code: str,
    name: str,
    severity: Severity,
    summary: str,
    *,
    targets: tuple[type[m.Node], ...],
    fixable: bool = False,
    spelled_only: bool = False,
    children_only: bool = False,
) -> Callable[[Check], Rule]:
    """Decorator: turn a check function into a ``Rule``; its docstring is the long doc."""

    def wrap(check: Check) -> Rule:
        doc = cleandoc(check.__doc__ or summary)
        info = RuleInfo(code, name, severity, summary, fixable)
        return Rule(info, doc, targets, check, spelled_only, children_only)

    return wrap


def written(node: m.Node, field: str) -> str | None:
    """The attribute name the source used for ``field`` (an alias or the canonical name).

    None when the value was written as element text (the old ``<callback>URL</callback>``).
    """
    if node.spelling is not None:
        for canonical, as_written in node.spelling.attrs:
            if canonical == field:
                return None if as_written == CONTENT else as_written
    return type(node).attr_specs()[field].xml


CONTENT = "#content"
"""How ``Spelling`` names element text that stood for an attribute."""
