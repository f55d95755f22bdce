"""Our own documents in the shape of every example on Opentact's public docs pages
(tests/data/opentact-shapes/): nothing the vendor documents as valid may be a lint error, and
every one runs to a normal end. Shapes of docs examples that are themselves broken live in
``broken/`` and must get the finding their ``expect:`` comment names."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from callflow import parse
from callflow.lint import lint_file
from simulator import simulate
from simulator.explore import explore

SHAPES = Path(__file__).parent / "data" / "opentact-shapes"
GOOD = sorted(SHAPES.glob("*.xml"))
BROKEN = sorted((SHAPES / "broken").glob("*.xml"))
NAMED_PAGE = re.compile(r"Shape of: (https://\S+)")
NORMAL_ENDINGS = {"hangup", "end-of-document", "caller-hangup", "unknown-document"}
"""The flow hung up, ran out of document (which hangs up: spec section 1), the caller hung up,
or the call went on in a document the backend returned (which the corpus cannot know).
Not normal: ``limit`` (a loop or a bound) and ``error``."""
EXPECT = re.compile(r"expect: ((?:CF\d{3}[ ,]*)+)")


def test_the_corpus_is_there() -> None:
    assert len(GOOD) >= 20 and BROKEN


@pytest.mark.parametrize("path", GOOD + BROKEN, ids=lambda p: p.name)
def test_each_document_names_the_docs_page_it_follows(path: Path) -> None:
    page = NAMED_PAGE.search(path.read_text(encoding="utf-8"))
    assert page is not None, f"{path.name} names no docs page"
    assert page.group(1).startswith(("https://doc.opentact.org/", "https://dantonia.gitbook.io/"))


@pytest.mark.parametrize("path", GOOD, ids=lambda p: p.name)
def test_documented_shapes_lint_without_errors(path: Path) -> None:
    result = lint_file(str(path))
    errors = [f for f in result.findings if f.severity == "error"]
    assert errors == [], errors


@pytest.mark.parametrize("path", GOOD, ids=lambda p: p.name)
def test_documented_shapes_simulate_to_a_normal_end(path: Path) -> None:
    flow = parse(path)
    call = simulate(flow)
    assert call.result == "hangup", call.reason
    found = explore(flow, max_paths=2000)
    assert found.complete
    assert set(found.endings) <= NORMAL_ENDINGS, dict(found.endings)


@pytest.mark.parametrize("path", BROKEN, ids=lambda p: p.name)
def test_broken_docs_shapes_get_their_finding(path: Path) -> None:
    expected = EXPECT.search(path.read_text(encoding="utf-8"))
    assert expected is not None, f"{path.name} has no 'expect:' comment"
    codes = set(re.findall(r"CF\d{3}", expected.group(1)))
    result = lint_file(str(path))
    found = {f.code for f in result.findings if f.severity == "error"}
    assert codes <= found, result.findings
