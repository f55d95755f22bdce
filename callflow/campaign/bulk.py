"""The bodies of Opentact's bulk-call requests for a campaign (what ``--dry-run`` writes).

Opentact's "Make bulk call" API (``POST /rest/batch``, doc.opentact.org, Calling > Make bulk
call > Example API call) takes one document for many numbers::

    {"outbound_voice_profile": "<uuid>", "phones": [13019947779],
     "xml": "<?xml ...?><Response>...</Response>", "tn_lease": "<uuid>"}

``phones`` are numbers without the ``+``, as JSON integers (as in the example); the caller ID
is the number of the ``tn_lease``. So one request goes out per distinct (document, lease):
recipients whose variables give the same document share a request. ``xml`` is the rendered
document exactly as it was linted. Fallback numbers and ``max_retries`` have no field in the
request: the bulk call dials each ``to`` once (the simulation models them as retries placed
by the caller of the API).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field

from callflow.campaign.documents import Prepared


class LeaseError(ValueError):
    """A ``--lease-id`` or ``--profile-id`` that is not what Opentact takes."""


def opentact_id(raw: str, what: str) -> str:
    """A UUID as Opentact writes it (lower case, dashed), or ``LeaseError``."""
    try:
        return str(uuid.UUID(raw.strip()))
    except ValueError:
        raise LeaseError(
            f"{what} {raw!r} is not a UUID (Opentact ids look like "
            "2ed01387-cf80-4c09-b62a-00e170796b84)"
        ) from None


@dataclass(frozen=True, slots=True)
class Leases:
    """Which TN lease places whose calls: a default, and one per ``from`` number."""

    default: str | None = None
    by_number: dict[str, str] = field(default_factory=dict)

    @classmethod
    def parse(cls, values: Iterable[str]) -> Leases:
        """``UUID`` (the default) or ``+E164=UUID`` (for rows whose ``from`` is that number)."""
        default, by_number = None, {}
        for raw in values:
            number, sep, lease = raw.rpartition("=")
            if sep:
                by_number[number.strip()] = opentact_id(lease, "--lease-id")
            elif default is None:
                default = opentact_id(raw, "--lease-id")
            else:
                raise LeaseError("--lease-id without a number is given twice")
        return cls(default, by_number)

    def lease_for(self, from_: str | None) -> str | None:
        if from_ is not None and from_ in self.by_number:
            return self.by_number[from_]
        return self.default


@dataclass
class Request:
    """One bulk-call request: a document, a lease, and the recipients it calls."""

    xml: str
    lease: str | None
    phones: list[int] = field(default_factory=list)
    rows: list[int] = field(default_factory=list)

    def body(self, profile: str | None) -> dict[str, object]:
        """The JSON body, keys in the order of Opentact's example; absent ids left out."""
        out: dict[str, object] = {}
        if profile is not None:
            out["outbound_voice_profile"] = profile
        out["phones"] = self.phones
        out["xml"] = self.xml
        if self.lease is not None:
            out["tn_lease"] = self.lease
        return out


@dataclass
class Plan:
    """The requests of a dry run, and what the bulk call cannot carry."""

    requests: list[Request] = field(default_factory=list)
    unleased: list[str] = field(default_factory=list)
    """``from`` numbers with no lease of their own (their calls go out on the default)."""
    retried: int = 0
    """Rows with fallbacks or retries (not part of a bulk call)."""

    def lines(self, profile: str | None) -> str:
        """JSON lines: one request body per line, exactly as it would be sent."""
        return "".join(
            json.dumps(r.body(profile), ensure_ascii=False) + "\n" for r in self.requests
        )


def plan(prepared: Iterable[Prepared], leases: Leases) -> Plan:
    """Group the recipients whose document has no error into requests, in row order (a
    request comes where its first recipient is)."""
    out = Plan()
    by_key: dict[tuple[str, str | None], Request] = {}
    unleased: dict[str, None] = {}
    for item in prepared:
        if item.model is None or item.checked is None:
            continue
        recipient = item.recipient
        lease = leases.lease_for(recipient.from_)
        if recipient.from_ is not None and recipient.from_ not in leases.by_number:
            unleased[recipient.from_] = None
        if recipient.fallbacks or recipient.max_retries:
            out.retried += 1
        key = (item.checked.text, lease)
        request = by_key.get(key)
        if request is None:
            request = by_key[key] = Request(item.checked.text, lease)
            out.requests.append(request)
        request.phones.append(int(recipient.to[1:]))
        request.rows.append(recipient.row)
    out.unleased = list(unleased)
    return out
