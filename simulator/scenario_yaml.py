"""The writing side of scenario files: caller actions, Dial outcomes, canned answers and limits
as the YAML forms ``simulator.scenario`` reads. Shared by everything that writes scenarios
(``callflow explore --emit-scenarios``, the debugger's ``save``) so they cannot drift apart.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from simulator.caller import CallerAction, DialOutcome, HangUp, Press
from simulator.http import Canned
from simulator.limits import Limits


def relative(target: Path, folder: Path) -> str:
    """``target`` relative to the scenario's folder, with forward slashes."""
    return os.path.relpath(os.path.abspath(target), os.path.abspath(folder)).replace(os.sep, "/")


def action_yaml(action: CallerAction) -> Any:
    """``hangup``, ``silence``, or ``{press: KEYS}`` (with ``delay`` when there is one)."""
    if isinstance(action, HangUp):
        return "hangup"
    if isinstance(action, Press) and action.digits:
        if action.delay_ms:
            return {"press": action.digits, "delay": action.delay_ms}
        return {"press": action.digits}
    return "silence"


def outcome_yaml(outcome: DialOutcome) -> str:
    """The shortest text form that reads back as the same outcome."""
    if outcome.kind != "answer":
        return outcome.kind
    default = DialOutcome()
    if outcome.talk_ms != default.talk_ms:
        return f"answer:{outcome.after_ms}:{outcome.talk_ms}"
    return "answer" if outcome.after_ms == default.after_ms else f"answer:{outcome.after_ms}"


def canned_yaml(canned: Canned, folder: Path) -> dict[str, Any]:
    """``{timeout: true}``, ``{file: ...}`` or ``{xml: ...}``, with ``status`` unless 200."""
    if canned.timeout:
        return {"timeout": True}
    spec: dict[str, Any] = {}
    if canned.file is not None:
        spec["file"] = relative(canned.file, folder)
    elif canned.xml is not None:
        spec["xml"] = canned.xml
    if canned.status != 200 or not spec:
        spec["status"] = canned.status
    return spec


def limits_yaml(limits: Limits) -> dict[str, int]:
    return {
        "max_steps": limits.max_steps,
        "max_time_ms": limits.max_time_ms,
        "max_http_hops": limits.max_http_hops,
    }
