"""TwiML ``<Gather>``, ``<Record>``, ``<Redirect>``, ``<Hangup>`` and ``<Reject>``: the verbs
that collect input or end the document. ``<Dial>`` has a module of its own."""

from __future__ import annotations

from typing import Any

from callflow import model as m
from callflow.importers import twiml_values as v
from callflow.importers import twiml_vocab as vocab
from callflow.importers.twiml_context import (
    CHANGED,
    EXACT,
    NOT_CONVERTIBLE,
    Context,
    Out,
    comment,
    is_comment,
)
from callflow.importers.twiml_prompts import PROMPTS
from callflow.importers.twiml_read import tag_name

LONG_INPUT = 32
"""``dtmf_length`` for a Gather without ``numDigits``: TwiML then collects until finishOnKey
or the timeout, Opentact needs a count; 32 keys is more than any real input."""
GATHER_TIMEOUT_S = 5
RECORD_KEYS = "1234567890*#"
"""TwiML's default finishOnKey of <Record>: any key ends the recording."""
RECORD_MAX_S = 3600
RECORD_SILENCE_S = 5
BEEP = m.Tone(hz="1000", don=250)
"""Twilio's beep before a recording: a 1000 Hz tone of 250 ms."""

REQUEST = (
    "Opentact sends its own call data (dtmf, from, tn, call...) as query parameters (and a"
    " JSON body with POST), not Twilio's form fields (CallSid, From, To, Digits...): the app"
    " that answers must read those"
)
"""What differs in every request an imported document makes."""


def callback(url: str, method: str) -> m.Callback:
    """A Callback for a TwiML action or Redirect: POST sends the call data in the body, and a
    failed request speaks the reason and ends the call, as Twilio's application error does."""
    return m.Callback(url=url, method=method, body=method == "POST", children=(m.Error(play=True),))


def action(ctx: Context, el: Any, then: str) -> str | None:
    """The ``action`` URL of ``el`` (absolute), reported; None when it has none."""
    raw = el.get("action")
    if raw is None:
        return None
    if not raw.strip():
        ctx.attr(el, "action", EXACT, "", "empty: as if not written")
        return None
    url, problem = ctx.url(el, raw)
    if problem:
        ctx.attr(el, "action", NOT_CONVERTIBLE, f'url="{url}"', problem)
    else:
        ctx.attr(el, "action", CHANGED, f'url="{url}"', f"{then}; {REQUEST}")
    return url


def method(ctx: Context, el: Any, used: bool) -> str:
    """The HTTP ``method`` of ``el``'s action (TwiML's default is POST), reported."""
    raw = el.get("method")
    if raw is None:
        return "POST"
    found = v.method(raw)
    if found is None:
        ctx.bad_value(el, "method", "GET or POST", 'method="POST"')
        return "POST"
    if used:
        ctx.attr(el, "method", EXACT, f'method="{found}"')
    else:
        ctx.attr(el, "method", EXACT, "", "no effect without an action, as in TwiML")
    return found


def _own_url(ctx: Context, el: Any, when: str, otherwise: str) -> str | None:
    """TwiML's default action, the document's own URL: ``--base-url`` when given."""
    if ctx.base_url is not None:
        ctx.implicit(
            el,
            "action",
            CHANGED,
            f'url="{ctx.base_url}"',
            f"{when} TwiML requests this document's own URL (--base-url); {REQUEST}",
        )
        return ctx.base_url
    ctx.implicit(
        el,
        "action",
        CHANGED,
        "",
        f"{when} TwiML requests this document's own URL"
        f" again; without --base-url that address is unknown, so {otherwise}",
    )
    return None


def _no_children(ctx: Context, el: Any) -> list[m.Node]:
    out: list[m.Node] = []
    for child in el:
        if is_comment(child):
            out.append(comment(child))
        elif isinstance(child.tag, str):
            out.extend(ctx.not_convertible(child, f"TwiML allows nothing inside <{tag_name(el)}>"))
    return out


# ---- Gather -----------------------------------------------------------------------------


def gather(ctx: Context, el: Any) -> Out:
    children: list[m.Node] = []
    for child in el:
        if is_comment(child):
            children.append(comment(child))
        elif isinstance(child.tag, str):
            convert = PROMPTS.get(tag_name(child))
            if convert is not None:
                children.extend(convert(ctx, child)[0])
            else:
                reason = "TwiML allows only <Say>, <Play> and <Pause> inside <Gather>"
                children.extend(ctx.not_convertible(child, reason))
    speech = "speech" in (el.get("input") or "").lower().split()
    has_action = bool((el.get("action") or "").strip())
    found: dict[str, Any] = {
        "dtmf_length": LONG_INPUT,
        "dtmf_stop": "#",
        "timeout": GATHER_TIMEOUT_S * 1000,
        "url": action(ctx, el, "digits go to url: its answer is the next document"),
    }
    found["method"] = method(ctx, el, has_action or ctx.base_url is not None)

    def on_input(raw: str) -> None:
        words = set(raw.lower().split())
        if words == {"dtmf"}:
            ctx.attr(el, "input", EXACT, "", "Opentact Gather collects DTMF keys")
        elif words == {"dtmf", "speech"}:
            ctx.attr(
                el, "input", CHANGED, "", "only DTMF keys are collected; speech is not recognised"
            )
        elif words == {"speech"}:
            ctx.attr(
                el,
                "input",
                NOT_CONVERTIBLE,
                "",
                "Opentact Gather collects DTMF keys"
                " only: this one waits for keys instead of speech",
            )
        else:
            ctx.bad_value(el, "input", "dtmf, speech or both", "")

    def on_num_digits(raw: str) -> None:
        count = v.whole(raw, 1)
        if count is None:
            ctx.bad_value(
                el, "numDigits", "a whole number of at least 1", f'dtmf_length="{LONG_INPUT}"'
            )
        else:
            found["dtmf_length"] = count
            ctx.attr(el, "numDigits", EXACT, f'dtmf_length="{count}"')

    def on_finish(raw: str) -> None:
        if raw == "":
            ctx.attr(
                el,
                "finishOnKey",
                CHANGED,
                'dtmf_stop="#"',
                "TwiML then collects # as a"
                " digit; Opentact always has a stop key, so # ends the input",
            )
            return
        key = v.dtmf_keys(raw, single=True)
        if key is None:
            ctx.bad_value(el, "finishOnKey", "one key 0-9, * or #", 'dtmf_stop="#"')
        else:
            found["dtmf_stop"] = key
            ctx.attr(el, "finishOnKey", EXACT, f'dtmf_stop="{key}"')

    def on_timeout(raw: str) -> None:
        ms = v.seconds_ms(raw)
        if ms is None:
            ctx.bad_value(el, "timeout", "a number of seconds", f'timeout="{found["timeout"]}"')
        else:
            found["timeout"] = ms
            ctx.attr(
                el,
                "timeout",
                CHANGED,
                f'timeout="{ms}"',
                f"{raw.strip()} s -> {ms} ms; {_TIMEOUT_NOTE}",
            )

    def speech_only(name: str) -> Any:
        def handle(raw: str) -> None:
            if speech:
                ctx.unsupported(el, name, raw)
            else:
                ctx.attr(el, name, EXACT, "", "no effect without speech input, as in TwiML")

        return handle

    handlers = {name: speech_only(name) for name in vocab.SPEECH_ONLY}
    handlers |= {
        "input": on_input,
        "numDigits": on_num_digits,
        "finishOnKey": on_finish,
        "timeout": on_timeout,
        "action": _noop,
        "method": _noop,
    }
    ctx.rest(el, handlers)
    if el.get("numDigits") is None:
        ctx.implicit(
            el,
            "numDigits",
            CHANGED,
            f'dtmf_length="{LONG_INPUT}"',
            "TwiML collects keys until finishOnKey or the timeout; Opentact needs a count",
        )
    if el.get("timeout") is None:
        ctx.implicit(
            el,
            "timeout",
            CHANGED,
            f'timeout="{found["timeout"]}"',
            f"TwiML's default of {GATHER_TIMEOUT_S} s (Opentact's is 10 s); {_TIMEOUT_NOTE}",
        )
    if not has_action:
        found["url"] = _own_url(
            ctx, el, "with input,", "the input is not used and the flow goes on with the next verb"
        )
    ctx.elem(
        el,
        EXACT,
        "<Gather> with an empty <Error/>",
        "no input: TwiML goes on with the"
        " next verb; Opentact fails the Gather and runs its Error, so the empty <Error/>"
        " added here goes on the same way (it also catches a failed url request, where"
        " Twilio would end the call)",
    )
    if found["url"] is None:
        del found["method"]  # no request to make
    node = m.Gather(children=(*children, m.Error()), **found)
    return [node], None


_TIMEOUT_NOTE = (
    "TwiML waits this long for the first key and again after each key, Opentact this long for"
    " the whole input of one attempt"
)


def _noop(_: str) -> None:
    """Attributes reported before the others (they decide what the others mean)."""


# ---- Record -----------------------------------------------------------------------------


def record(ctx: Context, el: Any) -> Out:
    found: dict[str, Any] = {"timeout": RECORD_MAX_S * 1000, "dtmf_stop": RECORD_KEYS}
    beep = True
    url = action(ctx, el, "after the recording, the Callback to url runs its answer")
    verb = method(ctx, el, url is not None or ctx.base_url is not None)

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
            "action": _noop,
            "method": _noop,
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
    if not (el.get("action") or "").strip():
        url = _own_url(ctx, el, "after the recording,", "the flow goes on with the next verb")
    ctx.elem(el, EXACT, "<Record>")
    nodes: list[m.Node] = [BEEP] if beep else []
    nodes.append(m.Record(children=tuple(_no_children(ctx, el)), **found))
    if url is None:
        return nodes, None
    nodes.append(callback(url, verb))
    return nodes, f"after the <Record> on line {ctx.line(el)}, which requests its action"


_BEEP_NOTE = "Twilio's beep becomes a 1000 Hz Tone of 250 ms before the Record"
_SILENCE_NOTE = (
    "Opentact has no silence detection: it records until a key, the time limit or hang-up"
)


# ---- Redirect, Hangup, Reject -----------------------------------------------------------


def redirect(ctx: Context, el: Any) -> Out:
    raw = (el.text or "").strip()
    if not raw:
        return ctx.not_convertible(el, "a <Redirect> without a URL (Twilio rejects it)"), None
    verb = method(ctx, el, True)
    ctx.rest(el, {"method": _noop})
    url, problem = ctx.url(el, raw)
    node = callback(url, verb)
    result = f'<Callback url="{url}">'
    if problem:
        ctx.elem(el, NOT_CONVERTIBLE, result, problem)
    else:
        ctx.elem(el, CHANGED, result, f"the answer replaces this document, as in TwiML; {REQUEST}")
    return [node, *_no_children(ctx, el)], f"after the <Redirect> on line {ctx.line(el)}"


def _parameters(ctx: Context, el: Any) -> list[m.Node]:
    """``<Parameter name= value=>`` children of a Hangup or Reject, as Opentact ``<Meta>``."""
    out: list[m.Node] = []
    for child in el:
        if is_comment(child):
            out.append(comment(child))
        elif not isinstance(child.tag, str):
            continue
        elif tag_name(child) != "Parameter":
            reason = f"TwiML allows only <Parameter> inside <{tag_name(el)}>"
            out.extend(ctx.not_convertible(child, reason))
        elif not (child.get("name") or "").strip() or len((child.get("name") or "").split()) > 1:
            out.extend(ctx.not_convertible(child, "a Parameter needs a name without spaces"))
        else:
            name, value = child.get("name").strip(), child.get("value") or ""
            out.append(m.Meta(name=name, value=value))
            ctx.skip(
                child,
                CHANGED,
                "sent with Opentact's event for this command, not in Twilio's status callback",
                f'<Meta name="{name}">',
            )
    return out


def hangup(ctx: Context, el: Any) -> Out:
    ctx.rest(el, {})
    ctx.elem(el, EXACT, "<Hangup>")
    node = m.Hangup(children=tuple(_parameters(ctx, el)))
    return [node], f"after the <Hangup> on line {ctx.line(el)}"


def reject(ctx: Context, el: Any) -> Out:
    reason = "rejected"

    def on_reason(raw: str) -> None:
        nonlocal reason
        if raw.strip() in {"rejected", "busy"}:
            reason = raw.strip()
            ctx.attr(
                el,
                "reason",
                CHANGED,
                f'tag="reject:{reason}"',
                "kept only as the Hangup's tag: the caller hears no busy or not-in-service signal",
            )
        else:
            ctx.bad_value(el, "reason", "rejected or busy", 'tag="reject:rejected"')

    ctx.rest(el, {"reason": on_reason})
    ctx.elem(
        el,
        CHANGED,
        f'<Hangup tag="reject:{reason}">',
        "Twilio declines the call without"
        " answering it (no charge; the caller hears busy or not in service); Opentact hangs"
        " up, and the call may already be answered",
    )
    node = m.Hangup(tag=f"reject:{reason}", children=tuple(_parameters(ctx, el)))
    return [node], f"after the <Reject> on line {ctx.line(el)}"
