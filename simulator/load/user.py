"""``CallflowUser``: a Locust user that places simulated calls against a live backend.

Each user places calls one after another. A call runs the real interpreter
(``simulator.load.call.live_call``) and waits in real time, divided by ``speed``, between the
moments the call would reach; every Callback, Curl and Gather-url request is sent by Locust's
own HTTP client to ``host`` (the base URL), under the name of its command, and judged as
Opentact would (``judge``): late, non-2xx, or an invalid document is a failure in Locust's
statistics, and the machine takes the flow's Error branch for it.

Use it in your own locustfile::

    from simulator.load import CallflowUser

    class Caller(CallflowUser):
        flow = "ivr.xml"
        behaviour = "behaviour.yaml"     # or scenario = "call.yaml", or digits = ("1234",)
        host = "http://127.0.0.1:5000"   # or locust --host

A flow that does not lint, or a scenario or behaviour file that cannot be read, stops the run
with one line naming file, line, column and rule, and exit status 2.

Safety: requests go only to ``host`` (the flow's own host is replaced by it, redirects are not
followed), and a process stops sending after ``max_requests``.
"""

from __future__ import annotations

import itertools
import os
import sys
import time
from dataclasses import dataclass, field
from typing import Any, ClassVar, NoReturn

import gevent
import requests
from locust import HttpUser, constant, events, task
from locust.env import Environment
from locust.exception import StopUser
from locust.runners import MasterRunner, WorkerRunner

from callflow import model as m
from simulator.caller import CallerScript
from simulator.campaign.behaviour import BehaviourError, load_behaviour
from simulator.http import HttpAnswer
from simulator.load.call import (
    Caller,
    Send,
    Sleep,
    call_rng,
    decode_body,
    ended_in_error_branch,
    judge,
)
from simulator.load.call import live_call as _live_call
from simulator.load.stats import Collector, table
from simulator.machine import Machine
from simulator.resolvers.urls import check_base_url, rebase
from simulator.scenario import ScenarioError, load_flow, load_scenario, presses

USER_AGENT = "opentact-callflow-load"
MAX_REQUESTS = 100_000
"""Requests one process sends at most, whatever the run time (the second bound of a run)."""
EXIT_SETUP = 2
"""The exit status of a ``locust -f`` run whose flow, scenario or behaviour cannot be used."""


class LoadSetupError(Exception):
    """The flow, model or scenario of a user cannot be used; the message says why and where."""


@dataclass
class LoadState:
    """What one Locust process (local, master or worker) keeps for callflow users."""

    collector: Collector = field(default_factory=Collector)
    start: float = field(default_factory=time.time)
    users: itertools.count[int] = field(default_factory=itertools.count)
    stopping: bool = False
    refused: bool = False
    """A user class's files could not be used: said once, and the run is stopped."""


def attach(environment: Environment) -> LoadState:
    """The callflow state of ``environment``, made (with its event listeners) on first use:
    workers send what they collected with each stats report, the master adds it up."""
    found: LoadState | None = getattr(environment, "callflow_load", None)
    if found is not None:
        return found
    state = LoadState()
    environment.callflow_load = state  # type: ignore[attr-defined]
    ev = environment.events

    def to_master(client_id: str, data: dict[str, Any]) -> None:
        data["callflow"] = state.collector.drain()

    def from_worker(client_id: str, data: dict[str, Any]) -> None:
        state.collector.merge(data.get("callflow", {}))
        limit = getattr(environment, "callflow_max_requests", MAX_REQUESTS)
        runner = environment.runner
        if state.collector.requests >= limit and runner is not None and not state.stopping:
            state.stopping = True
            gevent.spawn(runner.quit)

    def started(**_: Any) -> None:
        state.start = time.time()

    ev.report_to_master.add_listener(to_master)
    ev.worker_report.add_listener(from_worker)
    ev.test_start.add_listener(started)
    return state


@events.init.add_listener
def _on_locust_init(environment: Environment, **_: Any) -> None:
    """Under ``locust -f``: attach on every process (the master has no users, it collects
    what workers send), and print the per-command report when Locust quits."""
    state = attach(environment)

    def report(**_: Any) -> None:
        if not isinstance(environment.runner, WorkerRunner):
            for line in table(state.collector.report(state.start)):
                print(line)

    environment.events.quitting.add_listener(report)


def build_caller(
    flow: str | os.PathLike[str] | None,
    *,
    behaviour: str | os.PathLike[str] | None = None,
    scenario: str | os.PathLike[str] | None = None,
    digits: tuple[str, ...] = (),
    outbound: bool = False,
) -> Caller:
    """The caller of a run from its files; ``LoadSetupError`` with a ``file:line:col`` message
    when the flow does not lint or a side file cannot be read."""
    if sum(x is not None for x in (behaviour, scenario)) + bool(digits) > 1:
        raise LoadSetupError("give one of a behaviour model, a scenario or digits")
    script, context, limits = CallerScript(), None, None
    if scenario is not None:
        try:
            scn = load_scenario(scenario)
        except ScenarioError as exc:
            raise LoadSetupError(exc.finding.render()) from None
        script, context, limits = scn.caller, scn.context, scn.limits
        flow = flow if flow is not None else scn.flow
    elif digits:
        try:
            script = CallerScript(presses(d for raw in digits for d in raw.split(",")))
        except ValueError as exc:
            raise LoadSetupError(f"digits: {exc}") from None
    if flow is None:
        raise LoadSetupError("no flow: set flow (or a scenario that names one)")
    checked = load_flow(flow)
    if checked.model is None:
        more = len(checked.errors) - 1
        tail = f" (and {more} more error{'s' if more > 1 else ''}: callflow lint)" if more else ""
        raise LoadSetupError(checked.errors[0].render() + tail)
    model = None
    if behaviour is not None:
        try:
            model = load_behaviour(behaviour)
        except BehaviourError as exc:
            raise LoadSetupError(exc.finding.render()) from None
    extra: dict[str, Any] = {}
    if context is not None:
        extra["context"] = context
    if limits is not None:
        extra["limits"] = limits
    return Caller(checked.model, str(checked.path), model, script, outbound=outbound,
                  source=checked.source, **extra)  # fmt: skip


class CallflowUser(HttpUser):  # type: ignore[misc]  # Any when locust lacks type information
    """Places simulated calls of ``flow`` one after another (see the module docstring)."""

    abstract = True
    wait_time = constant(0)
    flow: ClassVar[str | None] = None
    behaviour: ClassVar[str | None] = None
    scenario: ClassVar[str | None] = None
    digits: ClassVar[tuple[str, ...]] = ()
    speed: ClassVar[float] = 1.0
    """Waits are divided by this: 10 replays a 90 s call in 9 s (request timeouts stay real)."""
    seed: ClassVar[int] = 0
    calls_per_user: ClassVar[int | None] = None
    """Calls each user places before it idles (1 for a campaign's recipients)."""
    outbound: ClassVar[bool] = False
    max_requests: ClassVar[int] = MAX_REQUESTS
    base_url: ClassVar[str | None] = None
    """Where every request goes, fixed for the run; ``host`` when not set (a locustfile).
    ``callflow load --web`` sets it, so the web UI's host field cannot send requests elsewhere."""
    _caller: ClassVar[Caller | None] = None

    @classmethod
    def caller(cls) -> Caller:
        """The class's caller, read once per class and process."""
        found = cls.__dict__.get("_caller")
        if found is None:
            found = build_caller(
                cls.flow, behaviour=cls.behaviour, scenario=cls.scenario,
                digits=tuple(cls.digits), outbound=cls.outbound,
            )  # fmt: skip
            cls._caller = found
        return found

    def __init__(self, environment: Environment) -> None:
        super().__init__(environment)
        target = self.base_url or self.host
        if target:
            check_base_url(target)
        self.state = attach(environment)
        environment.callflow_max_requests = self.max_requests  # type: ignore[attr-defined]
        runner = environment.runner
        worker = runner.worker_index if isinstance(runner, WorkerRunner) else 0
        self.user_id = f"{worker}.{next(self.state.users)}"
        self.placed = 0

    @task
    def place_call(self) -> None:
        """One call, from the first command to its end, in real time."""
        if self.calls_per_user is not None and self.placed >= self.calls_per_user:
            gevent.sleep(1.0)
            return
        rng = call_rng(self.seed, self.user_id, self.placed)
        self.placed += 1
        try:
            caller = self.caller()
        except LoadSetupError as exc:
            self._refuse(str(exc))
        collector = self.state.collector
        if not caller.answers(rng):
            collector.call(answered=False, ending=None, backend_failed=False, error_branch=False)
            return
        machine, before = caller.machine(rng)
        failed: set[tuple[str | None, int | None]] = set()
        finished: Machine | None = None
        try:
            finished = self._drive(machine, before, failed)
        finally:
            result = finished.result if finished is not None else None
            collector.call(
                answered=True,
                ending=(finished.ending or result.result) if finished and result else None,
                backend_failed=bool(failed),
                error_branch=result is not None and ended_in_error_branch(result, failed),
            )

    def _refuse(self, message: str) -> NoReturn:
        """Say once (one line, no traceback) why this class cannot place calls, make the
        process exit with status 2, and stop: the run quits, this user ends."""
        state = self.state
        if not state.refused:
            state.refused = True
            print(f"{message} (user class {type(self).__name__})", file=sys.stderr, flush=True)
            self.environment.process_exit_code = EXIT_SETUP
            runner = self.environment.runner
            if runner is not None and not state.stopping:
                state.stopping = True
                gevent.spawn(runner.quit)
        raise StopUser()

    def _drive(self, machine: Machine, before: Any, failed: set[tuple[str | None, int | None]]
               ) -> Machine:  # fmt: skip
        steps = _live_call(machine, before)
        try:
            step = next(steps)
            while True:
                if isinstance(step, Sleep):
                    gevent.sleep(step.ms / 1000 / self.speed)
                    step = next(steps)
                else:
                    step = steps.send(self._send(step, failed))
        except StopIteration as stop:
            done: Machine = stop.value
            return done

    def _send(self, step: Send, failed: set[tuple[str | None, int | None]]) -> HttpAnswer:
        """Send one request with Locust's client and judge the answer."""
        collector = self.state.collector
        if collector.requests >= self.max_requests:
            runner = self.environment.runner
            local = runner is not None and not isinstance(runner, MasterRunner | WorkerRunner)
            if local and not self.state.stopping:
                self.state.stopping = True
                gevent.spawn(runner.quit)
            raise StopUser()
        request = step.point.request
        base = self.base_url or self.host
        if not base:
            raise StopUser()  # Locust refuses a user without a host before it gets here
        url, headers = rebase(request.url, base)
        headers["User-Agent"] = USER_AGENT
        at, began = time.time(), time.perf_counter()
        status: int | None = None
        text: str | None = None
        unreadable: str | None = None
        error: str | None = None
        timed_out = False
        with self.client.request(
            request.method, url, name=step.name, json=request.body, headers=headers,
            timeout=request.timeout_ms / 1000, allow_redirects=False, catch_response=True,
        ) as response:  # fmt: skip
            elapsed = round((time.perf_counter() - began) * 1000)
            problem = getattr(response, "error", None)
            if isinstance(problem, BaseException):
                timed_out = isinstance(problem, requests.Timeout)
                error = _describe(problem, request.timeout_ms)
                if timed_out:
                    elapsed = max(elapsed, request.timeout_ms)
            else:
                status = response.status_code
                content_type = response.headers.get("content-type", "")
                text, unreadable = decode_body(status, response.content, content_type, request.url)
            answer, kind, reason = judge(request, status, text, elapsed, error,
                                         timed_out=timed_out, unreadable=unreadable)  # fmt: skip
            if status is not None and 300 <= status < 400:
                reason = f"{reason}: redirects are not followed (requests go only to the base URL)"
            if kind is None:
                response.success()
            else:
                response.failure(reason)
        collector.request(step.name, request.timeout_ms, at, elapsed, kind)
        if kind is not None:
            node: m.Node = step.point.node
            failed.add((step.file, node.pos.line if node.pos is not None else None))
        return answer


def _describe(exc: BaseException, timeout_ms: int) -> str:
    if isinstance(exc, requests.Timeout):
        return f"timed out after {timeout_ms} ms waiting for an answer"
    if isinstance(exc, requests.ConnectionError):
        return "cannot connect to the base URL"
    return f"request failed: {type(exc).__name__}"
