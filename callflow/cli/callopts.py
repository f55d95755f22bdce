"""The call's fields from the command line (--from, --to, --at, --tz, --state, --county).

Shared by ``simulate`` and ``explore`` so the flags mean the same, and fail the same way, in
both; each command keeps its own help texts, which say what the field decides there.
"""

from __future__ import annotations

from typing import Any

import click

from callflow.diagnostics import Finding
from callflow.durations import seconds_warning
from simulator.caller import DialOutcome
from simulator.context import CallContext
from simulator.scenario import dial_outcome_warnings, start_time, state_code, zone
from simulator.yamlread import SECONDS


def call_context(options: dict[str, Any]) -> CallContext:
    """The CallContext the flags describe; a bad value is a usage error naming its flag."""
    values: dict[str, Any] = {}
    for name in ("from_", "to", "county"):
        if options[name] is not None:
            values[name] = options[name]
    tz = options["tz"] or "UTC"
    try:
        zone(tz)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--tz") from None
    try:
        values["start"] = start_time(options["at"], tz)
    except ValueError as exc:
        raise click.BadParameter(str(exc), param_hint="--at") from None
    if options["state"] is not None:
        try:
            values["state"] = state_code(options["state"])
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--state") from None
    return CallContext(tz=tz, **values)


def warn_duration(option: str, value: int | None) -> None:
    """The CF160 warning (on stderr) when a duration typed as ``option`` looks like seconds."""
    warning = seconds_warning(option, value) if value is not None else None
    if warning is not None:
        _warn(*warning)


def warn_dial(option: str, written: str, outcome: DialOutcome) -> None:
    """The CF160 warning for each time of a dial outcome (``answer:5:60``) that looks like s."""
    for message, hint in dial_outcome_warnings(outcome):
        _warn(f"{option} {written}: {message}", hint)


def warnings_out(findings: tuple[Finding, ...] | list[Finding]) -> None:
    """Warnings found while reading a side file (scenario, model), one line each on stderr."""
    for finding in findings:
        click.echo(finding.render(), err=True)


def _warn(message: str, hint: str) -> None:
    click.echo(f"callflow: {SECONDS.code} warning {message} ({hint})", err=True)
