"""The call's fields from the command line (--from, --to, --at, --tz, --state, --county).

Shared by ``simulate`` and ``explore`` so the flags mean the same, and fail the same way, in
both; each command keeps its own help texts, which say what the field decides there.
"""

from __future__ import annotations

from typing import Any

import click

from simulator.context import CallContext
from simulator.scenario import start_time, state_code, zone


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
