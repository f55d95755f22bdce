"""How a call ends when the user's backend misbehaves, in-process and live, and what it says.

Each failure is served by examples/webapp/faults.py. A failed Callback runs its Error (here one
that speaks the reason, so the reason is heard and shown in the transcript) and the flow goes
on after it (spec 5); a document that calls back forever ends at the HTTP-hop bound.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from test_resolvers_live import WEBAPP, closed_port, loopback_only, serving

import callflow
from callflow.cli import cli
from simulator import CallResult, Limits, Resolver, simulate
from simulator.render import transcript
from simulator.resolvers import AppResolver, LiveResolver
from simulator.resolvers.exchange import timeout_text
from simulator.scenario import load_scenario, run_scenario

__all__ = ["loopback_only"]  # an autouse fixture: every test here may reach 127.0.0.1 only

HOST = "https://ivr.example.com"
AFTER = "The flow goes on."


def flow(path: str, timeout_ms: int = 1000) -> str:
    return (
        "<Response>\n"
        f'  <Callback url="{HOST}/faults/{path}" timeout="{timeout_ms}">\n'
        '    <Error play="true"/>\n'
        "  </Callback>\n"
        f"  <Say>{AFTER}</Say>\n"
        "</Response>\n"
    )


@pytest.fixture(scope="module")
def faults_server() -> Iterator[str]:
    with serving("faults:app") as base:
        yield base


@pytest.fixture(params=["app", "live"])
def backend(request: pytest.FixtureRequest) -> Iterator[Resolver]:
    """The faults app in-process, then served on 127.0.0.1: every failure must look the same."""
    resolver: AppResolver | LiveResolver
    if request.param == "app":
        resolver = AppResolver.from_spec("faults:app", path=WEBAPP)
    else:
        resolver = LiveResolver(request.getfixturevalue("faults_server"))
    with resolver:
        yield resolver


def run(xml: str, http: Resolver, limits: Limits | None = None) -> CallResult:
    return simulate(callflow.parse(xml, "flow.xml"), http=http, limits=limits or Limits())


def failure(result: CallResult) -> str:
    """The reason of the one failure; it must be spoken and shown in the text transcript."""
    (error,) = result.of_kind("error")
    reason = str(error.data["reason"])
    assert error.data["handled"] is True and error.line == 2
    assert result.said(reason)
    assert any(reason in line for line in transcript(result))
    assert result.said(AFTER) and result.result == "hangup"
    return reason


def test_server_down_is_a_failed_callback() -> None:
    port = closed_port()
    with LiveResolver(f"http://127.0.0.1:{port}") as down:
        result = run(flow("ok"), down)
    assert failure(result) == f"cannot connect to 127.0.0.1:{port}: connection refused"
    assert result.of_kind("http")[0].data["error"] == failure(result)


def test_timeout_shorter_than_the_app_delay(backend: Resolver) -> None:
    result = run(flow("slow?ms=1500", timeout_ms=150), backend)
    assert failure(result) == timeout_text(150)
    assert result.of_kind("error")[0].t == 150  # virtual time: exactly the timeout


def test_an_answer_within_the_timeout_takes_no_virtual_time(backend: Resolver) -> None:
    result = run(flow("slow?ms=20", timeout_ms=5000), backend)
    assert result.of_kind("error") == []
    assert result.said("All is well.") and result.of_kind("say")[0].t == 0


def test_http_500(backend: Resolver) -> None:
    result = run(flow("status?code=500"), backend)
    assert failure(result) == "HTTP status 500"
    assert result.of_kind("http")[0].data["status"] == 500


def test_a_crashing_view_is_a_500(backend: Resolver) -> None:
    assert failure(run(flow("crash"), backend)) == "HTTP status 500"


def test_non_xml_body(backend: Resolver) -> None:
    reason = failure(run(flow("not-xml"), backend))
    assert reason.startswith("the answer is not a valid call flow: ")
    assert f"{HOST}/faults/not-xml:1:1: CF001 error" in reason


def test_xml_with_a_schema_error(backend: Resolver) -> None:
    reason = failure(run(flow("bad-schema"), backend))
    assert f"{HOST}/faults/bad-schema:1:16: CF006 error Say loop" in reason
    assert f"{HOST}/faults/bad-schema:1:36: CF003 error unknown element Dance" in reason


def test_xml_with_a_semantic_lint_error(backend: Resolver) -> None:
    reason = failure(run(flow("lint-error"), backend))
    assert f"{HOST}/faults/lint-error:2:" in reason and "CF123 error" in reason
    assert "warning" not in reason


def test_lint_warnings_do_not_fail_the_answer(backend: Resolver) -> None:
    result = run(flow("lint-warning"), backend)
    assert result.of_kind("error") == []
    assert result.said("Only a warning.") and not result.said(AFTER)


def test_an_app_that_always_calls_back_to_itself_hits_the_hop_bound(backend: Resolver) -> None:
    result = run(flow("self-callback"), backend, Limits(max_http_hops=4))
    assert result.result == "limit"
    assert result.reason == f"max_http_hops=4 reached at line 1 of {HOST}/faults/self-callback"
    assert len(result.of_kind("http")) == 5
    assert result.reason in transcript(result)[-1]
    assert result.of_kind("error") == []


def test_a_redirect_loop_is_a_failed_request(backend: Resolver) -> None:
    reason = failure(run(flow("redirect-loop"), backend))
    assert reason.startswith("redirect loop: ")


def test_in_process_and_live_failures_read_the_same(faults_server: str) -> None:
    cases = ["slow?ms=1500", "status?code=500", "not-xml", "bad-schema", "lint-error"]
    app = AppResolver.from_spec("faults:app", path=WEBAPP)
    with app, LiveResolver(faults_server) as live:
        for case in cases:
            xml = flow(case, timeout_ms=150)
            assert run(xml, app).to_json() == run(xml, live).to_json(), case


# --- the same failures through a scenario and the CLI ----------------------------------------


def test_a_scenario_whose_live_server_is_down_ends_as_its_flow_says(tmp_path: Path) -> None:
    port = closed_port()
    (tmp_path / "flow.xml").write_text(flow("ok"), encoding="utf-8")
    scenario = tmp_path / "down.yaml"
    scenario.write_text(
        "description: the backend is not running\nflow: flow.xml\nhttp:\n"
        f"  {HOST}: {{live: 'http://127.0.0.1:{port}'}}\n"
        "expect:\n  - say: cannot connect to 127.0.0.1\n  - say: The flow goes on.\n"
        "  - ends: hangup\n",
        encoding="utf-8",
    )
    outcome = run_scenario(load_scenario(scenario))
    assert outcome.passed, "\n".join(outcome.explain())


def test_simulate_shows_an_invalid_answer_with_its_url(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    xml = tmp_path / "flow.xml"
    xml.write_text(flow("lint-error"), encoding="utf-8")
    monkeypatch.chdir(WEBAPP)  # --app imports faults from here
    result = CliRunner().invoke(cli, ["simulate", str(xml), "--app", "faults:app"])
    assert result.exit_code == 0, result.output  # the call ran; its Callback failed
    assert f"{HOST}/faults/lint-error:2:" in result.output and "CF123 error" in result.output
