"""The import report as a migrating user reads it, pinned for every TwiML shape.

For each document in tests/data/twiml-shapes/, `callflow import twiml` is run in-process with
and without the import options; its text report (verbose, with the webhook map), the XML it
writes and its JSON report are compared with the files checked in under
tests/snapshots/twiml-import/. A changed note, result, line or converted attribute shows as a
diff to review, as with the rule table (tests/test_rule_snapshots.py). When a change is meant:

    CALLFLOW_UPDATE_SNAPSHOTS=1 .venv/bin/python -m pytest -q tests/test_import_twiml_snapshots.py
    git diff tests/snapshots/twiml-import/
"""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from snapshot import compare

from callflow.cli import cli

DATA = Path(__file__).parent / "data" / "twiml-shapes"
SHAPES = sorted(DATA.glob("*.xml"))
SNAPSHOTS = Path(__file__).parent / "snapshots" / "twiml-import"
OPTIONS = ["--base-url", "https://ivr.example.com/app/voice", "--region", "US",
           "--client-domain", "pbx.example.com"]  # fmt: skip


def _run(name: str, *args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(cli, ["import", "twiml", name, *args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert result.exit_code in (0, 1), result.output
    return result.exit_code, result.stdout, result.stderr


def text_snapshot(name: str) -> str:
    """Both runs' exit status, text report (stderr) and XML (stdout)."""
    parts = []
    for label, options in (("with options", OPTIONS), ("bare", [])):
        code, xml, report = _run(name, "-v", "--webhook-map", *options)
        parts.append(f"==== {label}: exit {code} ====\n---- report\n{report}---- xml\n{xml}\n")
    return "".join(parts)


def json_snapshot(name: str) -> str:
    return _run(name, "--format", "json", "--webhook-map", *OPTIONS)[1]


def _compare(path: Path, actual: str) -> None:
    compare(
        path, actual, what="the import report", test_file="tests/test_import_twiml_snapshots.py"
    )


@pytest.mark.parametrize("path", SHAPES, ids=[p.stem for p in SHAPES])
def test_text_report_and_xml_match_the_snapshot(
    path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(DATA)
    _compare(SNAPSHOTS / f"{path.stem}.txt", text_snapshot(path.name))


@pytest.mark.parametrize("path", SHAPES, ids=[p.stem for p in SHAPES])
def test_json_report_matches_the_snapshot(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(DATA)
    _compare(SNAPSHOTS / f"{path.stem}.json", json_snapshot(path.name))


def test_every_snapshot_belongs_to_a_shape() -> None:
    """A renamed or removed shape leaves no stale snapshot behind."""
    stems = {p.stem for p in SHAPES}
    assert SHAPES
    assert {p.stem for p in SNAPSHOTS.iterdir()} == stems
    assert len(list(SNAPSHOTS.iterdir())) == 2 * len(stems)
