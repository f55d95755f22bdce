"""Cassette replay end to end: the README's record-then-replay sequence, and no answer for a
request the cassette did not record (#15: Bob was told Alice's balance)."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from callflow.cli import cli

ROOT = Path(__file__).resolve().parents[1]
WEBAPP = ROOT / "examples" / "webapp"


def invoke(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def readme_commands(flag: str) -> list[list[str]]:
    """The README's ``callflow ...`` lines that use ``flag``, as argument lists."""
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    found = []
    for line in text.splitlines():
        if line.startswith("callflow ") and flag in line:
            found.append(shlex.split(line.partition("#")[0])[1:])
    return found


def test_the_readme_record_then_replay_sequence_passes(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(ROOT)
    cassette = str(tmp_path / "calls.yaml")
    (record,) = readme_commands("--record-http")
    (replay,) = readme_commands("--replay-http")
    assert record[0] == replay[0] == "test"  # the same scenarios are recorded and replayed

    def run(args: list[str]) -> Result:
        return invoke(*[cassette if a == "calls.yaml" else a for a in args])

    recorded = run(record)
    assert recorded.exit_code == 0, recorded.output
    replayed = run(replay)
    assert replayed.exit_code == 0, replayed.output
    count = len(list((ROOT / record[1]).glob("*.yaml")))
    assert f"{count} passed, 0 failed" in replayed.output
    assert replayed.output == recorded.output


def test_a_cassette_of_one_caller_does_not_answer_another(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(WEBAPP)  # --app imports from the current directory
    cassette = str(tmp_path / "alice.yaml")
    alice = ("simulate", "flow.xml", "--from", "+12125550100")
    recorded = invoke(*alice, "--digits", "1234", "--app", "ivr_web:app", "--record-http", cassette)
    assert recorded.exit_code == 0 and "152 dollars" in recorded.output, recorded.output
    bob = invoke(*alice, "--digits", "9999", "--replay-http", cassette)
    assert "152 dollars" not in bob.output and "Alice" in bob.output  # the start was recorded
    got = re.search(r"no recorded answer for GET (\S+) \(nearest recorded: GET (\S+); "
                    r"differs in: ([^)]*)\)", bob.output)  # fmt: skip
    assert got is not None, bob.output
    asked, nearest, differs = got.groups()
    assert "dtmf=9999" in asked and "dtmf=1234" in nearest
    assert differs == "dtmf=9999 vs 1234"
    # the failure ran the Gather's Error handler, served in the recorded document
    assert "We did not get an account code. Goodbye." in bob.output
