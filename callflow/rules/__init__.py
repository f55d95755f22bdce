"""The registry of semantic lint rules, and the one pass that runs them over a model.

Each rule is a small function in a themed module (flow, verbs, gather, blocks, spelling)
with a stable code; this module gathers them, checks the codes are unique, and dispatches
every node of a document to the rules that target its type.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import lru_cache
from types import MappingProxyType

from callflow import model as m
from callflow.diagnostics import RuleInfo
from callflow.parser import PARSE_RULES
from callflow.rules import blocks, flow, gather, spelling, tone, verbs
from callflow.rules.base import Hit, Rule, Scope
from callflow.rules.parse_docs import parse_doc
from callflow.suppression import BAD_SUPPRESSION, BAD_SUPPRESSION_DOC

RULES: tuple[Rule, ...] = tuple(
    sorted(
        (
            flow.unreachable_after_hangup,
            flow.unreachable_after_callback,
            flow.duplicate_handler,
            verbs.say_two_texts,
            verbs.say_no_text,
            verbs.play_source_count,
            verbs.play_unknown_recording,
            verbs.dial_no_destination,
            verbs.callback_no_url,
            tone.tone_no_length,
            gather.dtmf_duplicate,
            gather.dtmf_too_long,
            gather.dtmf_contains_stop_key,
            gather.gather_url_and_dtmf,
            gather.dtmf_empty_value,
            gather.gather_no_prompt,
            gather.gather_no_branches,
            gather.gather_plus_stop_key,
            verbs.url_not_absolute,
            blocks.schedule_overlap,
            blocks.geo_county_without_states,
            spelling.alias_spelling,
            spelling.alias_conflict,
            spelling.method_case,
            spelling.switch_form,
            verbs.seconds_not_ms,
            flow.no_error_handler,
        ),
        key=lambda r: r.code,
    )
)
"""Every semantic rule, in code order."""

DRIVER_RULES: tuple[tuple[RuleInfo, str], ...] = ((BAD_SUPPRESSION, BAD_SUPPRESSION_DOC),)
"""Checks the lint driver makes itself (on ``callflow:`` comments), with their docs."""


RuleTable = MappingProxyType[type[m.Node], tuple[Rule, ...]]
Tables = tuple[RuleTable, RuleTable, RuleTable, RuleTable]
"""Dispatch tables by node kind: index ``2 * spelled + leaf`` (``spelled``: the node has a
``spelling``; ``leaf``: it has no element children)."""


def _by_type(spelled: bool, leaf: bool, chosen: tuple[Rule, ...]) -> RuleTable:
    """Node type -> the rules to run on it (in code order), for one kind of node."""
    table: dict[type[m.Node], list[Rule]] = {}
    for rule in chosen:
        if (rule.spelled_only and not spelled) or (rule.children_only and leaf):
            continue
        for cls in rule.targets:
            table.setdefault(cls, []).append(rule)
    return MappingProxyType({cls: tuple(rules) for cls, rules in table.items()})


def _make_tables(chosen: tuple[Rule, ...]) -> Tables:
    return (
        _by_type(False, False, chosen),
        _by_type(False, True, chosen),
        _by_type(True, False, chosen),
        _by_type(True, True, chosen),
    )


_ALL = _make_tables(RULES)


@lru_cache(maxsize=32)
def _tables(codes: frozenset[str]) -> Tables:
    """The dispatch tables for a selection of rules (a config's ``select``/``ignore``)."""
    return _make_tables(tuple(r for r in RULES if r.code in codes))


def check(root: m.Response, codes: frozenset[str] | None = None) -> Iterator[tuple[Rule, Hit]]:
    """Run every rule (or only those whose code is in ``codes``) over a document: each hit
    with the rule that found it, in document order (rules in code order within a node).

    One pass over the tree, in document order, that calls, for each node, only the
    rules its type, spelling and children can interest; the hits are collected in a list,
    which costs less than a generator per node.
    """
    tables = _ALL if codes is None else _tables(codes)
    found: list[tuple[Rule, Hit]] = []
    _visit(root, Scope(root, ()), tables, found)
    return iter(found)


def _visit(node: m.Node, scope: Scope, tables: Tables, found: list[tuple[Rule, Hit]]) -> None:
    """The rules for ``node``, then its element children in order (comments skipped); the
    elements nest at most ``model.MAX_DEPTH`` deep (the parser and the builder refuse more)."""
    children = node.children
    leaf = not children or (
        isinstance(children[0], m.Comment) and all(isinstance(c, m.Comment) for c in children)
    )
    chosen = tables[(node.spelling is not None) * 2 + leaf].get(type(node))
    if chosen:
        for rule in chosen:
            for hit in rule.check(node, scope):
                found.append((rule, hit))
    if not leaf:  # siblings share one (immutable) Scope: fewer objects per document
        inner = Scope(scope.root, (*scope.ancestors, node))
        for child in children:
            if not isinstance(child, m.Comment):
                _visit(child, inner, tables, found)


def all_rule_infos() -> tuple[RuleInfo, ...]:
    """Every check `callflow lint` can report: parse stage (CF0xx), semantic rules, then the
    driver's own (CF190)."""
    return (*PARSE_RULES, *(r.info for r in RULES), *(info for info, _ in DRIVER_RULES))


def find(code_or_name: str) -> tuple[RuleInfo, str] | None:
    """A rule's info and long documentation, by code (any case) or kebab-case name."""
    wanted = code_or_name.strip()
    for rule in RULES:
        if wanted.upper() == rule.code or wanted == rule.info.name:
            return rule.info, rule.doc
    for info in PARSE_RULES:
        if wanted.upper() == info.code or wanted == info.name:
            return info, parse_doc(info.code) or info.summary
    for info, doc in DRIVER_RULES:
        if wanted.upper() == info.code or wanted == info.name:
            return info, doc
    return None


def _check_unique() -> None:
    codes = [info.code for info in all_rule_infos()]
    names = [info.name for info in all_rule_infos()]
    if len(set(codes)) != len(codes) or len(set(names)) != len(names):
        raise RuntimeError("lint rule codes and names must be unique")


_check_unique()

__all__ = ["RULES", "Hit", "Rule", "Scope", "all_rule_infos", "check", "find"]
