"""Coverage of scenario suites: ``callflow test --coverage``, its JSON and ``--fail-under``."""

from __future__ import annotations

import json
import re
from pathlib import Path

from click.testing import CliRunner, Result

from callflow import graph, parse
from callflow.cli import cli
from simulator import CallContext, CallerScript, Canned, CannedResolver, Limits, Press, simulate
from simulator.choices import ScriptedProvider
from simulator.coverage import Tally, collect
from simulator.machine import Machine

ROOT = Path(__file__).resolve().parents[1]
MAIN_MENU = ROOT / "examples" / "main-menu.xml"
SCENARIOS = ROOT / "examples" / "scenarios"
WRONG_KEY = SCENARIOS / "main-menu-wrong-key.yaml"


def run(*args: object) -> Result:
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


def test_one_scenario_covers_exactly_what_its_call_ran(tmp_path: Path) -> None:
    """Pressing 7 runs Answer, the greeting, the top Gather and its prompt, the Default's Say,
    the goodbye and the Hangup (7 of 34 commands) and takes one branch: the Gather's other."""
    report = tmp_path / "coverage.json"
    result = run("test", WRONG_KEY, "--coverage", "--coverage-json", report)
    assert result.exit_code == 0, result.output
    assert "main-menu.xml: commands 7/34 (20.6%), branches 1/33 (3.0%)" in result.output
    assert "main-menu.xml:10: Dial never ran" in result.output
    assert "main-menu.xml:6: Gather branch key 1 never taken" in result.output
    data = json.loads(report.read_text())
    assert data["version"] == 1
    [flow] = data["flows"]
    assert Path(flow["flow"]).resolve() == MAIN_MENU and flow["runs"] == 1
    assert flow["sha256"] == graph.digest(MAIN_MENU)
    ran = sorted(i["line"] for i in flow["commands"]["items"] if i["hits"])
    assert ran == [4, 5, 6, 7, 81, 88, 89]
    taken = [(i["line"], i["branch"]) for i in flow["branches"]["items"] if i["hits"]]
    assert taken == [(6, "other")]
    assert flow["commands"] == {**flow["commands"], "total": 34, "covered": 7, "percent": 20.6}


def test_hits_count_the_runs_and_percentages_combine(tmp_path: Path) -> None:
    report = tmp_path / "coverage.json"
    result = run("test", SCENARIOS, "--coverage-json", report)
    assert result.exit_code == 0, result.output
    flows = {Path(f["flow"]).name: f for f in json.loads(report.read_text())["flows"]}
    assert set(flows) == {"after-hours.xml", "callback-flow.xml", "geo-routing.xml",
                          "main-menu.xml", "voicemail.xml"}  # fmt: skip
    menu = flows["main-menu.xml"]
    calls = len(list(SCENARIOS.glob("main-menu-*.yaml")))
    assert calls >= 5 and menu["runs"] == calls  # one run per main-menu scenario
    answer = next(i for i in menu["commands"]["items"] if i["line"] == 4)
    assert answer["hits"] == calls  # every call answers


def test_the_bundled_scenarios_meet_the_readme_threshold() -> None:
    """The README's command, as written: the bundled scenarios cover every example's branches."""
    result = run("test", SCENARIOS, "--coverage", "--fail-under", "80")
    assert result.exit_code == 0, result.output
    assert "meets --fail-under 80%" in result.output
    per_flow = re.findall(r"(\S+\.xml): commands \d+/\d+ \([\d.]+%\), branches (\d+)/(\d+)",
                          result.output)  # fmt: skip
    assert {Path(f).name for f, _, _ in per_flow} == {
        p.name for p in MAIN_MENU.parent.glob("*.xml")
    }
    assert all(taken == total for _, taken, total in per_flow), per_flow


def test_fail_under_checks_branch_coverage_of_all_flows() -> None:
    low = run("test", WRONG_KEY, "--fail-under", "50")
    assert low.exit_code == 1
    assert "branch coverage 3.0% below --fail-under 50%" in low.output
    assert "1 passed, 0 failed" in low.output
    enough = run("test", WRONG_KEY, "--fail-under", "3")
    assert enough.exit_code == 0 and "meets --fail-under 3%" in enough.output
    assert run("test", WRONG_KEY, "--fail-under", "101").exit_code == 2


def test_coverage_does_not_hide_a_failing_scenario(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text(f"flow: {MAIN_MENU}\ncaller:\n  - press: '7'\nexpect:\n  - say: Never said\n")
    result = run("test", bad, "--coverage", "--fail-under", "0")
    assert result.exit_code == 1 and "0 passed, 1 failed" in result.output


def test_the_json_cannot_be_written(tmp_path: Path) -> None:
    result = run("test", WRONG_KEY, "--coverage-json", tmp_path / "no" / "such" / "dir.json")
    assert result.exit_code == 2 and "cannot write" in result.stderr


def test_measuring_changes_no_result_and_merges_parses_of_one_file() -> None:
    script = CallerScript((Press("2"), Press("1"), Press("2")))
    plain = simulate(parse(MAIN_MENU), caller=script, file=str(MAIN_MENU))
    with collect() as collector:
        first = simulate(parse(MAIN_MENU), caller=script, file=str(MAIN_MENU))
        second = simulate(parse(MAIN_MENU), file=str(MAIN_MENU))  # another parse, same file
    assert first == plain
    [tally] = collector.tallies.values()
    assert tally.runs == 2
    taken = {(s.line, s.label) for s in tally.branches if tally.branch_hits[(s.id, s.label)]}
    assert taken == {(6, "2"), (20, "1"), (24, "2"), (6, "retry"), (6, "no input")}
    assert second.said("We did not hear a choice. Goodbye.")
    outside = simulate(parse(MAIN_MENU), file=str(MAIN_MENU))
    assert outside == second and tally.runs == 2  # nothing is counted after the block


def test_a_tally_ignores_commands_of_fetched_documents() -> None:
    flow = parse("<Response><Callback url='https://x.example/next'/></Response>")
    tally = Tally(flow, "flow.xml")
    answer = Canned(xml="<Response><Say>Elsewhere.</Say><Hangup/></Response>")
    provider = ScriptedProvider(CallerScript(), CannedResolver({"https://x.example/next": answer}))
    machine = Machine(flow, provider, CallContext(), Limits(), trace=True)
    machine.run()
    commands, branches = tally.add(machine.trail)
    assert commands == {"0"} and branches == {("0", "ok")}
    assert tally.percent("commands") == 100.0
