"""The load shape of a campaign burst: N recipients dialled at R calls per second.

A bulk-call batch does not hold a steady number of callers: it dials its recipients at a fixed
rate and each call lasts as long as the callee stays. Here every recipient is one user that
places one call (``CallflowUser.calls_per_user = 1``); users are started at
``calls_per_second`` until all ``recipients`` are dialled, and the run ends when every call is
over (or at the run time, whichever comes first).
"""

from __future__ import annotations

from locust import LoadTestShape

from simulator.load.user import attach


class CampaignShape(LoadTestShape):  # type: ignore[misc]  # Any when locust lacks type information
    """Start ``recipients`` users at ``calls_per_second``; stop when their calls are over."""

    recipients: int = 0
    calls_per_second: float = 1.0
    run_time_s: float | None = None

    def tick(self) -> tuple[int, float] | None:
        elapsed = self.get_run_time()
        if self.run_time_s is not None and elapsed >= self.run_time_s:
            return None
        runner = self.runner
        if runner is not None and elapsed > 1.0:
            placed = attach(runner.environment).collector.calls["started"]  # counted when over
            if placed >= self.recipients:
                return None
        return self.recipients, self.calls_per_second
