"""Bounds on one simulated call, so a flow that loops forever is reported instead of hanging."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Limits:
    """Hitting any bound ends the run with result ``limit`` and a reason naming it and the line.

    ``max_steps`` counts commands run plus every Gather attempt after the first (an attempt with
    no prompts and a zero timeout takes no virtual time, so time alone would not bound it).
    ``max_http_hops`` counts document replacements (Callback, Gather url); Curl does not count.
    """

    max_steps: int = 10_000
    max_time_ms: int = 4 * 3600 * 1000
    max_http_hops: int = 20
