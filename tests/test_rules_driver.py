"""The rule driver (``rules.check``) finds exactly what running every rule on every node it
targets finds, in the same order: its skips (rules that read only spellings, or only element
children) never lose a hit, and its single pass keeps document order.

The reference below is the definition of a rule pass: walk the tree in document order and,
at each node, call each selected rule (in code order) whose targets include the node's type.
It skips nothing but what a rule declares it never looks at (``spelled_only`` on a node
written canonically), so the driver's own ``children_only`` skip is checked too.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given
from strategies import mutated_documents, valid_models

from bench.corpus import write_corpus
from callflow import model as m
from callflow import rules
from callflow.parser import ParseError, parse
from callflow.rules.base import Hit, Rule, Scope

ROOT = Path(__file__).resolve().parents[1]
FOLDERS = {"tests/data/corpus": True, "tests/data/opentact-shapes": True, "examples": False}
"""Folders of documents, and whether some of them break a rule (the examples are clean)."""

SELECTIONS: tuple[frozenset[str] | None, ...] = (
    None,
    frozenset(r.code for r in rules.RULES if r.info.severity == "error"),  # the builder's
    frozenset({"CF103", "CF113", "CF150", "CF161"}),
    frozenset(),
)


def walk(root: m.Response) -> Iterator[tuple[m.Node, Scope]]:
    """Every element node (comments skipped) in document order, with its scope."""
    stack: list[tuple[m.Node, Scope]] = [(root, Scope(root, ()))]
    while stack:
        node, scope = stack.pop()
        yield node, scope
        inner = Scope(root, (*scope.ancestors, node))
        kids = [c for c in reversed(node.children) if not isinstance(c, m.Comment)]
        stack.extend((c, inner) for c in kids)


def reference(root: m.Response, codes: frozenset[str] | None) -> Iterator[tuple[Rule, Hit]]:
    chosen = [r for r in rules.RULES if codes is None or r.code in codes]
    for node, scope in walk(root):
        for rule in chosen:
            if type(node) in rule.targets and (node.spelling is not None or not rule.spelled_only):
                for hit in rule.check(node, scope):
                    yield rule, hit


def assert_same(root: m.Response) -> int:
    """The driver and the reference agree on ``root`` for every selection; the hits."""
    count = 0
    for codes in SELECTIONS:
        want = list(reference(root, codes))
        got = list(rules.check(root, codes))
        assert [(r.code, h) for r, h in got] == [(r.code, h) for r, h in want]
        assert all(g[1].node is w[1].node for g, w in zip(got, want, strict=True))
        count += len(got)
    return count


def _models(folder: Path) -> list[m.Response]:
    out = []
    for path in sorted(folder.rglob("*.xml")):
        try:
            out.append(parse(path))
        except ParseError:
            continue  # the broken half of a corpus: no model to run rules on
    return out


@pytest.mark.parametrize("folder", FOLDERS)
def test_driver_matches_the_reference_on_the_repository_corpora(folder: str) -> None:
    models = _models(ROOT / folder)
    assert models, f"no model parsed from {folder}"
    hits = sum(assert_same(model) for model in models)
    assert (hits > 0) == FOLDERS[folder]


def test_driver_matches_the_reference_on_the_bench_corpus(tmp_path: Path) -> None:
    write_corpus(tmp_path, 150, 20)
    models = _models(tmp_path)
    assert len(models) >= 150
    assert sum(assert_same(model) for model in models) > 0


@given(valid_models())
def test_driver_matches_the_reference_on_generated_models(model: m.Response) -> None:
    assert_same(model)


@given(mutated_documents())
def test_driver_matches_the_reference_on_mutated_documents(data: bytes) -> None:
    """Mutations bring alias spellings, Switch wrappers and odd nestings the models lack."""
    try:
        model = parse(data)
    except ParseError:
        return
    assert_same(model)
