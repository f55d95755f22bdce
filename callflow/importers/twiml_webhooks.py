"""What a backend receives: the parameters Twilio sent to each TwiML URL, and what Opentact
sends to the URL it became (``callflow import twiml --webhook-map``).

The Opentact side follows ``docs/http-requests.md``; ``tests/test_import_twiml_webhooks.py``
checks these names against the requests the simulator builds, so the two cannot drift apart.
"""

from __future__ import annotations

from typing import Any

from callflow.importers.report import Webhook
from callflow.importers.twiml_context import Context

TWILIO_CALL = ("CallSid", "AccountSid", "From", "To", "CallStatus", "Direction", "ApiVersion",
               "CallerName", "ForwardedFrom", "FromCity", "FromState", "FromZip",
               "FromCountry", "ToCity", "ToState", "ToZip", "ToCountry")  # fmt: skip
"""Form fields Twilio sends with every request about a call."""
TWILIO_EXTRA: dict[str, tuple[str, ...]] = {
    "Gather": ("Digits", "FinishedOnKey", "SpeechResult", "Confidence"),
    "Record": ("RecordingUrl", "RecordingDuration", "RecordingSid", "Digits"),
    "Dial": ("DialCallStatus", "DialCallSid", "DialCallDuration", "DialBridged", "RecordingUrl"),
    "Redirect": (),
}
"""What Twilio adds for the request of each verb's action (or a Redirect)."""

OPENTACT_CALL = ("from", "tn", "call", "sca", "state")
"""Query parameters Opentact sends with every request (and ``tag`` when the command has one)."""
OPENTACT_GATHER = ("dtmf", "attempts", "success")
"""What a ``Gather url`` adds before the call parameters."""
OPENTACT_BODY = "JSON body {call, meta}"
"""What a POST (or ``body="true"``) adds; a Gather's body also holds dtmf, attempts, history."""


def record(
    ctx: Context,
    el: Any,
    source: str,
    url: str,
    method: str,
    *,
    gather_url: bool = False,
    added: tuple[str, ...] = (),
    note: str = "",
) -> None:
    """Add one request of the converted flow to the report's webhook map. ``added`` names the
    query parameters the conversion wrote into the URL or as Meta (``Digits``)."""
    opentact = (*OPENTACT_GATHER, *OPENTACT_CALL) if gather_url else OPENTACT_CALL
    opentact = (*added, *opentact)
    if method == "POST":
        opentact = (*opentact, OPENTACT_BODY)
    twilio = (*TWILIO_EXTRA[source], *TWILIO_CALL)
    ctx.report.webhooks.append(
        Webhook(ctx.line(el), f"<{source}>", url, method, twilio, opentact, note)
    )
