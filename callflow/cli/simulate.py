"""``callflow simulate``: place one simulated call and print what happened.

The quick flags build the same caller script, call fields and HTTP answers a scenario file
does (the value readers are shared), so a call tried on the command line can be pasted into a
scenario unchanged. The flow is linted first: a flow with errors is not simulated.

``--app``, ``--base-url`` and ``--replay-http`` send every request of the call to one real
backend (see ``simulator.resolvers.RunBackends``, shared with ``callflow test``);
``--record-http`` saves what was asked and answered, written when the call is over.
"""

from __future__ import annotations

import json
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Any

import click

from callflow.cli.callopts import call_context, warn_dial, warn_duration, warnings_out
from simulator.caller import CallerScript, DialOutcome
from simulator.expect import Failure
from simulator.render import transcript, wants_colour
from simulator.resolvers import AppLoadError, CassetteError, RunBackends
from simulator.scenario import (
    BACKEND,
    Flow,
    Run,
    Scenario,
    ScenarioError,
    canned_file,
    dial_outcome,
    load_flow,
    load_scenario,
    presses,
    resolver,
    run_scenario,
)

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
_QUICK = ("digits", "dials", "dial_default", "https", "from_", "to", "at", "tz", "state",
          "county", "hangup_at")  # fmt: skip
"""Parameters that describe the call; ``--scenario`` describes it instead."""


def _pairs(values: tuple[str, ...], flag: str, what: str, *, last: bool) -> list[tuple[str, str]]:
    """Split ``KEY=VALUE`` flags, at the last ``=`` or at the first one."""
    out = []
    for raw in values:
        key, sep, value = raw.rpartition("=") if last else raw.partition("=")
        if not sep or not key or not value:
            raise click.BadParameter(f"{raw!r} is not {what}", param_hint=flag)
        out.append((key, value))
    return out


def _caller(digits: tuple[str, ...], dials: tuple[str, ...], dial_default: str | None,
            hangup_at: int | None) -> CallerScript:  # fmt: skip
    """``--digits 1 --digits ''`` (or ``--digits 1,``): one entry per wait for input."""
    try:
        actions = presses(d for raw in digits for d in raw.split(","))
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--digits") from None
    table: dict[str, DialOutcome] = {}
    for target, outcome in _pairs(dials, "--dial", "TARGET=OUTCOME", last=True):
        try:
            table[target] = dial_outcome(outcome)
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--dial") from None
        warn_dial("--dial", f"{target}={outcome}", table[target])
    default = DialOutcome()
    if dial_default is not None:
        try:
            default = dial_outcome(dial_default)
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--dial-default") from None
        warn_dial("--dial-default", dial_default, default)
    warn_duration("--hangup-at", hangup_at)
    return CallerScript(actions, table, default, hangup_at)


def _from_flags(flow: Path, options: dict[str, Any]) -> Scenario:
    http = {}
    for url, file in _pairs(options["https"], "--http", "URL=FILE", last=False):
        try:
            http[url] = canned_file(Path(file))
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--http") from None
    caller = _caller(options["digits"], options["dials"], options["dial_default"],
                     options["hangup_at"])  # fmt: skip
    return Scenario(Path("<command line>"), flow, call_context(options), caller, http)


def open_backends(command: str, options: dict[str, Any]) -> RunBackends:
    """The ``--app``/``--base-url``/``--replay-http``/``--record-http`` options, opened; a
    mistake in them exits 2 with a message (a broken cassette at its line)."""
    try:
        return RunBackends(
            app=options["app"],
            base_url=options["base_url"],
            replay=options["replay_http"],
            record=options["record_http"],
        )
    except CassetteError as exc:
        click.echo(f"{exc.file}:{exc.line}:{exc.col}: {BACKEND.code} error {exc.message}", err=True)
        sys.exit(EXIT_USAGE)
    except (AppLoadError, ValueError) as exc:
        raise click.UsageError(f"{command}: {exc}") from None


def close_backends(command: str, backends: RunBackends) -> None:
    """Release the backends and write the recorded cassette; a failed write exits 2."""
    try:
        backends.close()
    except OSError as exc:
        reason = exc.strerror or str(exc)
        click.echo(f"callflow {command}: cannot write {backends.record}: {reason}", err=True)
        sys.exit(EXIT_USAGE)


def check_backend_options(options: dict[str, Any], *, canned: bool = False) -> None:
    """Refuse options that exclude each other before anything is read or imported."""
    given = [f"--{n.replace('_', '-')}" for n in ("app", "base_url", "replay_http") if options[n]]
    if len(given) > 1:
        raise click.UsageError(f"{' and '.join(given)} cannot be used together")
    if given and canned:
        raise click.UsageError(
            f"--http cannot be used with {given[0]}, which answers every request"
        )


def _run(scn: Scenario, flow: Flow, options: dict[str, Any], strict: bool) -> Run:
    backends = open_backends("simulate", options)
    try:
        with backends.run(lambda: resolver(scn)) as http:
            return run_scenario(scn, flow, http, strict=strict)
    except ScenarioError as exc:
        click.echo(exc.finding.render(), err=True)
        sys.exit(EXIT_USAGE)
    finally:
        close_backends("simulate", backends)


def _report(failures: tuple[Failure, ...], explained: list[str], total: int) -> None:
    if not failures:
        click.echo(f"expectations: all {total} held")
        return
    click.echo(f"expectations: {len(failures)} of {total} failed")
    for line in explained:
        click.echo("  " + line)


def _findings_out(flow: Flow, fmt: str) -> None:
    if fmt == "json":
        click.echo(json.dumps({"findings": [asdict(f) for f in flow.errors]}, indent=2))
    else:
        for finding in flow.errors:
            click.echo(finding.render())


@click.command()
@click.argument("flow", required=False, type=click.Path(dir_okay=False, path_type=Path))
@click.option("--digits", "digits", multiple=True, metavar="KEYS",
              help="Keys pressed at the next wait for keys, one entry per wait in order: every "
                   "Gather attempt, and a Pause or Record with dtmf_stop ('' = silence, a "
                   "trailing stop key allowed; '1,2' = two waits). Entries no wait uses, and "
                   "keys a wait drops, are reported at the end.")  # fmt: skip
@click.option("--dial", "dials", multiple=True, metavar="TARGET=OUTCOME",
              help="How a Dial destination behaves: answer, busy, no-answer, fail, "
                   "answer:AFTER_MS or answer:AFTER_MS:TALK_MS.")  # fmt: skip
@click.option("--dial-default", metavar="OUTCOME",
              help="Outcome of destinations not given with --dial (default: answer).")  # fmt: skip
@click.option("--http", "https", multiple=True, metavar="URL=FILE",
              help="Answer requests to URL (without its query) with the XML in FILE; "
                   "other URLs fail as if the server were down.")  # fmt: skip
@click.option("--from", "from_", metavar="NUMBER", help="The caller's number.")
@click.option("--to", metavar="NUMBER", help="The number called.")
@click.option("--at", metavar="ISO-DATETIME",
              help="When the call starts; without an offset it is local time in --tz.")  # fmt: skip
@click.option("--tz", metavar="ZONE", help="Time zone for Schedule and --at (default UTC).")
@click.option("--state", metavar="XX", help="Caller's US state (default: from --from).")
@click.option("--county", metavar="NAME", help="Caller's county, for Geo county.")
@click.option("--hangup-at", type=click.IntRange(min=0), metavar="MS",
              help="The caller hangs up at this virtual time.")  # fmt: skip
@click.option("--app", metavar="MODULE:ATTR",
              help="Send every request of the call to this WSGI or ASGI app, called in-process "
                   "(the module is imported from the current directory).")  # fmt: skip
@click.option("--base-url", metavar="URL",
              help="Send every request to this live server (e.g. http://127.0.0.1:5000), "
                   "keeping path and query; Host and X-Forwarded-Proto name the flow's "
                   "own host and scheme.")  # fmt: skip
@click.option("--replay-http", type=click.Path(dir_okay=False, path_type=Path),
              metavar="CASSETTE",
              help="Answer every request from a recorded cassette (offline).")  # fmt: skip
@click.option("--record-http", type=click.Path(dir_okay=False, path_type=Path),
              metavar="CASSETTE",
              help="Save every request and answer of the call to CASSETTE.")  # fmt: skip
@click.option("--scenario", type=click.Path(dir_okay=False, path_type=Path),
              help="Take the call from a scenario file and check its expectations.")  # fmt: skip
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text",
              show_default=True)  # fmt: skip
@click.option("--interactive", is_flag=True,
              help="Step through the call at a prompt: answer each wait for keys, Dial and "
                   "request yourself; break, step, where, vars, save FILE (docs/interactive.md). "
                   "The flags above become the answers an empty line gives.")  # fmt: skip
@click.option("--strict", is_flag=True,
              help="Exit 1 when some caller input was not used (an entry no wait took, or keys "
                   "a wait dropped).")  # fmt: skip
@click.option("--no-color", "no_color", is_flag=True, help="Never colour the output.")
def simulate(flow: Path | None, scenario: Path | None, fmt: str, interactive: bool,
             strict: bool, no_color: bool, **options: Any) -> None:  # fmt: skip
    """Simulate one call of FLOW and print its transcript.

    \b
    Examples:
      callflow simulate menu.xml --digits 1               press 1 at the first menu
      callflow simulate menu.xml --digits '' --digits 2   silence, then 2
      callflow simulate hours.xml --at 2026-01-10T09:00 --tz America/New_York
      callflow simulate --scenario scenarios/support.yaml
      callflow simulate ivr.xml --app mypkg.web:app --digits 1234
      callflow simulate ivr.xml --base-url http://127.0.0.1:5000 --record-http ivr.yaml
      callflow simulate menu.xml --interactive          press keys at a prompt, step, save

    Exit status: 0 the call ran (whatever its result), 1 the flow has lint errors or the
    scenario's expectations failed (or, with --strict, some caller input was not used), 2
    usage error or unreadable input.
    """
    check_backend_options(options, canned=bool(options["https"]))
    if interactive and fmt != "text":
        raise click.UsageError("--interactive talks in text; drop --format json")
    if scenario is not None:
        given = [name for name in _QUICK if options[name] not in (None, ())]
        if given:
            flags = ", ".join("--" + name.rstrip("_").replace("_", "-") for name in given)
            raise click.UsageError(f"{flags}: describe the call in the scenario, not with flags")
        try:
            scn = load_scenario(scenario)
        except ScenarioError as exc:
            click.echo(exc.finding.render(), err=True)
            sys.exit(EXIT_USAGE)
        warnings_out(scn.warnings)
    elif flow is None:
        raise click.UsageError("give a FLOW file or --scenario FILE")
    else:
        scn = _from_flags(flow, options)
    checked = load_flow(flow or scn.flow)
    if checked.unreadable:
        for finding in checked.errors:
            click.echo(finding.render(), err=True)
        sys.exit(EXIT_USAGE)
    if checked.model is None:
        _findings_out(checked, fmt)
        sys.exit(EXIT_FAILED)
    colour = not no_color and wants_colour(sys.stdout)
    if interactive:
        from callflow.cli.interactive import debug

        sys.exit(debug(scn, checked, options, colour=colour))
    run = _run(scn, checked, options, strict)
    assert run.result is not None
    if fmt == "json":
        out = run.result.to_json()
        if scenario is not None:
            out["failures"] = [
                {"step": f.step, "line": f.expectation.line,
                 "expectation": f.expectation.describe(), "reason": f.reason}
                for f in run.failures
            ]  # fmt: skip
        click.echo(json.dumps(out, indent=2, ensure_ascii=False))
    else:
        for line in transcript(run.result, colour=colour, main_file=str(checked.path)):
            click.echo(line, color=colour)
        for line in run.unused():
            text = ("error: " if strict else "warning: ") + line
            click.echo(click.style(text, fg="yellow") if colour else text, color=colour)
        if scenario is not None:
            explained = [ln for f in run.failures for ln in f.explain().splitlines()]
            _report(run.failures, explained, len(scn.expect))
    sys.exit(EXIT_OK if run.passed else EXIT_FAILED)
