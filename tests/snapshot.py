"""Checked-in snapshots of what users read (rule docs, lint reports, import reports), as ruff's
snapshot tests do: a changed text is a reviewed change. One comparison for every snapshot test."""

from __future__ import annotations

import difflib
import os
from pathlib import Path

import pytest

UPDATE_ENV = "CALLFLOW_UPDATE_SNAPSHOTS"
ROOT = Path(__file__).resolve().parents[1]


def compare(path: Path, actual: str, *, what: str, test_file: str) -> None:
    """Fail with a diff when ``actual`` differs from the snapshot at ``path``; with
    ``CALLFLOW_UPDATE_SNAPSHOTS=1`` set, write it first (then review ``git diff``)."""
    if os.environ.get(UPDATE_ENV):
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(actual, encoding="utf-8")
    expected = path.read_text(encoding="utf-8") if path.exists() else ""
    if actual == expected:
        return
    rel = path.relative_to(ROOT)
    diff = difflib.unified_diff(
        expected.splitlines(keepends=True),
        actual.splitlines(keepends=True),
        f"{rel} (checked in)",
        f"{path.name} (now)",
    )
    pytest.fail(
        f"{what} changed; if that is meant, run `{UPDATE_ENV}=1 .venv/bin/python -m pytest -q"
        f" {test_file}` and review `git diff {rel.parent}/`\n" + "".join(diff),
        pytrace=False,
    )
