"""What `callflow lint` tells a user about the in-repo corpora, pinned as text.

The rules' messages and hints are what a user reads, and most of them are words no other test
checks. `callflow lint` over each corpus (the acceptance corpus, the shapes the vendor
documents, the examples, and tests/data/lint-messages/ with the variants of each message) is
compared with the report checked in under tests/snapshots/, as ruff's snapshot tests do: a
changed message, hint, code or column is a reviewed change. When it is meant:

    CALLFLOW_UPDATE_SNAPSHOTS=1 .venv/bin/python -m pytest -q tests/test_lint_snapshots.py
    git diff tests/snapshots/

The lint runs in this process (no cache, one job), so the report is the code under test.
Parse-stage messages of tests/data/corpus/broken/cf001-*.xml come from libxml2 and may change
with its version; everything else is this project's text.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from snapshot import compare

from callflow.cli import cli

ROOT = Path(__file__).resolve().parent.parent
SNAPSHOTS = ROOT / "tests" / "snapshots"
CORPORA = {
    "lint-corpus.txt": "tests/data/corpus",
    "lint-opentact-shapes.txt": "tests/data/opentact-shapes",
    "lint-examples.txt": "examples",
    "lint-messages.txt": "tests/data/lint-messages",
}


def lint_report(folder: str) -> str:
    """The text report of `callflow lint` over ``folder`` (relative to the repository), with
    the summary line the user sees on stderr."""
    result = CliRunner().invoke(cli, ["lint", "--no-cache", "--jobs", "1", folder])
    assert result.exit_code in (0, 1), result.output
    return result.stdout + result.stderr


def _compare(name: str, actual: str) -> None:
    compare(
        SNAPSHOTS / name, actual, what="the lint report", test_file="tests/test_lint_snapshots.py"
    )


@pytest.mark.parametrize("snapshot", sorted(CORPORA))
def test_lint_report_matches_the_snapshot(snapshot: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(ROOT)
    _compare(snapshot, lint_report(CORPORA[snapshot]))
