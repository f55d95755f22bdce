"""The call's fields: who called whom, when, and from where (for Call, Schedule and Geo)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime


@dataclass(frozen=True, slots=True)
class CallContext:
    from_: str = "+12125550100"
    to: str = "+18005550199"
    direction: str = "inbound"
    state: str | None = None
    """Caller's US state code; None = derive from ``from_`` with the phonenumbers geocoder."""
    county: str | None = None
    """Caller's county: only from the scenario (no geocoder gives counties)."""
    start: datetime = field(default_factory=lambda: datetime(2026, 1, 5, 10, 0, tzinfo=UTC))
    """When the call starts; aware datetime. Schedule compares in ``tz``."""
    tz: str = "UTC"
    call_uuid: str = field(default_factory=lambda: str(uuid.UUID(int=1)))
    app_uuid: str = field(default_factory=lambda: str(uuid.UUID(int=2)))
    extra: dict[str, str] = field(default_factory=dict)
    """Other call fields a ``<Call field=...>`` may test."""
