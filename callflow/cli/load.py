"""``callflow load``: simulated callers in real time against a live backend, on Locust.

Parses options into ``simulator.load.run.LoadSettings``, runs, prints the per-command table
and writes ``--json``. Needs the ``load`` extra; without it the command says how to install it.
Exit status: 0 every command's failure ratio within ``--fail-ratio``, 1 one above it, 2 usage
or unreadable input.
"""

from __future__ import annotations

import importlib.util
import json
import re
import sys
from pathlib import Path
from typing import Any

import click

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
_DURATION = re.compile(r"(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s?)?")


def parse_run_time(text: str) -> float:
    """Locust's run-time syntax: ``30s``, ``5m``, ``1h30m``, or plain seconds (``20``)."""
    found = _DURATION.fullmatch(text.strip())
    if not text.strip() or found is None:
        raise ValueError(f"{text!r} is not a duration like 30s, 5m or 1h30m")
    hours, minutes, seconds = (int(g) if g else 0 for g in found.groups())
    total = hours * 3600 + minutes * 60 + seconds
    if total <= 0:
        raise ValueError(f"{text!r}: the run time must be more than 0 s")
    return float(total)


def _run_time(value: str | None) -> float | None:
    if value is None:
        return None
    try:
        return parse_run_time(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--run-time") from None


@click.command()
@click.argument("flow", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--base-url", metavar="URL",
              help="Required: the backend under test (e.g. http://127.0.0.1:5000); every "
                   "request goes there and nowhere else; redirects are not followed.")  # fmt: skip
@click.option(
    "--behaviour",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="MODEL",
    help="Draw each caller from a behaviour model (the campaign's behaviour.yaml).",
)
@click.option(
    "--scenario",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Every caller does what this scenario file does.",
)
@click.option(
    "--digits",
    multiple=True,
    metavar="KEYS",
    help="Every caller presses these keys, one flag per wait ('1,2' = two waits).",
)
@click.option(
    "--users",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="Concurrent callers (each places calls one after another).",
)
@click.option("--spawn-rate", type=click.FloatRange(min=0, min_open=True), default=1.0,
              show_default=True, help="Callers started per second.")  # fmt: skip
@click.option(
    "--run-time",
    metavar="DURATION",
    help="How long the test runs (30s, 5m, 1h30m); required headless.",
)
@click.option("--speed", type=click.FloatRange(min=0, min_open=True), default=1.0,
              show_default=True,
              help="Divide the call's waits by this (request timeouts stay real).")  # fmt: skip
@click.option(
    "--seed",
    type=int,
    default=0,
    show_default=True,
    help="Seed of the behaviour model's draws: each user's calls repeat.",
)
@click.option(
    "--headless/--web",
    default=True,
    help="Run without a UI (default) or show Locust's web UI on 127.0.0.1:8089.",
)
@click.option("--web-port", type=click.IntRange(1, 65535), default=8089, show_default=True)
@click.option(
    "--csv",
    "csv_prefix",
    metavar="PREFIX",
    help="Write Locust's CSV files and PREFIX_commands.csv.",
)
@click.option("--html", "html_file", metavar="FILE", help="Write Locust's HTML report.")
@click.option("--json", "json_file", metavar="FILE", help="Write the callflow report as JSON.")
@click.option("--fail-ratio", type=click.FloatRange(0, 1), default=0.0, show_default=True,
              help="Exit 1 when any command fails more often than this.")  # fmt: skip
@click.option(
    "--shape",
    type=click.Choice(["campaign"]),
    help="campaign: dial --recipients at --calls-per-second, one call each.",
)
@click.option("--recipients", type=click.IntRange(min=1), metavar="N")
@click.option("--calls-per-second", type=click.FloatRange(min=0, min_open=True), metavar="R")
@click.option("--master", is_flag=True, help="Run as Locust master; workers place the calls.")
@click.option("--expect-workers", type=click.IntRange(min=1), default=1, show_default=True)
@click.option("--master-bind-host", default="127.0.0.1", show_default=True)
@click.option("--worker", is_flag=True, help="Run as a Locust worker of --master-host.")
@click.option("--master-host", default="127.0.0.1", show_default=True)
@click.option("--master-port", type=click.IntRange(1, 65535), default=5557, show_default=True)
@click.option(
    "--max-requests",
    type=click.IntRange(min=1),
    default=None,
    help="Stop after this many requests, whatever the run time (default 100000).",
)
def load(flow: Path | None, **o: Any) -> None:
    """Load-test the backend of FLOW with simulated calls in real time, on Locust.

    \b
    Examples:
      callflow load flow.xml --base-url http://127.0.0.1:5000 --behaviour behaviour.yaml \\
          --users 50 --spawn-rate 10 --run-time 30s
      callflow load flow.xml --base-url http://127.0.0.1:5000 --digits 1234 \\
          --users 10 --speed 50 --run-time 5s --json report.json
      callflow load reminder.xml --base-url http://127.0.0.1:5000 --behaviour b.yaml \\
          --shape campaign --recipients 500 --calls-per-second 20 --run-time 10m
    """
    if importlib.util.find_spec("locust") is None:
        click.echo("callflow load needs Locust: pip install 'opentact-callflow[load]'", err=True)
        sys.exit(EXIT_USAGE)
    if not o["base_url"]:
        raise click.UsageError("--base-url is required: a load test goes only to a target you name")
    run_time = _run_time(o["run_time"])
    if o["master"] and o["worker"]:
        raise click.UsageError("--master and --worker exclude each other")
    if o["headless"] and run_time is None and not o["worker"]:
        raise click.UsageError("--run-time is required headless (the run must end by itself)")
    if o["shape"] == "campaign" and (o["recipients"] is None or o["calls_per_second"] is None):
        raise click.UsageError("--shape campaign needs --recipients and --calls-per-second")
    if o["shape"] is None and (o["recipients"] is not None or o["calls_per_second"] is not None):
        raise click.UsageError("--recipients and --calls-per-second go with --shape campaign")
    if flow is None and o["scenario"] is None:
        raise click.UsageError("give a FLOW file (or a --scenario that names one)")
    from simulator.load.run import LoadRunError, LoadSettings, run, write_json
    from simulator.load.stats import table
    from simulator.load.user import MAX_REQUESTS, LoadSetupError
    from simulator.resolvers.urls import check_base_url

    try:
        check_base_url(o["base_url"])
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--base-url") from None
    settings = LoadSettings(
        flow=str(flow) if flow is not None else None,
        base_url=o["base_url"],
        behaviour=str(o["behaviour"]) if o["behaviour"] else None,
        scenario=str(o["scenario"]) if o["scenario"] else None,
        digits=tuple(o["digits"]),
        users=o["users"],
        spawn_rate=o["spawn_rate"],
        run_time_s=run_time,
        speed=o["speed"],
        seed=o["seed"],
        web=not o["headless"],
        web_port=o["web_port"],
        csv_prefix=o["csv_prefix"],
        html_file=o["html_file"],
        shape=o["shape"],
        recipients=o["recipients"] or 0,
        calls_per_second=o["calls_per_second"] or 1.0,
        mode="master" if o["master"] else "worker" if o["worker"] else "local",
        expect_workers=o["expect_workers"],
        master_host=o["master_host"],
        master_port=o["master_port"],
        master_bind_host=o["master_bind_host"],
        max_requests=o["max_requests"] or MAX_REQUESTS,
    )
    try:
        report = run(settings)
        if o["json_file"]:
            write_json(o["json_file"], report)
    except LoadSetupError as exc:
        click.echo(f"callflow load: {exc}", err=True)
        sys.exit(EXIT_USAGE)
    except LoadRunError as exc:
        click.echo(f"callflow load: {exc}", err=True)
        sys.exit(EXIT_USAGE)
    if settings.mode == "worker":
        click.echo(json.dumps({"requests": report["requests"]}))
        sys.exit(EXIT_OK)
    for line in table(report):
        click.echo(line)
    over = [c for c in report["commands"] if c["failure_ratio"] > o["fail_ratio"]]
    for c in over:
        click.echo(
            f"FAIL {c['name']}: {c['failure_ratio']:.1%} of requests failed "
            f"(--fail-ratio {o['fail_ratio']:g})",
            err=True,
        )
    sys.exit(EXIT_FAILED if over else EXIT_OK)
