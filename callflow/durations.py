"""Is a duration in milliseconds really seconds? One judgement for the flow and for what users
type beside it (CLI options, scenario files, behaviour models, cassettes).

Lint rule CF160 applies it to the flow's timeouts and pauses; the simulator's option and file
readers apply it to every duration a user types, with the same threshold and wording.
"""

from __future__ import annotations

SECONDS_LIMIT = 100
"""A duration below this many ms is, for a timeout or a pause, almost surely seconds."""


def seconds_meant(value: int) -> bool:
    """True for a duration (ms) too short to mean anything to a caller: 1 to 99."""
    return 0 < value < SECONDS_LIMIT


def seconds_warning(what: str, value: int) -> tuple[str, str] | None:
    """(message, hint) when ``value`` ms given as ``what`` was probably meant as seconds."""
    if not seconds_meant(value):
        return None
    message = f"{what} of {value} is {value} milliseconds; seconds were probably meant"
    return message, f"write {value}000"
