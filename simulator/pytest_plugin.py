"""pytest plugin: the ``simulate_call`` fixture (alias ``callflow_sim``) for users' own tests.

Installed with the package (entry point ``pytest11``), so a test can say::

    def test_support(simulate_call):
        call = simulate_call("ivr.xml", digits=["1"])
        assert call.said("support")

Paths are relative to the test file's directory, keyword arguments mirror the
``callflow simulate`` flags, and a failed assertion shows the whole transcript.
"""

from __future__ import annotations

import dataclasses
import os
from collections.abc import Generator, Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

import pytest

from simulator.caller import CallerScript, DialOutcome
from simulator.context import CallContext
from simulator.http import Canned
from simulator.limits import Limits
from simulator.render import clock, transcript
from simulator.scenario import (
    Run,
    Scenario,
    ScenarioError,
    dial_outcome,
    load_flow,
    load_scenario,
    presses,
    run_scenario,
    start_time,
    state_code,
)
from simulator.transcript import CallResult

DialSpec = str | DialOutcome
HttpSpec = str | os.PathLike[str] | Canned
"""A file path (relative to the test), inline XML (text starting with ``<``), or a Canned."""


@dataclass(frozen=True, slots=True, repr=False)
class SimulatedCall(CallResult):
    """A ``CallResult`` with a short repr and a few more questions to ask it."""

    def __repr__(self) -> str:
        took = clock(self.duration_ms)
        return f"<simulated call: {self.result} after {took}, {len(self.events)} events>"

    def text(self) -> str:
        """The transcript as ``callflow simulate`` prints it."""
        return "\n".join(transcript(self))

    def played(self, needle: str) -> bool:
        """True when some ``play`` event's URL or recording name contains ``needle``."""
        return any(needle in str(e.data.get("url") or e.data.get("record") or "")
                   for e in self.of_kind("play"))  # fmt: skip

    def dialled(self, target: str) -> bool:
        """True when some ``Dial`` rang ``target`` (as written in ``To``)."""
        return any(target in e.data.get("targets", ()) for e in self.of_kind("dial"))

    def bridged(self) -> str | None:
        """The destination that answered, if any ``Dial`` was answered."""
        bridges = self.of_kind("bridge")
        return str(bridges[0].data.get("target")) if bridges else None


def _outcome(spec: DialSpec) -> DialOutcome:
    return spec if isinstance(spec, DialOutcome) else dial_outcome(spec)


class CallSimulator:
    """What the fixture returns: call it to simulate, or run a scenario file with ``.scenario``."""

    def __init__(self, base: Path) -> None:
        self.base = base
        self.calls: list[tuple[str, SimulatedCall]] = []
        """Every call placed in this test, shown in the report when the test fails."""

    def _path(self, path: str | os.PathLike[str]) -> Path:
        return self.base / path

    def _canned(self, spec: HttpSpec) -> Canned:
        if isinstance(spec, Canned):
            return spec
        if isinstance(spec, str) and spec.lstrip().startswith("<"):
            return Canned(xml=spec)
        path = self._path(spec)
        if not path.is_file():
            raise FileNotFoundError(f"canned HTTP answer: no such file {path}")
        return Canned(file=path)

    def __call__(
        self,
        flow: str | os.PathLike[str],
        *,
        digits: Iterable[str] | str = (),
        dial: Mapping[str, DialSpec] | None = None,
        dial_default: DialSpec | None = None,
        http: Mapping[str, HttpSpec] | None = None,
        from_: str | None = None,
        to: str | None = None,
        at: str | datetime | None = None,
        tz: str = "UTC",
        state: str | None = None,
        county: str | None = None,
        hangup_at: int | None = None,
        limits: Limits | None = None,
    ) -> SimulatedCall:
        """Simulate one call of ``flow``; ``digits`` gives one entry per wait ('' = silence).

        A flow with lint errors fails the test with the findings instead of running.
        """
        inputs = [digits] if isinstance(digits, str) else list(digits)
        caller = CallerScript(
            presses(inputs),
            {target: _outcome(spec) for target, spec in (dial or {}).items()},
            _outcome(dial_default) if dial_default is not None else DialOutcome(),
            hangup_at,
        )
        start = start_time(at if isinstance(at, str) or at is None else at.isoformat(), tz)
        context = CallContext(start=start, tz=tz, state=state_code(state) if state else None,
                              county=county)  # fmt: skip
        if from_ is not None:
            context = dataclasses.replace(context, from_=from_)
        if to is not None:
            context = dataclasses.replace(context, to=to)
        answers = {url: self._canned(spec) for url, spec in (http or {}).items()}
        path = self._path(flow)
        scenario = Scenario(path, path, context, caller, answers, limits or Limits())
        return self._keep(str(flow), _wrap(self._run(scenario)))

    def scenario(self, path: str | os.PathLike[str]) -> SimulatedCall:
        """Run a scenario file; its failed expectations fail the test, with the explanation."""
        try:
            loaded = load_scenario(self._path(path))
        except ScenarioError as exc:
            pytest.fail(exc.finding.render(), pytrace=False)
        run = self._run(loaded)
        if run.failures:
            pytest.fail("\n".join([f"scenario {path} failed:", *run.explain()]), pytrace=False)
        return self._keep(str(path), _wrap(run))

    def _keep(self, name: str, call: SimulatedCall) -> SimulatedCall:
        self.calls.append((name, call))
        return call

    def _run(self, scenario: Scenario) -> Run:
        flow = load_flow(scenario.flow)
        if flow.model is None:
            found = "\n".join(f.render() for f in flow.errors)
            pytest.fail(f"{scenario.flow} cannot be simulated:\n{found}", pytrace=False)
        try:
            return run_scenario(scenario, flow)
        except ScenarioError as exc:  # e.g. an http backend that cannot be opened
            pytest.fail(exc.finding.render(), pytrace=False)


def _wrap(run: Run) -> SimulatedCall:
    assert run.result is not None
    result = run.result
    return SimulatedCall(result.result, result.duration_ms, result.events, result.reason)


_CALLS = pytest.StashKey[CallSimulator]()


@pytest.fixture
def simulate_call(request: pytest.FixtureRequest) -> CallSimulator:
    """Simulate calls of flows next to the test file: ``simulate_call("ivr.xml", digits=["1"])``."""
    simulator = CallSimulator(request.path.parent)
    request.node.stash[_CALLS] = simulator
    return simulator


@pytest.fixture
def callflow_sim(simulate_call: CallSimulator) -> CallSimulator:
    """Another name for ``simulate_call``."""
    return simulate_call


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(
    item: pytest.Item, call: pytest.CallInfo[None]
) -> Generator[None, pytest.TestReport, pytest.TestReport]:
    """When a test fails, its report shows the transcript of every call it simulated."""
    report = yield
    simulator = item.stash.get(_CALLS, None)
    if report.when == "call" and report.failed and simulator is not None:
        for number, (name, placed) in enumerate(simulator.calls, start=1):
            report.sections.append((f"simulated call {number}: {name}", placed.text()))
    return report
