"""``callflow explore`` as a user runs it: the report, JSON, exit codes, and scenario files
that pass ``callflow test`` and cover every branch the explorer lists."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner, Result

from callflow.cli import cli
from simulator.http import HttpAnswer, HttpRequest
from simulator.resolvers.cassette import Interaction, write_cassette

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "data" / "explore"
MAIN_MENU = ROOT / "examples" / "main-menu.xml"
BROKEN = DATA / "broken-menu.xml"
MENU_URL = "http://ivr.example.com/menu.xml"
LOOPING = ("--http", f"{MENU_URL}={BROKEN}")


def run(*args: object) -> Result:
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


def test_a_clean_menu_reports_its_paths_and_full_coverage() -> None:
    result = run("explore", MAIN_MENU)
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == f"{MAIN_MENU}: 139 paths (every path)"
    assert lines[1] == "  endings: 118 hang up, 21 caller hangs up"
    assert lines[2] == "  coverage: commands 34/34 (100.0%), branches 33/33 (100.0%)"
    assert len(lines) == 3


def test_the_broken_menu_is_reported_with_reproducing_scripts() -> None:
    result = run("explore", BROKEN, *LOOPING)
    assert result.exit_code == 1, result.output  # a loop is a warning
    out = result.output
    assert f"{BROKEN}:20:7: EX001 info the call runs out of document here" in out
    assert "    reproduce: press 2\n" in out
    assert f"{MENU_URL}:6:3: EX002 warning the call can come back to this Gather" in out
    assert "    reproduce: press 3 (other), Callback ok, press 3 (other), Callback ok\n" in out


def test_json_lists_paths_problems_coverage_and_branches_taken() -> None:
    result = run("explore", BROKEN, *LOOPING, "--format", "json")
    assert result.exit_code == 1
    data = json.loads(result.output)
    assert data["paths"] == 14 and data["complete"] is True
    assert data["endings"] == {"hangup": 9, "end-of-document": 2, "caller-hangup": 2, "loop": 1}
    loop = next(p for p in data["problems"] if p["code"] == "EX002")
    assert loop["reproduce"] == ["press 3 (other)", "Callback ok", "press 3 (other)",
                                 "Callback ok"]  # fmt: skip
    [flow] = data["coverage"]["flows"]
    assert flow["branches"]["covered"] == flow["branches"]["total"] == 10
    taken = {(b["id"], b["branch"]) for b in data["branches_taken"]}
    assert taken == {(i["id"], i["branch"]) for i in flow["branches"]["items"]}


@pytest.mark.parametrize(
    ("flow", "extra"),
    [(MAIN_MENU, ()), (DATA / "nested.xml", ()), (BROKEN, LOOPING),
     (ROOT / "examples" / "after-hours.xml", ()), (ROOT / "examples" / "callback-flow.xml", ()),
     (ROOT / "examples" / "voicemail.xml", ())],
)  # fmt: skip
def test_emitted_scenarios_pass_callflow_test_and_cover_every_branch_listed(
    tmp_path: Path, flow: Path, extra: tuple[str, ...]
) -> None:
    folder = tmp_path / "generated"
    explored = run("explore", flow, *extra, "--format", "json", "--emit-scenarios", folder)
    data = json.loads(explored.output)
    assert data["scenario_failures"] == []
    files = sorted(folder.glob("*.yaml"))
    assert [str(f) for f in files] == sorted(data["scenarios"]) and files
    coverage = tmp_path / "coverage.json"
    tested = run("test", folder, "--coverage-json", coverage)
    assert tested.exit_code == 0, tested.output
    assert f"{len(files)} passed, 0 failed" in tested.output
    [measured] = json.loads(coverage.read_text())["flows"]
    hit = {(i["id"], i["branch"]) for i in measured["branches"]["items"] if i["hits"]}
    listed = {(b["id"], b["branch"]) for b in data["branches_taken"]}
    assert listed and listed <= hit  # 100% of the branches the explorer lists


def test_an_emitted_loop_scenario_ends_at_the_hop_bound(tmp_path: Path) -> None:
    run("explore", BROKEN, *LOOPING, "--emit-scenarios", tmp_path)
    [loop] = [f for f in tmp_path.glob("*.yaml") if "go round for ever" in f.read_text()]
    scenario = yaml.safe_load(loop.read_text())
    assert scenario["caller"] == [{"press": "3"}] * 3  # the cycle once more than explored
    assert scenario["limits"] == {"max_http_hops": 2}
    assert scenario["expect"][-1] == {"ends": "limit"}
    assert (loop.parent / scenario["http"][MENU_URL]["file"]).resolve() == BROKEN


def test_call_fields_given_decide_their_conditions(tmp_path: Path) -> None:
    hours = ROOT / "examples" / "after-hours.xml"
    both = json.loads(run("explore", hours, "--format", "json").output)
    saturday = run("explore", hours, "--at", "2026-01-10T09:00", "--tz", "America/Denver",
                   "--format", "json")  # fmt: skip
    fixed = json.loads(saturday.output)
    assert fixed["paths"] < both["paths"]
    assert saturday.exit_code == 0  # unreached commands are info: these fields decide them
    assert {p["severity"] for p in fixed["problems"] if p["code"] == "EX005"} == {"info"}


def test_bounds_are_said(tmp_path: Path) -> None:
    result = run("explore", MAIN_MENU, "--max-paths", "5")
    first = result.output.splitlines()[0]
    assert first == f"{MAIN_MENU}: 5 paths (stopped by --max-paths=5: not every path)"
    shallow = run("explore", MAIN_MENU, "--max-depth", "1")
    assert "EX006 info paths stop here after 1 choices (--max-depth)" in shallow.output


def test_usage_errors_and_unreadable_flows_exit_2(tmp_path: Path) -> None:
    assert run("explore", tmp_path / "missing.xml").exit_code == 2
    assert run("explore", MAIN_MENU, "--http", "no-equals-sign").exit_code == 2
    assert run("explore", MAIN_MENU, "--http", f"{MENU_URL}={tmp_path}/none.xml").exit_code == 2
    assert run("explore", MAIN_MENU, "--tz", "Mars/Olympus").exit_code == 2
    assert run("explore", MAIN_MENU, "--max-paths", "0").exit_code == 2


def test_a_flow_with_lint_errors_is_not_explored(tmp_path: Path) -> None:
    flow = tmp_path / "bad.xml"
    flow.write_text("<Response><Say>One.</Say><Hangup/><Say>Never.</Say></Response>")
    result = run("explore", flow)
    assert result.exit_code == 1
    assert f"{flow}:1:" in result.output and "error" in result.output
    assert "paths" not in result.output


def test_a_cassette_answers_as_recorded_on_every_path(tmp_path: Path) -> None:
    flow = tmp_path / "next.xml"
    flow.write_text(
        '<Response><Callback url="https://api.example.com/next">'
        "<Error><Say>Down.</Say><Hangup/></Error></Callback></Response>"
    )
    url = "https://api.example.com/next?from=%2B12125550100&tn=%2B18005550199&call=" \
          "00000000-0000-0000-0000-000000000001&sca=00000000-0000-0000-0000-000000000002" \
          "&state=live"  # fmt: skip
    request = HttpRequest("GET", url, None, 10_000, "Callback")
    first = HttpAnswer(200, "<Response><Say>Recorded first.</Say><Hangup/></Response>")
    second = HttpAnswer(200, "<Response><Say>Recorded second.</Say><Hangup/></Response>")
    cassette = tmp_path / "cassette.yaml"
    write_cassette(cassette, [Interaction(request, first), Interaction(request, second)])
    folder = tmp_path / "generated"
    result = run("explore", flow, "--replay-http", cassette, "--format", "json",
                 "--emit-scenarios", folder)  # fmt: skip
    data = json.loads(result.output)
    assert data["paths"] == 2 and data["endings"] == {"hangup": 2}
    texts = [f.read_text() for f in sorted(folder.glob("*.yaml"))]
    assert any("Recorded first." in t for t in texts)
    assert not any("Recorded second." in t for t in texts)  # one answer per request
    assert run("test", folder).exit_code == 0
    bad = tmp_path / "bad.yaml"
    bad.write_text("not: a cassette\n")
    refused = run("explore", flow, "--replay-http", bad)
    assert refused.exit_code == 2 and f"{bad}:1:1: error" in refused.stderr


def test_a_scenario_gives_the_flow_the_call_and_the_canned_answers(tmp_path: Path) -> None:
    refill = ROOT / "examples" / "scenarios" / "callback-flow-refill-ready.yaml"
    alone = json.loads(run("explore", ROOT / "examples" / "callback-flow.xml",
                           "--format", "json").output)  # fmt: skip
    given = run("explore", "--scenario", refill, "--format", "json", "--emit-scenarios", tmp_path)
    data = json.loads(given.output)
    assert data["paths"] == alone["paths"]
    # the refill lookup is answered by the scenario: only the other requests stay unknown
    assert data["endings"]["unknown-document"] < alone["endings"]["unknown-document"]
    assert data["scenario_failures"] == []
    assert any("refill of prescription" in f.read_text() for f in tmp_path.glob("*.yaml"))
    assert run("test", tmp_path).exit_code == 0


def test_a_scenario_with_flow_or_call_flags_is_a_usage_error() -> None:
    refill = ROOT / "examples" / "scenarios" / "callback-flow-refill-ready.yaml"
    assert run("explore", "--scenario", refill, "--at", "2026-01-01T09:00").exit_code == 2
    assert run("explore", MAIN_MENU, "--scenario", refill).exit_code == 2
    assert run("explore").exit_code == 2
    missing = run("explore", "--scenario", ROOT / "no-such.yaml")
    assert missing.exit_code == 2 and "SC001" in missing.stderr
