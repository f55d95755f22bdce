"""``callflow simulate`` and ``callflow test`` as a user runs them: output, JSON, exit codes."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from lxml import etree

from callflow.cli import cli
from callflow.parser import parse
from simulator import CallContext, CallerScript, DialOutcome, Press, simulate
from simulator.scenario import start_time

JUNIT_XSD = Path(__file__).parent / "data" / "junit" / "JUnit.xsd"

MENU = """\
<Response>
  <Say>Welcome.</Say>
  <Gather dtmf_length="1" timeout="5000" attempts="2">
    <Say>For support press 1.</Say>
    <DTMF value="1">
      <Dial timeout="20000"><To>+15045550111</To><To>sip:desk@example.org</To>
        <Error><Say>Nobody is free.</Say></Error>
      </Dial>
    </DTMF>
    <DTMF value="2"><Callback url="https://api.example.com/next"/></DTMF>
    <Default><Say>Not an option.</Say></Default>
    <Error><Say>We did not hear you.</Say></Error>
  </Gather>
  <Say>Goodbye.</Say>
</Response>
"""

HOURS = """\
<Response>
  <Schedule dow="mon,tue,wed,thu,fri" time="09:00:00-17:00:00">
    <Say>We are open.</Say>
    <Hangup/>
  </Schedule>
  <Say>We are closed.</Say>
</Response>
"""

GEO = """\
<Response>
  <Geo states="NJ"><Say>Hello New Jersey.</Say><Hangup/></Geo>
  <Call field="from" value="+13125550100"><Say>Hello Chicago number.</Say><Hangup/></Call>
  <Say>Hello stranger.</Say>
</Response>
"""

VERDICTS = ("PASS ", "FAIL ", "ERROR ")
LINE = re.compile(r"^\d{2}:\d{2}\.\d{3}  (L\d+|-) +\S+")


@pytest.fixture
def flows(tmp_path: Path) -> Path:
    for name, text in (("menu.xml", MENU), ("hours.xml", HOURS), ("geo.xml", GEO)):
        (tmp_path / name).write_text(text, encoding="utf-8")
    (tmp_path / "next.xml").write_text("<Response><Say>Next doc.</Say></Response>", "utf-8")
    (tmp_path / "dup.xml").write_text(
        '<Response>\n<Gather>\n<Say>x</Say>\n<DTMF value="1"/>\n<DTMF value="1"/>\n</Gather>\n'
        "</Response>\n",
        encoding="utf-8",
    )
    return tmp_path


def run(*args: str | Path) -> Result:
    return CliRunner().invoke(cli, [str(a) for a in args])


def says(result: Result) -> list[str]:
    return re.findall(r' say +"([^"]*)"', result.output)


def test_text_transcript(flows: Path) -> None:
    result = run("simulate", flows / "menu.xml", "--digits", "1")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert all(LINE.match(line) for line in lines[:-1]), lines
    assert lines[-1].startswith("result: hangup after ")
    assert says(result) == ["Welcome.", "For support press 1.", "Goodbye."]
    assert re.search(r"L3 +input +pressed 1", result.output)
    assert re.search(r"L6 +bridge +\+15045550111", result.output)  # default outcome: answer
    assert "\x1b[" not in result.output  # not a terminal: no colour


def test_digits_one_per_wait_and_silence(flows: Path) -> None:
    silent = run("simulate", flows / "menu.xml", "--digits", "", "--digits", "9")
    assert says(silent)[-3:] == ["For support press 1.", "Not an option.", "Goodbye."]
    assert silent.output.count("nothing pressed (timeout)") == 1
    same = run("simulate", flows / "menu.xml", "--digits", ",9")  # commas split waits too
    assert same.output == silent.output
    nothing = run("simulate", flows / "menu.xml", "--digits", "", "--digits", "")
    assert "We did not hear you." in says(nothing)


def test_json_is_the_engine_transcript(flows: Path) -> None:
    result = run("simulate", flows / "menu.xml", "--digits", "1", "--format", "json",
                 "--dial", "sip:desk@example.org=answer:500", "--from", "+13125550100")  # fmt: skip
    assert result.exit_code == 0
    out = json.loads(result.output)
    assert list(out)[:2] == ["result", "duration_ms"] and "events" in out
    for event in out["events"]:
        assert {"kind", "t", "line"} <= set(event)
    direct = simulate(
        parse(flows / "menu.xml"),
        caller=CallerScript((Press("1"),), {"sip:desk@example.org": DialOutcome(after_ms=500)}),
        context=CallContext(from_="+13125550100"),
    )
    assert out == direct.to_json()
    assert [e["target"] for e in out["events"] if e["kind"] == "bridge"] == ["sip:desk@example.org"]


def test_dial_outcomes(flows: Path) -> None:
    busy = run("simulate", flows / "menu.xml", "--digits", "1", "--dial-default", "busy",
               "--format", "json")  # fmt: skip
    events = json.loads(busy.output)["events"]
    assert [e["outcome"] for e in events if e["kind"] == "dial.failed"] == ["busy"]
    assert any(e.get("text") == "Nobody is free." for e in events)
    one = run("simulate", flows / "menu.xml", "--digits", "1", "--dial-default", "no-answer",
              "--dial", "sip:desk@example.org=answer", "--format", "json")  # fmt: skip
    events = json.loads(one.output)["events"]
    assert [e["target"] for e in events if e["kind"] == "bridge"] == ["sip:desk@example.org"]


def test_http_answers_from_files(flows: Path) -> None:
    url = "https://api.example.com/next"
    answered = run("simulate", flows / "menu.xml", "--digits", "2", "--http",
                   f"{url}={flows / 'next.xml'}")  # fmt: skip
    assert answered.exit_code == 0
    assert "Next doc." in says(answered)
    assert re.search(rf"http +GET {re.escape(url)}\?\S+ -> 200", answered.output)
    down = run("simulate", flows / "menu.xml", "--digits", "2")
    assert re.search(r"-> failed: ", down.output) and "Next doc." not in says(down)


@pytest.mark.parametrize(
    ("args", "heard"),
    [
        (["--at", "2026-01-05T12:00:00"], "We are open."),  # Monday noon UTC
        (["--at", "2026-01-05T12:00:00", "--tz", "Asia/Tokyo"], "We are open."),  # local noon
        (["--at", "2026-01-05T12:00:00Z", "--tz", "Asia/Tokyo"], "We are closed."),  # 21:00
        (["--at", "2026-01-05T20:00:00-05:00"], "We are closed."),  # Tuesday 01:00 UTC
        (["--at", "2026-01-05T20:00:00-05:00", "--tz", "America/New_York"], "We are closed."),
        (["--at", "2026-01-06T08:30:00+09:00", "--tz", "Europe/London"], "We are closed."),
        (["--at", "2026-01-05T16:30:00", "--tz", "America/Los_Angeles"], "We are open."),
        (["--at", "2026-01-10T12:00:00"], "We are closed."),  # Saturday
    ],
)
def test_at_and_tz(flows: Path, args: list[str], heard: str) -> None:
    result = run("simulate", flows / "hours.xml", *args)
    assert result.exit_code == 0
    assert says(result) == [heard]


def test_at_without_offset_is_local_time_in_tz() -> None:
    assert start_time("2026-01-05T12:00:00", "Asia/Tokyo").isoformat() == (
        "2026-01-05T12:00:00+09:00"
    )


def test_call_fields(flows: Path) -> None:
    assert says(run("simulate", flows / "geo.xml", "--state", "nj")) == ["Hello New Jersey."]
    chicago = run("simulate", flows / "geo.xml", "--from", "+13125550100", "--state", "IL")
    assert says(chicago) == ["Hello Chicago number."]
    assert says(run("simulate", flows / "geo.xml", "--state", "CA")) == ["Hello stranger."]


def test_flow_with_lint_errors_is_not_simulated(flows: Path) -> None:
    result = run("simulate", flows / "dup.xml", "--digits", "1")
    assert result.exit_code == 1
    assert re.search(rf"^{re.escape(str(flows / 'dup.xml'))}:5:\d+: CF\d+ error ", result.output,
                     re.MULTILINE)  # fmt: skip
    assert "result:" not in result.output
    as_json = run("simulate", flows / "dup.xml", "--format", "json")
    assert as_json.exit_code == 1
    assert json.loads(as_json.output)["findings"][0]["line"] == 5


@pytest.mark.parametrize(
    "args",
    [
        ["simulate", "{dir}/missing.xml"],
        ["simulate"],
        ["simulate", "{dir}/menu.xml", "--digits", "1x"],
        ["simulate", "{dir}/menu.xml", "--dial", "+1=ringing"],
        ["simulate", "{dir}/menu.xml", "--dial", "no-equals-sign"],
        ["simulate", "{dir}/menu.xml", "--dial-default", "maybe"],
        ["simulate", "{dir}/menu.xml", "--http", "https://a.example/x={dir}/nope.xml"],
        ["simulate", "{dir}/menu.xml", "--tz", "Nowhere/Town"],
        ["simulate", "{dir}/menu.xml", "--at", "tomorrow"],
        ["simulate", "{dir}/menu.xml", "--state", "ZZ"],
        ["simulate", "{dir}/menu.xml", "--format", "xml"],
        ["simulate", "--scenario", "{dir}/ok.yaml", "--digits", "1"],
    ],
)
def test_usage_errors_and_unreadable_files_exit_2(flows: Path, args: list[str]) -> None:
    (flows / "ok.yaml").write_text("flow: menu.xml\n", encoding="utf-8")
    result = run(*(a.format(dir=flows) for a in args))
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output


def write_scenarios(folder: Path) -> dict[str, Path]:
    texts = {
        "pass.yaml": "flow: ../menu.xml\ncaller:\n  - press: '1'\nexpect:\n"
        "  - say: welcome\n  - dial: '+15045550111'\n  - ends: hangup\n",
        "fail.yaml": "flow: ../menu.xml\ncaller:\n  - press: '9'\nexpect:\n"
        "  - say: welcome\n  - say: /support/\n  - say: nobody is free\n",
        "broken.yaml": "flow: ../menu.xml\ncaller:\n  - press: '1'\n  - jump\n",
    }
    folder.mkdir(exist_ok=True)
    paths = {}
    for name, text in texts.items():
        paths[name] = folder / name
        paths[name].write_text(text, encoding="utf-8")
    return paths


def test_simulate_with_a_scenario(flows: Path) -> None:
    paths = write_scenarios(flows / "scenarios")
    ok = run("simulate", "--scenario", paths["pass.yaml"])
    assert ok.exit_code == 0 and ok.output.splitlines()[-1] == "expectations: all 3 held"
    bad = run("simulate", "--scenario", paths["fail.yaml"])
    assert bad.exit_code == 1
    assert "expectations: 1 of 3 failed" in bad.output
    assert "step 3 (line 7) say: 'nobody is free': " in bad.output
    as_json = json.loads(run("simulate", "--scenario", paths["fail.yaml"], "--format",
                             "json").output)  # fmt: skip
    assert [(f["step"], f["line"]) for f in as_json["failures"]] == [(3, 7)]
    broken = run("simulate", "--scenario", paths["broken.yaml"])
    assert broken.exit_code == 2
    assert f"{paths['broken.yaml']}:4:5: SC004 error unknown caller action 'jump'" in broken.output
    # a FLOW argument runs the scenario's call against another flow
    other = run("simulate", flows / "hours.xml", "--scenario", paths["pass.yaml"])
    assert other.exit_code == 1 and "We are" in other.output


def test_test_command_lines_summary_and_exit_codes(flows: Path) -> None:
    paths = write_scenarios(flows / "scenarios")
    result = run("test", flows / "scenarios")
    assert result.exit_code == 2  # a malformed scenario file
    lines = result.output.splitlines()
    assert lines[-1] == "1 passed, 2 failed"
    verdicts = {line.split()[0]: line for line in lines if line.startswith(VERDICTS)}
    assert verdicts["PASS"].startswith(f"PASS {paths['pass.yaml']}: hangup after ")
    assert verdicts["FAIL"].startswith(f"FAIL {paths['fail.yaml']}: step 3 (line 7) say: ")
    assert verdicts["ERROR"].startswith(f"ERROR {paths['broken.yaml']}:4:5: SC004 error")
    # the failure shows the transcript where matching stopped, marked
    assert any(line.strip().startswith("> ") for line in lines)
    paths["broken.yaml"].unlink()
    assert run("test", flows / "scenarios").exit_code == 1
    passing = run("test", paths["pass.yaml"], paths["pass.yaml"])
    assert passing.exit_code == 0 and passing.output.splitlines()[-1] == "2 passed, 0 failed"


def test_test_command_reports_missing_paths_and_empty_folders(flows: Path) -> None:
    (flows / "empty").mkdir()
    result = run("test", flows / "empty", flows / "nope.yaml")
    assert result.exit_code == 2
    assert result.output.splitlines()[-1] == "0 passed, 2 failed"
    assert result.output.count("ERROR ") == 2


def test_junit_report(flows: Path) -> None:
    paths = write_scenarios(flows / "scenarios")
    report = flows / "report.xml"
    result = run("test", flows / "scenarios", "--junit", report)
    assert result.exit_code == 2
    tree = etree.parse(str(report))
    schema = etree.XMLSchema(etree.parse(str(JUNIT_XSD)))
    assert schema.validate(tree), schema.error_log
    suite = tree.getroot()
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors")) == ("3", "1", "1")
    cases = {case.get("name"): case for case in suite.iter("testcase")}
    assert set(cases) == {p.name for p in paths.values()}
    assert len(cases["pass.yaml"]) == 0
    failure = cases["fail.yaml"].find("failure")
    assert failure is not None and "step 3 (line 7)" in (failure.get("message") or "")
    assert "nobody is free" in (failure.text or "")
    error = cases["broken.yaml"].find("error")
    assert error is not None and "SC004" in (error.text or "")
