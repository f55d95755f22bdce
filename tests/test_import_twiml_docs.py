"""docs/twiml.md shows real output: its side-by-side example is converted again here and must
give exactly the Opentact XML and the report the page shows."""

from __future__ import annotations

import re
from pathlib import Path

from click.testing import CliRunner

from callflow.cli import cli

DOC = Path(__file__).resolve().parents[1] / "docs" / "twiml.md"
BASE = "https://ivr.example.com/voice"


def blocks(kind: str) -> list[str]:
    return re.findall(rf"```{kind}\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)


def test_the_side_by_side_example_is_what_the_importer_writes(tmp_path: Path) -> None:
    twiml, opentact = blocks("xml")[:2]
    source = tmp_path / "ivr.xml"
    source.write_text(twiml, encoding="utf-8")
    result = CliRunner().invoke(cli, ["import", "twiml", str(source), "--base-url", BASE])
    assert result.exit_code == 0
    assert result.stdout == opentact
    report = result.stderr.replace(f"{source}:", "ivr.xml:")
    assert report == blocks("text")[0]
    assert f"--base-url {BASE}" in DOC.read_text(encoding="utf-8")
