"""What a backend receives: the parameters Twilio sent to each TwiML URL, and what Opentact
sends to the URL it became (``callflow import twiml --webhook-map``).

The Opentact side is ``callflow.requests_contract``, the names the simulator's requests are
built from, so the map lists what a backend will receive.
"""

from __future__ import annotations

from typing import Any

from callflow import requests_contract as contract
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

OPENTACT_BODY = f"JSON body {{{', '.join(contract.BODY_KEYS)}}}"
"""What a POST (or ``body="true"``) adds, as the map shows it."""


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
    call = contract.CALL_PARAMS  # a converted command has no tag
    opentact = (*contract.GATHER_PARAMS, *call) if gather_url else call
    opentact = (*added, *opentact)
    if method == "POST":
        opentact = (*opentact, OPENTACT_BODY)
    twilio = (*TWILIO_EXTRA[source], *TWILIO_CALL)
    ctx.report.webhooks.append(
        Webhook(ctx.line(el), f"<{source}>", url, method, twilio, opentact, note)
    )
