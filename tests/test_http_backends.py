"""The example IVR's scenarios against its Flask app in-process, served live, and replayed.

The scenarios under examples/webapp/scenarios name the app in their ``http:`` section; the live
and replay runs replace that backend the way ``--base-url`` and ``--replay-http`` do. All three
must give the same transcript: answers take no virtual time whoever gives them. Only 127.0.0.1
is ever reached (the flows name https://ivr.example.com, which no request really goes to).
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from click.testing import CliRunner, Result
from test_resolvers_live import WEBAPP, loopback_only, serving

import callflow
from callflow.cli import cli
from simulator import CallContext, CallerScript, Press, simulate
from simulator.resolvers import (
    AppResolver,
    CassetteResolver,
    LiveResolver,
    RecordingResolver,
    close_resolver,
)
from simulator.resolvers.cassette import read_cassette
from simulator.scenario import load_scenario, resolver, run_scenario

__all__ = ["loopback_only"]  # an autouse fixture: every test here may reach 127.0.0.1 only

SCENARIOS = WEBAPP / "scenarios"
SCENARIO_FILES = sorted(SCENARIOS.glob("*.yaml"))
FLOW = WEBAPP / "flow.xml"


@pytest.fixture(scope="module")
def ivr_server() -> Iterator[str]:
    with serving("ivr_web:app") as base:
        yield base


@pytest.fixture(scope="module")
def faults_server() -> Iterator[str]:
    with serving("faults:app") as base:
        yield base


def invoke(*args: str) -> Result:
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


# --- the same scenarios, three backends ----------------------------------------------------


def test_the_example_has_scenarios_that_use_the_app_in_process() -> None:
    assert len(SCENARIO_FILES) >= 3
    for path in SCENARIO_FILES:
        scenario = load_scenario(path)
        assert [(b.prefix, b.kind, b.target) for b in scenario.backends] == [
            ("https://ivr.example.com", "app", "ivr_web:app")
        ]


@pytest.mark.parametrize("path", SCENARIO_FILES, ids=[p.name for p in SCENARIO_FILES])
def test_in_process_live_and_replayed_transcripts_are_identical(
    path: Path, ivr_server: str, tmp_path: Path
) -> None:
    scenario = load_scenario(path)
    cassette = tmp_path / "cassette.yaml"
    recorder = RecordingResolver(resolver(scenario), cassette)
    try:
        in_process = run_scenario(scenario, http=recorder)
    finally:
        close_resolver(recorder)
    with LiveResolver(ivr_server) as live_backend:
        live = run_scenario(scenario, http=live_backend)
    replayed = run_scenario(scenario, http=CassetteResolver.load(cassette))

    for run in (in_process, live, replayed):
        assert run.passed, "\n".join(run.explain())
    assert in_process.result is not None and live.result is not None
    assert replayed.result is not None
    assert live.result.to_json() == in_process.result.to_json()
    assert replayed.result.to_json() == in_process.result.to_json()
    requests = in_process.result.of_kind("http")
    assert len(read_cassette(cassette)) == len(requests) >= 1


def test_test_command_runs_the_scenarios_in_process_live_and_from_a_cassette(
    ivr_server: str, tmp_path: Path
) -> None:
    cassette = tmp_path / "ivr.yaml"
    recorded = invoke("test", str(SCENARIOS), "--record-http", str(cassette))
    live = invoke("test", str(SCENARIOS), "--base-url", ivr_server)
    replayed = invoke("test", str(SCENARIOS), "--replay-http", str(cassette))
    for result in (recorded, live, replayed):
        assert result.exit_code == 0, result.output
        assert f"{len(SCENARIO_FILES)} passed, 0 failed" in result.output
    assert live.output == recorded.output == replayed.output
    assert len(read_cassette(cassette)) >= len(SCENARIO_FILES)


def test_a_replayed_cassette_that_lacks_an_answer_fails_the_scenario(tmp_path: Path) -> None:
    cassette = tmp_path / "other.yaml"
    cassette.write_text(
        "version: 1\ninteractions:\n  - request: {method: GET, url: 'https://ivr.example.com/x'}\n"
        "    answer: {status: 200, text: '<Response/>'}\n",
        encoding="utf-8",
    )
    result = invoke("test", str(SCENARIOS / "alice-balance.yaml"), "--replay-http", str(cassette))
    assert result.exit_code == 1
    assert "FAIL" in result.output
    assert "no recorded answer for GET https://ivr.example.com/ivr/start?" in result.output


def _simulate_json(*args: str) -> dict[str, Any]:
    result = invoke("simulate", "flow.xml", "--digits", "1234", "--format", "json", *args)
    assert result.exit_code == 0, result.output
    out: dict[str, Any] = json.loads(result.output)
    return out


def test_simulate_with_app_base_url_and_cassette_prints_the_same_call(
    ivr_server: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(WEBAPP)  # --app imports from the current directory
    cassette = tmp_path / "call.yaml"
    in_process = _simulate_json("--app", "ivr_web:app", "--record-http", str(cassette))
    live = _simulate_json("--base-url", ivr_server)
    replayed = _simulate_json("--replay-http", str(cassette))
    assert in_process == live == replayed
    said = [e["text"] for e in in_process["events"] if e["kind"] == "say"]
    assert "Hello Alice. Your balance is 152 dollars and 30 cents." in said
    assert [i.request.command for i in read_cassette(cassette)] == ["Callback", "Gather"]


def test_simulate_text_transcript_names_the_fetched_documents(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(WEBAPP)
    result = invoke("simulate", "flow.xml", "--app", "ivr_web:app", "--from", "anonymous")
    assert result.exit_code == 0, result.output
    assert "We cannot take calls from withheld numbers." in result.output
    assert "(in https://ivr.example.com/ivr/start)" in result.output


# --- what the backend receives ---------------------------------------------------------------

ECHO_FLOW = """<Response>
  <Curl url="https://ivr.example.com/faults/echo?lang=fr" method="POST" tag="audit">
    <Meta name="vip" value="true"/><Meta name="count" value="3"/><Meta name="note">hi</Meta>
  </Curl>
  <Callback url="https://ivr.example.com/faults/echo" method="PATCH" body="true" timeout="2000"/>
  <Gather url="https://ivr.example.com/faults/echo?menu=main" method="POST" attempts="2">
    <Say>Press a key.</Say>
  </Gather>
  <Curl url="https://ivr.example.com/faults/echo" method="DELETE"/>
</Response>"""


def _echoes(backend: object) -> list[dict[str, Any]]:
    """What /faults/echo saw of each request of ECHO_FLOW (the answers are JSON, not XML)."""
    recorder = RecordingResolver(backend, os.devnull)  # type: ignore[arg-type]
    context = CallContext(from_="+12125550100", to="+18005550199", extra={"campaign": "x"})
    simulate(callflow.parse(ECHO_FLOW), caller=CallerScript((Press(""), Press("7"))),
             context=context, http=recorder)  # fmt: skip
    close_resolver(recorder.inner)
    return [json.loads(i.answer.text or "null") for i in recorder.interactions]


def _without_headers(seen: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in seen.items() if k != "headers"}


def test_backends_receive_the_requests_opentact_sends(faults_server: str) -> None:
    in_process = _echoes(AppResolver.from_spec("faults:app", path=WEBAPP))
    live = _echoes(LiveResolver(faults_server))
    assert [_without_headers(s) for s in live] == [_without_headers(s) for s in in_process]
    curl, callback, gather, delete = in_process

    call = {"from": ["+12125550100"], "tn": ["+18005550199"], "state": ["live"],
            "call": [CallContext().call_uuid], "sca": [CallContext().app_uuid]}  # fmt: skip
    assert curl["method"] == "POST"
    assert curl["args"] == {"lang": ["fr"], **call, "tag": ["audit"],
                            "vip": ["true"], "count": ["3"], "note": ["hi"]}  # fmt: skip
    assert curl["json"]["meta"] == {"vip": True, "count": 3, "note": "hi"}
    assert curl["json"]["call"] == {
        "uuid": CallContext().call_uuid, "from": "+12125550100", "to": "+18005550199",
        "direction": "inbound", "state": "live",
        "sip_control_app": {"uuid": CallContext().app_uuid}, "campaign": "x",
    }  # fmt: skip

    assert callback["method"] == "PATCH" and callback["args"] == call
    assert callback["json"]["meta"] == {}

    assert gather["method"] == "POST"
    assert gather["args"] == {"menu": ["main"], "dtmf": ["7"], "attempts": ["2"],
                              "success": ["true"], **call}  # fmt: skip
    assert gather["json"]["dtmf"] == "7" and gather["json"]["attempts"] == 2
    assert gather["json"]["history"] == [
        {"attempt": 1, "dtmf": "", "success": False},
        {"attempt": 2, "dtmf": "7", "success": True},
    ]
    assert (delete["method"], delete["json"]) == ("DELETE", None)
    assert urlsplit(delete["url"]).netloc == "ivr.example.com"


def test_a_live_server_sees_the_flow_host_and_scheme(faults_server: str) -> None:
    seen = _echoes(LiveResolver(faults_server))[-1]
    assert seen["headers"]["host"] == "ivr.example.com"
    assert seen["headers"]["x-forwarded-proto"] == "https"
    assert seen["url"].startswith("https://ivr.example.com/faults/echo?")
    assert parse_qs(urlsplit(seen["url"]).query)["state"] == ["live"]


def test_the_call_and_app_uuids_are_the_same_in_every_run() -> None:
    first, second = (
        _echoes(AppResolver.from_spec("faults:app", path=WEBAPP)),
        _echoes(AppResolver.from_spec("faults:app", path=WEBAPP)),
    )
    assert [s["args"]["call"] for s in first] == [s["args"]["call"] for s in second]
    assert len({s["args"]["sca"][0] for s in first}) == 1


# --- mistakes in the options: exit 2 with a message ----------------------------------------


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--app", "ivr_web:app", "--base-url", "http://127.0.0.1:1"), "cannot be used together"),
        (("--app", "nosuchmodule:app"), "app module 'nosuchmodule' not found"),
        (("--app", "no-colon"), "expected MODULE:ATTR"),
        (("--base-url", "ftp://127.0.0.1"), "invalid base URL"),
        (("--replay-http", "missing.yaml"), "cannot read cassette"),
        (("--record-http", "no/such/dir/c.yaml"), "no such directory"),
    ],
)
def test_bad_backend_options_exit_2(
    args: tuple[str, ...], message: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(WEBAPP)
    for command in (("simulate", "flow.xml"), ("test", "scenarios")):
        result = CliRunner().invoke(cli, [*command, *args])
        assert result.exit_code == 2, (command, result.output)
        assert message in result.output
        assert "Traceback" not in result.output


def test_canned_http_flags_and_a_backend_exclude_each_other(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(WEBAPP)
    result = CliRunner().invoke(
        cli, ["simulate", "flow.xml", "--app", "ivr_web:app", "--http", "https://x.test/a=flow.xml"]
    )
    assert result.exit_code == 2
    assert "--http cannot be used with --app" in result.output


def test_a_broken_cassette_is_reported_at_its_line(tmp_path: Path) -> None:
    cassette = tmp_path / "broken.yaml"
    cassette.write_text(
        "version: 1\ninteractions:\n  - request: {method: GET}\n    answer: {status: 200}\n",
        encoding="utf-8",
    )
    result = CliRunner().invoke(cli, ["simulate", str(FLOW), "--replay-http", str(cassette)])
    assert result.exit_code == 2
    assert f"{cassette}:3:14: SC006 error interaction 1: missing 'url'" in result.output


def _bad_app_scenario(tmp_path: Path) -> Path:
    path = tmp_path / "bad-app.yaml"
    path.write_text(
        f"flow: {FLOW}\nhttp:\n  https://ivr.example.com:\n    app: nosuchmodule:app\n"
        "expect:\n  - ends: hangup\n",
        encoding="utf-8",
    )
    return path


def test_a_scenario_app_that_does_not_import_exits_2_at_its_line(tmp_path: Path) -> None:
    path = _bad_app_scenario(tmp_path)
    result = CliRunner().invoke(cli, ["simulate", "--scenario", str(path)])
    assert result.exit_code == 2
    assert f"{path}:4:10: SC006 error app module 'nosuchmodule' not found" in result.output


def test_test_reports_a_scenario_whose_app_does_not_import_and_runs_the_others(
    tmp_path: Path,
) -> None:
    bad = _bad_app_scenario(tmp_path)
    result = CliRunner().invoke(cli, ["test", str(bad), str(SCENARIOS / "withheld-number.yaml")])
    assert result.exit_code == 2
    assert f"ERROR {bad}:4:10: SC006 error" in result.output
    assert "PASS" in result.output and "1 passed, 1 failed" in result.output


def test_an_override_never_opens_the_scenarios_own_backends(tmp_path: Path) -> None:
    """--replay-http answers everything, so a scenario's unimportable app is not even loaded."""
    cassette = tmp_path / "c.yaml"
    assert invoke("test", str(SCENARIOS / "withheld-number.yaml"), "--record-http",
                  str(cassette)).exit_code == 0  # fmt: skip
    bad = _bad_app_scenario(tmp_path)
    result = CliRunner().invoke(cli, ["test", str(bad), "--replay-http", str(cassette)])
    assert result.exit_code == 0, result.output
    assert "SC006" not in result.output and "1 passed, 0 failed" in result.output
