"""TwiML ``<Redirect>``, ``<Hangup>`` and ``<Reject>``: the verbs that end the document."""

from __future__ import annotations

from typing import Any

from callflow import model as m
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
from callflow.importers.twiml_read import tag_name
from callflow.importers.twiml_requests import REQUEST, callback, method, no_children, noop


def redirect(ctx: Context, el: Any) -> Out:
    raw = (el.text or "").strip()
    if not raw:
        return ctx.not_convertible(el, "a <Redirect> without a URL (Twilio rejects it)"), None
    verb = method(ctx, el, True)
    ctx.rest(el, {"method": noop})
    url, problem = ctx.url(raw)
    node = callback(url, verb)
    webhooks.record(ctx, el, "Redirect", url, verb)
    result = f'<Callback url="{url}">'
    if problem:
        ctx.elem(el, NOT_CONVERTIBLE, result, problem)
    else:
        ctx.elem(el, CHANGED, result, f"the answer replaces this document, as in TwiML; {REQUEST}")
    return [node, *no_children(ctx, el)], f"after the <Redirect> on line {ctx.line(el)}"


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
