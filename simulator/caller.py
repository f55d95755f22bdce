"""The scripted caller: what the world does during a simulated call.

The engine asks the script at each point where the outside world decides: the next input of a
Gather (or a key during a Pause/Record with dtmf_stop), the outcome of a Dial, and whether the
caller hangs up. Scripts are plain data so scenario files and the CLI build them directly.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

DialKind = Literal["answer", "busy", "no-answer", "fail"]


@dataclass(frozen=True, slots=True)
class Press:
    """Keys pressed at the next wait for input, ``delay_ms`` after the wait begins.

    ``digits`` may end with the stop key (``1234#``). An empty string means silence: the attempt
    times out.
    """

    digits: str
    delay_ms: int = 0


@dataclass(frozen=True, slots=True)
class Silence:
    """Let the next wait for input time out."""


@dataclass(frozen=True, slots=True)
class HangUp:
    """The caller hangs up: at the next wait for input, or when the clock reaches ``at_ms``."""

    at_ms: int | None = None


CallerAction = Press | Silence | HangUp


@dataclass(frozen=True, slots=True)
class DialOutcome:
    """How one Dial destination behaves."""

    kind: DialKind = "answer"
    after_ms: int = 3000
    """For ``answer``: ring time before answering (beyond the Dial timeout = no answer)."""
    talk_ms: int = 60000
    """For ``answer``: how long the bridged call lasts before the callee hangs up."""


@dataclass(frozen=True, slots=True)
class CallerScript:
    """All the caller's choices for one call. An exhausted ``actions`` list means silence."""

    actions: tuple[CallerAction, ...] = ()
    dial: dict[str, DialOutcome] = field(default_factory=dict)
    """Destination (as written in To) -> outcome."""
    dial_default: DialOutcome = DialOutcome()
    hangup_at_ms: int | None = None
    """The caller hangs up when the virtual clock reaches this, wherever the flow is."""
