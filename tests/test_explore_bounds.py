"""When a bound stops ``explore``: the header names the bound and its value, what no path
reached is summed up (not thousands of EX005 and "never taken" lines), and ``--strict`` fails."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner, Result

from callflow import parse
from callflow.cli import cli
from simulator.explore import explore

KEYS = "1234567890*"


def menu(depth: int) -> str:
    """A menu of 12 choices (11 keys and a Default) at every level, ``depth`` levels deep."""
    if depth == 0:
        return "<Say>Leaf.</Say><Hangup/>"
    inner = menu(depth - 1)
    blocks = "".join(f'<DTMF value="{k}">{inner}</DTMF>' for k in KEYS)
    return f"<Gather><Say>Level {depth}.</Say>{blocks}<Default>{inner}</Default></Gather>"


def nested(depth: int) -> str:
    return f"<Response>\n{menu(depth)}\n<Error><Hangup/></Error>\n</Response>\n"


def run(*args: str | Path) -> Result:
    return CliRunner().invoke(cli, [str(a) for a in args])


def test_a_bound_is_named_and_unexplored_commands_are_summed_up(tmp_path: Path) -> None:
    flow = tmp_path / "deep.xml"
    flow.write_text(nested(4), encoding="utf-8")
    result = run("explore", flow, "--max-paths", "500")
    lines = result.output.splitlines()
    assert lines[0] == f"{flow}: 500 paths (stopped by --max-paths=500: not every path)"
    assert "EX005" not in result.output and "never taken" not in result.output
    assert len(lines) < 20, result.output
    (commands,) = [ln for ln in lines if "within the bounds:" in ln and " commands (" in ln]
    count = int(commands.split("bounds: ")[1].split(" ")[0])
    out = explore(parse(flow), max_paths=500)
    assert count == len(out.tally.uncovered_commands()) > 1000  # type: ignore[union-attr]
    assert "and " in commands and "more)" in commands  # the first few, then how many more
    assert result.exit_code == 0, result.output
    strict = run("explore", flow, "--max-paths", "500", "--strict")
    assert strict.exit_code == 1
    assert "stopped by --max-paths=500" in strict.output


def test_json_names_the_bound_and_sums_up(tmp_path: Path) -> None:
    flow = tmp_path / "deep.xml"
    flow.write_text(nested(3), encoding="utf-8")
    data = json.loads(run("explore", flow, "--max-depth", "2", "--format", "json").output)
    assert data["complete"] is False
    assert data["stopped_by"] == ["--max-depth=2"]
    assert data["unexplored"]["commands"] > 0
    assert len(data["unexplored"]["first_commands"]) == 5
    assert not [p for p in data["problems"] if p["code"] == "EX005"]
    assert [p["code"] for p in data["problems"]] == ["EX006"]


def test_a_complete_exploration_still_reports_unreached_commands(tmp_path: Path) -> None:
    flow = tmp_path / "dead.xml"
    flow.write_text(
        '<Response>\n<Geo states="CA"><Say>x</Say></Geo>\n<Hangup/>\n</Response>\n',
        encoding="utf-8",
    )
    result = run("explore", flow, "--state", "NY")
    assert result.output.splitlines()[0].endswith("(every path)")
    assert "EX005" in result.output
    assert run("explore", flow, "--strict").exit_code == 0
