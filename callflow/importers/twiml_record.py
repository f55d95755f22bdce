"""TwiML ``<Record>``: a beep, the recording, and the request of its action."""

from __future__ import annotations

from typing import Any

from callflow import model as m
from callflow.importers import twiml_values as v
from callflow.importers import twiml_webhooks as webhooks
from callflow.importers.twiml_context import (
    CHANGED,
    EXACT,
    Context,
    Out,
)
from callflow.importers.twiml_requests import action, callback, method, no_children, noop, own_url

RECORD_KEYS = "1234567890*#"
"""TwiML's default finishOnKey of <Record>: any key ends the recording."""
RECORD_MAX_S = 3600
RECORD_SILENCE_S = 5
BEEP = m.Tone(hz="1000", don=250)
"""Twilio's beep before a recording: a 1000 Hz tone of 250 ms."""


def record(ctx: Context, el: Any) -> Out:
    found: dict[str, Any] = {"timeout": RECORD_MAX_S * 1000, "dtmf_stop": RECORD_KEYS}
    beep = True
    tag = f"recording-line{ctx.line(el)}"
    url = action(ctx, el, _action_note(tag))
    verb = method(ctx, el, True)

    def on_beep(raw: str) -> None:
        nonlocal beep
        value = v.boolean(raw)
        if value is None:
            ctx.bad_value(el, "playBeep", "true or false", "a beep")
        elif value:
            ctx.attr(el, "playBeep", CHANGED, '<Tone hz="1000" don="250"/>', _BEEP_NOTE)
        else:
            beep = False
            ctx.attr(el, "playBeep", EXACT, "", "no beep")

    def on_max(raw: str) -> None:
        ms = v.seconds_ms(raw)
        if ms is None or ms == 0:
            ctx.bad_value(el, "maxLength", "a positive number of seconds", 'timeout="3600000"')
        else:
            found["timeout"] = ms
            ctx.attr(el, "maxLength", EXACT, f'timeout="{ms}"', f"{raw.strip()} s -> {ms} ms")

    def on_finish(raw: str) -> None:
        if raw.strip() == "":
            found["dtmf_stop"] = None
            ctx.attr(el, "finishOnKey", EXACT, "", "no key ends the recording")
            return
        keys = v.dtmf_keys(raw, single=False)
        if keys is None:
            ctx.bad_value(el, "finishOnKey", "keys 0-9, * and #", f'dtmf_stop="{RECORD_KEYS}"')
        else:
            found["dtmf_stop"] = keys
            ctx.attr(el, "finishOnKey", EXACT, f'dtmf_stop="{keys}"')

    def on_silence(raw: str) -> None:
        seconds = v.seconds_ms(raw)
        if seconds is None:
            ctx.bad_value(el, "timeout", "a number of seconds", "")
        elif seconds == 0:
            ctx.attr(el, "timeout", EXACT, "", "no silence limit; Opentact has none either")
        else:
            ctx.attr(
                el,
                "timeout",
                CHANGED,
                "",
                f"TwiML ends the recording after {raw.strip()} s of silence; {_SILENCE_NOTE}",
            )

    def on_transcribe(raw: str) -> None:
        value = v.boolean(raw)
        if value is None:
            ctx.bad_value(el, "transcribe", "true or false", "")
        elif value:
            found["asr"] = True
            ctx.attr(
                el,
                "transcribe",
                CHANGED,
                'asr="true"',
                "transcribed by Opentact; the"
                " text comes in Opentact's events, not to a transcribeCallback",
            )
        else:
            ctx.attr(el, "transcribe", EXACT, "", "not transcribed")

    ctx.rest(
        el,
        {
            "playBeep": on_beep,
            "maxLength": on_max,
            "finishOnKey": on_finish,
            "timeout": on_silence,
            "transcribe": on_transcribe,
            "action": noop,
            "method": noop,
        },
    )
    if el.get("playBeep") is None:
        ctx.implicit(el, "playBeep", CHANGED, '<Tone hz="1000" don="250"/>', _BEEP_NOTE)
    if el.get("maxLength") is None:
        ctx.implicit(
            el,
            "maxLength",
            EXACT,
            f'timeout="{found["timeout"]}"',
            f"TwiML's default of {RECORD_MAX_S} s",
        )
    if el.get("finishOnKey") is None:
        ctx.implicit(
            el,
            "finishOnKey",
            EXACT,
            f'dtmf_stop="{RECORD_KEYS}"',
            "TwiML's default: any key ends the recording",
        )
    if el.get("timeout") is None:
        ctx.implicit(
            el,
            "timeout",
            CHANGED,
            "",
            f"TwiML ends the recording after"
            f" {RECORD_SILENCE_S} s of silence by default; {_SILENCE_NOTE}",
        )
    if url is None:  # no action (or an empty one): the document's own URL
        url = own_url(ctx, el, f"{_action_note(tag)};")
    ctx.elem(el, EXACT, f'<Record tag="{tag}">')
    nodes: list[m.Node] = [BEEP] if beep else []
    nodes.append(m.Record(children=tuple(no_children(ctx, el)), tag=tag, **found))
    webhooks.record(
        ctx,
        el,
        "Record",
        url,
        verb,
        added=("recording",),
        note=f"recording={tag} (a Meta of the Callback) names the recording of this call;"
        " no request when the caller hangs up during the recording",
    )
    nodes.append(callback(url, verb, m.Meta(name="recording", value=tag)))
    return nodes, f"after the <Record> on line {ctx.line(el)}, which requests its action"


def _action_note(tag: str) -> str:
    return (
        "after the recording, the Callback to url runs its answer. Twilio's RecordingUrl,"
        " RecordingDuration, RecordingSid and Digits are not sent: the request carries"
        f" recording={tag}, the tag of the Record, and the recording (its length, and its"
        f" transcript with asr) comes in Opentact's event for the Record tagged {tag}. When"
        " the caller hangs up during the recording, Twilio still requests the action"
        " (Digits=hangup); Opentact ends the call and makes no request, so a voicemail"
        " backend must take the message from that event"
    )


_BEEP_NOTE = "Twilio's beep becomes a 1000 Hz Tone of 250 ms before the Record"
_SILENCE_NOTE = (
    "Opentact has no silence detection: it records until a key, the time limit or hang-up"
)
