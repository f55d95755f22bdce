"""Issue 16's reproducers for the inputs beside the flow: dates at the edge, huge numbers,
deep nesting and duplicate keys, through the real commands. Each ends in a clear message and
exit 2 (or 1 for a bad row), or is rendered exactly as written; never an internal error."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from callflow.cli import cli

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"
CAMPAIGN = EXAMPLES / "campaign"
TEMPLATE = CAMPAIGN / "reminder.xml"
BEHAVIOUR = (CAMPAIGN / "behaviour.yaml").read_text(encoding="utf-8")
RANGE = "outside the supported range of call start times, 1000-01-01 to 8999-12-31"
EDGES = ["9999-12-31T23:59:59+00:00", "0001-01-01T00:00:00+14:00"]
ROW = '"date": "May 4", "time": "9:30", "appointment_id": "A-1"'
DRY_RUN = ["--dry-run", "--profile-id", "60f98be5-1c4e-4d2c-b144-55fb9b4c79fd",
           "--lease-id", "2ed01387-cf80-4c09-b62a-00e170796b84"]  # fmt: skip


def run(*args: str | Path) -> Result:
    result = CliRunner().invoke(cli, [str(a) for a in args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    assert "internal error" not in result.output
    return result


# ---- dates at the edge ----------------------------------------------------------------------


@pytest.mark.parametrize("at", EDGES)
@pytest.mark.parametrize("command", ["simulate", "explore"])
def test_an_edge_date_on_the_command_line_is_a_usage_error(command: str, at: str) -> None:
    result = run(command, EXAMPLES / "after-hours.xml", "--at", at, "--tz", "America/Denver")
    assert result.exit_code == 2
    assert "--at" in result.stderr and f"'{at}' is {RANGE}" in result.stderr


@pytest.mark.parametrize("at", EDGES)
def test_an_edge_date_in_a_scenario_is_an_error_at_its_line(tmp_path: Path, at: str) -> None:
    scenario = tmp_path / "edge.yaml"
    scenario.write_text(
        f"flow: {EXAMPLES / 'after-hours.xml'}\ncall:\n  tz: America/Denver\n  at: '{at}'\n",
        encoding="utf-8",
    )
    for command in (["simulate", "--scenario"], ["test"], ["explore", "--scenario"]):
        result = run(*command, scenario)
        assert result.exit_code == 2 if command[0] != "test" else result.exit_code != 0
        assert f"edge.yaml:4:7: SC004 error call.at: '{at}' is {RANGE}" in result.output


@pytest.mark.parametrize("at", EDGES)
def test_an_edge_campaign_start_is_an_error_at_its_line(tmp_path: Path, at: str) -> None:
    model = tmp_path / "behaviour.yaml"
    model.write_text(BEHAVIOUR.replace('"2026-05-01T10:00:00"', f'"{at}"'), encoding="utf-8")
    result = run("campaign", TEMPLATE, "--recipients", CAMPAIGN / "recipients.csv",
                 "--behaviour", model)  # fmt: skip
    assert result.exit_code == 2
    assert f"behaviour.yaml:25:8: CP023 error start: '{at}' is {RANGE}" in result.stderr


def test_the_edges_of_the_range_still_simulate() -> None:
    for at in ("1000-01-01T00:00:00", "8999-12-31T23:59:59"):
        result = run("simulate", EXAMPLES / "after-hours.xml", "--at", at, "--tz", "Etc/GMT-14")
        assert result.exit_code in (0, 1), result.output


# ---- huge numbers ---------------------------------------------------------------------------


def test_huge_numbers_in_vars_are_substituted_as_written() -> None:
    nines = "9" * 5000
    result = run("render", TEMPLATE, "--vars", f'{{"first_name": {nines}, {ROW}}}')
    assert result.exit_code == 0, result.output
    assert f"Hello {nines}," in result.stdout


def test_numbers_in_json_lines_are_substituted_as_written(tmp_path: Path) -> None:
    rows = tmp_path / "rows.jsonl"
    nines = "9" * 100_000
    rows.write_text(
        f'{{"to": "+16125550101", "first_name": {nines}, {ROW}}}\n'
        f'{{"to": "+16125550102", "first_name": 1e999, {ROW}}}\n'
        f'{{"to": "+16125550103", "first_name": 2.50, {ROW}}}\n',
        encoding="utf-8",
    )
    out = tmp_path / "out"
    result = run("render", TEMPLATE, "--csv", rows, "-o", out)
    assert result.exit_code == 0, result.output
    texts = [p.read_text(encoding="utf-8") for p in sorted(out.iterdir())]
    assert f"Hello {nines}," in texts[0]
    assert "Hello 1e999," in texts[1] and "Infinity" not in texts[1]
    assert "Hello 2.50," in texts[2]
    requests = tmp_path / "requests.jsonl"
    dry = run("campaign", TEMPLATE, "--recipients", rows, *DRY_RUN, "-o", requests)
    assert dry.exit_code == 0, dry.output
    assert nines in requests.read_text(encoding="utf-8")


def test_a_huge_max_retries_is_a_bad_row(tmp_path: Path) -> None:
    rows = tmp_path / "rows.csv"
    rows.write_text(f"to,max_retries\n+16125550101,{'9' * 5000}\n", encoding="utf-8")
    result = run("campaign", TEMPLATE, "--recipients", rows, *DRY_RUN)
    assert result.exit_code == 1
    assert "rows.csv:2:1: CP010 error row 2: max_retries:" in result.stderr


# ---- deep nesting and duplicate keys --------------------------------------------------------


def test_deep_vars_file_is_a_usage_error(tmp_path: Path) -> None:
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100_000 + "]" * 100_000, encoding="utf-8")
    result = run("render", TEMPLATE, "--vars", f"@{deep}")
    assert result.exit_code == 2
    assert "--vars" in result.stderr
    assert "nested more than 100 levels deep (line 1 column 101)" in result.stderr


def test_deep_and_duplicate_json_lines_rows_are_bad_rows(tmp_path: Path) -> None:
    rows = tmp_path / "rows.jsonl"
    rows.write_text(
        f'{{"to": "+16125550101", "first_name": "Ann", {ROW}}}\n'
        '{"to": "+16125550102", "x": ' + "[" * 100_000 + "]" * 100_000 + "}\n"
        f'{{"to": "+16125550103", "to": "+16125550104", "first_name": "Bo", {ROW}}}\n',
        encoding="utf-8",
    )
    result = run("campaign", TEMPLATE, "--recipients", rows, *DRY_RUN)
    assert result.exit_code == 1
    assert (
        "rows.jsonl:2:1: CP010 error row 2: not valid JSON: nested more than 100" in result.stderr
    )
    assert "rows.jsonl:3:1: CP010 error row 3: not valid JSON: key 'to' is given twice" in (
        result.stderr
    )
    assert "1 request(s) for 1 recipient(s) of 3 row(s)" in result.stderr


def test_deep_behaviour_model_is_an_error_at_its_line(tmp_path: Path) -> None:
    model = tmp_path / "behaviour.yaml"
    model.write_text(BEHAVIOUR + "http2: " + "[" * 10_000 + "]" * 10_000 + "\n", encoding="utf-8")
    result = run("campaign", TEMPLATE, "--recipients", CAMPAIGN / "recipients.csv",
                 "--behaviour", model)  # fmt: skip
    assert result.exit_code == 2
    assert "behaviour.yaml:27:" in result.stderr
    assert "CP021 error nested more than 100 levels deep" in result.stderr


def test_deep_scenario_is_an_error_at_its_line(tmp_path: Path) -> None:
    scenario = tmp_path / "deep.yaml"
    scenario.write_text(
        f"flow: {EXAMPLES / 'main-menu.xml'}\ncaller: " + "[" * 10_000 + "]" * 10_000,
        encoding="utf-8",
    )
    result = run("simulate", "--scenario", scenario)
    assert result.exit_code == 2
    assert "deep.yaml:2:108: SC002 error nested more than 100 levels deep" in result.stderr


def test_deep_or_huge_config_is_an_error_naming_the_file(tmp_path: Path) -> None:
    flow = tmp_path / "flow.xml"
    flow.write_bytes((EXAMPLES / "main-menu.xml").read_bytes())
    config = tmp_path / "pyproject.toml"
    config.write_text("[tool.callflow]\nselect = " + "[" * 10_000 + "]" * 10_000, encoding="utf-8")
    deep = run("lint", flow)
    assert deep.exit_code == 2
    assert "pyproject.toml:2:" in deep.stderr and "nested more than 100 levels" in deep.stderr
    config.write_text(f"[tool.callflow]\nselect = {'9' * 5000}\n", encoding="utf-8")
    huge = run("lint", flow)
    assert huge.exit_code == 2
    assert "pyproject.toml:2:10: invalid TOML: a number with thousands of digits" in huge.stderr


def test_a_call_cannot_be_given_more_than_a_year(tmp_path: Path) -> None:
    """A wait of 10**16 ms then a Schedule moved the clock past year 9999 (OverflowError)."""
    flow = tmp_path / "long.xml"
    flow.write_text(
        '<Response><Gather timeout="10000000000000000" attempts="1"><Say>x</Say>'
        '<DTMF value="1"><Say>a</Say></DTMF></Gather>'
        '<Schedule dow="mon"><Say>mon</Say></Schedule></Response>',
        encoding="utf-8",
    )
    scenario = tmp_path / "long.yaml"
    scenario.write_text(
        f"flow: {flow}\ncaller: [silence]\nlimits:\n  max_time_ms: {'9' * 18}\n", encoding="utf-8"
    )
    result = run("simulate", "--scenario", scenario)
    assert result.exit_code == 2
    assert "long.yaml:4:16: SC004 error max_time_ms must be at most 31622400000" in result.stderr
    scenario.write_text(
        f"flow: {flow}\ncaller: [silence]\ncall: {{at: '8999-12-31T23:59:59', tz: Etc/GMT+12}}\n"
        "limits:\n  max_time_ms: 31622400000\n",
        encoding="utf-8",
    )
    assert run("simulate", "--scenario", scenario).exit_code == 0
