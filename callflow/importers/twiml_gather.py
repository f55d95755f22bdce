"""TwiML ``<Gather>``: DTMF input with Say/Play/Pause prompts."""

from __future__ import annotations

from typing import Any

from callflow import model as m
from callflow.importers import twiml_values as v
from callflow.importers import twiml_vocab as vocab
from callflow.importers import twiml_webhooks as webhooks
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
from callflow.importers.twiml_requests import action, callback, method, noop, own_url

LONG_INPUT = 32
"""``dtmf_length`` for a Gather without ``numDigits``: TwiML then collects until finishOnKey
or the timeout, Opentact needs a count; 32 keys is more than any real input."""
GATHER_TIMEOUT_S = 5


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
    found: dict[str, Any] = {
        "dtmf_length": LONG_INPUT,
        "dtmf_stop": "#",
        "timeout": GATHER_TIMEOUT_S * 1000,
    }
    one_key = v.whole(el.get("numDigits") or "", 1) == 1
    then = (
        "each key requests url with Digits=KEY in the query (a DTMF block per key); the"
        " answer is the next document"
        if one_key
        else "with input, url is requested with dtmf, attempts and success; the answer is"
        " the next document"
    )
    url = action(ctx, el, then)
    verb = method(ctx, el, True)
    per_key: dict[str, str] = {}

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
            ctx.bad_value(el, "timeout", "a number of seconds", "TwiML's 5 s per key")
            per_key["bad"] = raw
        else:
            found["timeout"] = ms
            per_key["raw"] = raw.strip()

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
        "action": noop,
        "method": noop,
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
    _timeout(ctx, el, found, per_key.get("raw"), reported="bad" in per_key)
    if url is None:  # no action (or an empty one): the document's own URL
        url = own_url(ctx, el, "with input,")
    if found["dtmf_length"] == 1:
        return [_one_key(ctx, el, children, found, url, verb)], None
    webhooks.record(ctx, el, "Gather", url, verb, gather_url=True)
    ctx.elem(
        el,
        CHANGED,
        "<Gather> with url and an empty <Error/>",
        "no input: TwiML goes on with the next verb, and so does the empty <Error/> added"
        " here; but a failed request to url also runs that Error, so the call goes on with"
        " the next verb, where on Twilio a failed action ends the call with an application"
        ' error (Opentact\'s Gather Error cannot tell the two apart; a numDigits="1" Gather'
        " converts exactly)",
    )
    node = m.Gather(children=(*children, m.Error()), url=url, method=verb, **found)
    return [node], None


def _one_key(
    ctx: Context, el: Any, prompts: list[m.Node], found: dict[str, Any], url: str, verb: str
) -> m.Gather:
    """A one-key Gather with an action: a DTMF block per key, each a Callback to the action
    with ``Digits=KEY``. No input fails the Gather (its empty Error goes on, as TwiML does);
    a failed request fails the Callback, whose Error ends the call, as Twilio's application
    error does. A Gather url could not tell the two apart."""
    keys = [k for k in v.DTMF_HZ if k != found["dtmf_stop"]]
    branches = [
        m.DTMF(value=k, children=(callback(v.with_query(url, [("Digits", k)]), verb),))
        for k in keys
    ]
    webhooks.record(
        ctx,
        el,
        "Gather",
        url,
        verb,
        added=("Digits",),
        note="Digits is added to the URL's query by the conversion (one DTMF block per key)",
    )
    ctx.elem(
        el,
        EXACT,
        f"<Gather> with {len(keys)} <DTMF> blocks and an empty <Error/>",
        "each key runs a Callback to the action with Digits=KEY: no input goes on with the"
        " next verb and a failed request ends the call, as on Twilio",
    )
    return m.Gather(children=(*prompts, *branches, m.Error()), **found)


def _timeout(
    ctx: Context, el: Any, found: dict[str, Any], raw: str | None, *, reported: bool
) -> None:
    """TwiML's timeout is per key, Opentact's for the whole input of an attempt: scaled by
    numDigits, so a 16-digit card number gets 16 times the wait, and reported (unless a bad
    value was reported already)."""
    per_key = found["timeout"]
    length = found["dtmf_length"]
    scaled = per_key if length == LONG_INPUT else per_key * length
    found["timeout"] = scaled
    if reported:
        return
    said = f"{raw} s" if raw is not None else f"TwiML's default of {GATHER_TIMEOUT_S} s"
    if length == 1:
        note = f"{said} -> {scaled} ms"
        if raw is None:
            ctx.implicit(el, "timeout", EXACT, f'timeout="{scaled}"', note)
        else:
            ctx.attr(el, "timeout", EXACT, f'timeout="{scaled}"', note)
        return
    if length == LONG_INPUT:
        note = (
            f"{said} per key -> {scaled} ms for the whole input: without numDigits the"
            " longest input is unknown, so a caller who types slowly is cut off; give"
            " numDigits to scale it"
        )
    else:
        note = (
            f"{said} per key, {length} keys -> {scaled} ms for the whole input (TwiML waits"
            " this long for each key, Opentact for the whole input; a caller who presses"
            f" nothing now waits {scaled} ms, not {per_key} ms)"
        )
    if raw is None:
        ctx.implicit(el, "timeout", CHANGED, f'timeout="{scaled}"', note)
    else:
        ctx.attr(el, "timeout", CHANGED, f'timeout="{scaled}"', note)
