"""TwiML ``<Gather>``: DTMF input with Say/Play/Pause prompts."""

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
from callflow.importers.twiml_requests import action, method, noop, own_url

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
    if el.get("timeout") is None:
        ctx.implicit(
            el,
            "timeout",
            CHANGED,
            f'timeout="{found["timeout"]}"',
            f"TwiML's default of {GATHER_TIMEOUT_S} s (Opentact's is {_OPENTACT_TIMEOUT} ms);"
            f" {_TIMEOUT_NOTE}",
        )
    if not has_action:
        found["url"] = own_url(
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


_OPENTACT_TIMEOUT: int = m.Gather.attr_specs()["timeout"].default
_TIMEOUT_NOTE = (
    "TwiML waits this long for the first key and again after each key, Opentact this long for"
    " the whole input of one attempt"
)
