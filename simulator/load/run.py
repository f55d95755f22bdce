"""Run a load test with Locust as a library: local, master or worker; headless or web UI.

``callflow load`` (``callflow.cli.load``) only parses options into ``LoadSettings`` and prints
the report ``run`` returns; everything Locust-specific happens here. The run ends by itself:
at ``run_time_s`` (required headless), when a campaign shape has dialled every recipient and
their calls are over, or when ``max_requests`` requests were sent.
"""

from __future__ import annotations

import csv
import json
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import gevent
from locust.env import Environment
from locust.event import Events
from locust.html import get_html_report
from locust.runners import MasterRunner, Runner, WorkerRunner
from locust.stats import PERCENTILES_TO_REPORT, StatsCSV

from simulator.load.shape import CampaignShape
from simulator.load.user import MAX_REQUESTS, CallflowUser, attach
from simulator.resolvers.urls import check_base_url

Mode = Literal["local", "master", "worker"]
WORKERS_WAIT_S = 60.0
"""How long a master waits for ``expect_workers`` before giving up."""


class LoadRunError(Exception):
    """The run could not start or finish as asked (no workers came, a file cannot be written)."""


@dataclass(frozen=True)
class LoadSettings:
    """Everything a run needs; the CLI fills it from its options."""

    flow: str | None
    base_url: str
    behaviour: str | None = None
    scenario: str | None = None
    digits: tuple[str, ...] = ()
    users: int = 1
    spawn_rate: float = 1.0
    run_time_s: float | None = None
    speed: float = 1.0
    seed: int = 0
    web: bool = False
    web_host: str = "127.0.0.1"
    web_port: int = 8089
    csv_prefix: str | None = None
    html_file: str | None = None
    shape: Literal["campaign"] | None = None
    recipients: int = 0
    calls_per_second: float = 1.0
    mode: Mode = "local"
    expect_workers: int = 1
    master_host: str = "127.0.0.1"
    master_port: int = 5557
    master_bind_host: str = "127.0.0.1"
    max_requests: int = MAX_REQUESTS

    def described(self) -> dict[str, Any]:
        """The settings worth recording in a report."""
        keys = ("flow", "base_url", "behaviour", "scenario", "digits", "users", "spawn_rate",
                "run_time_s", "speed", "seed", "shape", "recipients", "calls_per_second", "mode",
                "max_requests")  # fmt: skip
        out = {k: getattr(self, k) for k in keys}
        out["digits"] = list(self.digits)
        return out


def user_class(s: LoadSettings) -> type[CallflowUser]:
    """A ``CallflowUser`` subclass configured from the settings, its caller read and checked
    (``LoadSetupError`` otherwise) before Locust starts."""
    campaign = s.shape == "campaign"
    attrs: dict[str, Any] = {
        "abstract": False,
        "host": s.base_url,
        "base_url": s.base_url,
        "flow": s.flow,
        "behaviour": s.behaviour,
        "scenario": s.scenario,
        "digits": s.digits,
        "speed": s.speed,
        "seed": s.seed,
        "calls_per_user": 1 if campaign else None,
        "outbound": campaign,
        "max_requests": s.max_requests,
        "_caller": None,
    }
    cls: type[CallflowUser] = type("Caller", (CallflowUser,), attrs)
    cls.caller()
    return cls


def run(s: LoadSettings) -> dict[str, Any]:
    """Run the test; the callflow report of this process (the whole run's on a master)."""
    check_base_url(s.base_url)
    cls = user_class(s)
    shape = None
    if s.shape == "campaign":
        shape = CampaignShape()
        shape.recipients, shape.calls_per_second = s.recipients, s.calls_per_second
        shape.run_time_s = s.run_time_s
    env = Environment(user_classes=[cls], shape_class=shape, events=Events(), host=s.base_url)
    state = attach(env)
    env.callflow_max_requests = s.max_requests  # type: ignore[attr-defined]
    runner: Runner
    if s.mode == "worker":
        runner = env.create_worker_runner(s.master_host, s.master_port)
        runner.greenlet.join()
        return _report(env, s)
    if s.mode == "master":
        runner = env.create_master_runner(s.master_bind_host, s.master_port)
    else:
        runner = env.create_local_runner()

    def quit_once(**_: Any) -> None:
        if not state.stopping:
            state.stopping = True
            gevent.spawn(runner.quit)

    if s.web:
        # The web UI parses sys.argv with Locust's own parser on every page; ours would not
        # parse there, and the UI shows no option of ours anyway.
        sys.argv = sys.argv[:1]
        env.create_web_ui(s.web_host, s.web_port)
    else:
        env.events.test_stop.add_listener(quit_once)  # a shape that is done ends the run
    if s.run_time_s is not None:
        gevent.spawn_later(s.run_time_s, quit_once)
    if s.mode == "master":
        _wait_for_workers(runner, s.expect_workers)
    if not s.web:
        if shape is not None:
            runner.start_shape()
        else:
            runner.start(s.users, s.spawn_rate)
    runner.greenlet.join()
    if env.web_ui is not None:
        env.web_ui.stop()
    if s.csv_prefix is not None:
        write_csv(env, s.csv_prefix, state.collector.report(state.start))
    if s.html_file is not None:
        _write(s.html_file, get_html_report(env, show_download_link=False))
    return _report(env, s)


def _wait_for_workers(runner: Runner, count: int) -> None:
    assert isinstance(runner, MasterRunner)
    deadline = time.monotonic() + WORKERS_WAIT_S
    while len(runner.clients.ready) < count:
        if time.monotonic() > deadline:
            runner.quit()
            found = len(runner.clients.ready)
            raise LoadRunError(
                f"only {found} of {count} worker(s) connected in {WORKERS_WAIT_S:g} s"
            )
        gevent.sleep(0.1)


def _report(env: Environment, s: LoadSettings) -> dict[str, Any]:
    state = attach(env)
    report = state.collector.report(state.start, s.described())
    runner = env.runner
    assert runner is not None
    total = runner.stats.total
    report["locust"] = {
        "requests": total.num_requests,
        "failures": total.num_failures,
        "role": "worker" if isinstance(runner, WorkerRunner) else s.mode,
    }
    return report


def write_json(path: str, report: dict[str, Any]) -> None:
    _write(path, json.dumps(report, indent=2) + "\n")


def write_csv(env: Environment, prefix: str, report: dict[str, Any]) -> None:
    """Locust's own CSV files (``PREFIX_stats.csv``, ``_failures``, ``_exceptions``) and ours,
    ``PREFIX_commands.csv``: each command against its timeout."""
    stats = StatsCSV(env, PERCENTILES_TO_REPORT)
    for suffix, write in (("stats", stats.requests_csv), ("failures", stats.failures_csv),
                          ("exceptions", stats.exceptions_csv)):  # fmt: skip
        with _open(f"{prefix}_{suffix}.csv") as handle:
            write(csv.writer(handle))
    columns = ("name", "timeout_ms", "requests", "failures", "failure_ratio", "p50_ms", "p95_ms",
               "p99_ms", "max_ms", "p95_over_timeout_at_s")  # fmt: skip
    with _open(f"{prefix}_commands.csv") as handle:
        out = csv.writer(handle)
        out.writerow(columns)
        for command in report["commands"]:
            out.writerow(["" if command[c] is None else command[c] for c in columns])


def _open(path: str) -> Any:
    try:
        return open(path, "w", newline="", encoding="utf-8")  # closed by with
    except OSError as exc:
        raise LoadRunError(f"cannot write {path}: {exc.strerror or exc}") from None


def _write(path: str, text: str) -> None:
    try:
        Path(path).write_text(text, encoding="utf-8")
    except OSError as exc:
        raise LoadRunError(f"cannot write {path}: {exc.strerror or exc}") from None
