"""The bundled example scenarios: every example flow has some, and they all pass."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

from callflow.cli import cli
from simulator.caller import CallerScript, DialOutcome, HangUp, Press, Silence
from simulator.expect import Ends
from simulator.scenario import Scenario, load_flow, load_scenario, run_scenario

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
SCENARIOS = EXAMPLES / "scenarios"
FLOWS = sorted(EXAMPLES.glob("*.xml"))
SCENARIO_FILES = sorted(SCENARIOS.glob("*.yaml"))


def test_every_example_flow_has_scenarios() -> None:
    assert FLOWS and SCENARIO_FILES
    covered = {load_scenario(path).flow.resolve() for path in SCENARIO_FILES}
    missing = [flow.name for flow in FLOWS if flow.resolve() not in covered]
    assert missing == []


@pytest.mark.parametrize("path", SCENARIO_FILES, ids=[p.name for p in SCENARIO_FILES])
def test_example_scenario_says_how_the_call_ends_and_passes(path: Path) -> None:
    scenario = load_scenario(path)
    assert scenario.description
    assert any(isinstance(e, Ends) for e in scenario.expect)
    run = run_scenario(scenario)
    assert run.passed, "\n".join(run.explain())
    again = run_scenario(scenario)  # the same scenario gives the same transcript twice
    assert again.result == run.result


def test_callflow_test_runs_the_examples_folder() -> None:
    result = CliRunner().invoke(cli, ["test", str(SCENARIOS)])
    lines = result.output.splitlines()
    assert result.exit_code == 0, result.output
    assert lines[-1] == f"{len(SCENARIO_FILES)} passed, 0 failed"
    assert sum(line.startswith("PASS ") for line in lines) == len(SCENARIO_FILES)


_ACTION = st.one_of(
    st.from_regex(r"[0-9*#]{1,8}", fullmatch=True).map(Press),
    st.builds(Press, st.from_regex(r"[0-9]{1,3}#?", fullmatch=True),
              st.integers(min_value=0, max_value=20_000)),
    st.just(Silence()),
    st.just(HangUp()),
)  # fmt: skip
_OUTCOME = st.builds(
    DialOutcome,
    st.sampled_from(["answer", "busy", "no-answer", "fail"]),
    st.integers(min_value=0, max_value=60_000),
    st.integers(min_value=0, max_value=600_000),
)


@pytest.mark.parametrize("flow_path", FLOWS, ids=[p.name for p in FLOWS])
@given(actions=st.lists(_ACTION, max_size=8), outcome=_OUTCOME)
def test_any_caller_script_ends_well_on_the_examples(
    flow_path: Path, actions: list[Press | Silence | HangUp], outcome: DialOutcome
) -> None:
    flow = load_flow(flow_path)
    assert flow.model is not None
    scenario = Scenario(flow_path, flow_path,
                        caller=CallerScript(tuple(actions), dial_default=outcome))  # fmt: skip
    result = run_scenario(scenario, flow).result
    assert result is not None
    assert result.result in ("hangup", "caller-hangup")
    times = [e.t for e in result.events]
    assert times == sorted(times) and (not times or times[-1] <= result.duration_ms)
    assert run_scenario(scenario, flow).result == result
