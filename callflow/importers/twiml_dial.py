"""TwiML ``<Dial>`` and its nouns: ``<Number>``, ``<Sip>`` and ``<Client>`` become ``<To>``."""

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
    attributes,
    comment,
    is_comment,
)
from callflow.importers.twiml_read import tag_name
from callflow.importers.twiml_requests import action, callback, method, noop


def _inner(ctx: Context, el: Any, allowed: tuple[str, ...] = ()) -> list[m.Node]:
    """Comments inside a noun are kept; any child not in ``allowed`` is not convertible."""
    out: list[m.Node] = []
    for child in el:
        if is_comment(child):
            out.append(comment(child))
        elif isinstance(child.tag, str) and tag_name(child) not in allowed:
            out.extend(ctx.not_convertible(child, f"not allowed inside <{tag_name(el)}>"))
    return out


def _number(ctx: Context, el: Any, region: str | None) -> list[m.Node]:
    raw = (el.text or "").strip()
    found = v.phone(raw, region)
    if found.number is None:
        return ctx.not_convertible(el, found.note)
    ctx.rest(el, {})
    ctx.elem(el, EXACT if found.exact else CHANGED, f"<To>{found.number}</To>", found.note)
    return [m.To(content=found.number), *_inner(ctx, el)]


def _sip(ctx: Context, el: Any, region: str | None) -> list[m.Node]:
    raw = (el.text or "").strip()
    target = v.destination(raw)
    if target is None:
        return ctx.not_convertible(el, f"{raw!r} is not a SIP address Opentact can dial")
    ctx.rest(el, {})
    ctx.elem(el, EXACT, f"<To>{target}</To>")
    return [m.To(content=target), *_inner(ctx, el)]


def _client(ctx: Context, el: Any, region: str | None) -> list[m.Node]:
    identity = (el.text or "").strip()
    for child in el:
        if not is_comment(child) and tag_name(child) == "Identity" and not identity:
            identity = (child.text or "").strip()
    if ctx.client_domain is None:
        return ctx.not_convertible(
            el,
            "a Twilio Client identity has no Opentact address; give"
            " --client-domain to dial it as sip:identity@domain",
        )
    target = v.destination(f"sip:{identity}@{ctx.client_domain}") if identity else None
    if target is None:
        return ctx.not_convertible(el, f"{identity!r} is not an identity Opentact can dial")
    ctx.rest(el, {})
    ctx.elem(
        el,
        CHANGED,
        f"<To>{target}</To>",
        "a Twilio Client app becomes a SIP address: the soft phone must register there",
    )
    for child in el:
        if is_comment(child) or not isinstance(child.tag, str):
            continue
        if tag_name(child) == "Identity":
            ctx.skip(child, EXACT, "the identity of the SIP address", "part of the <To>")
        elif tag_name(child) == "Parameter":
            ctx.skip(child, NOT_CONVERTIBLE, "Opentact cannot pass parameters to a soft phone")
    return [m.To(content=target), *_inner(ctx, el, ("Identity", "Parameter"))]


_NOUNS = {"Number": _number, "Sip": _sip, "Client": _client}


def _text(ctx: Context, el: Any, text: str, region: str | None) -> list[m.Node]:
    """A number written as text of the Dial (before or between its nouns)."""
    found = v.phone(text, region)
    if found.number is None:
        ctx.text(el, text, NOT_CONVERTIBLE, "", found.note)
        return []
    status = EXACT if found.exact else CHANGED
    ctx.text(el, text, status, f"<To>{found.number}</To>", found.note)
    return [m.To(content=found.number)]


def _destinations(ctx: Context, el: Any, region: str | None) -> list[m.Node]:
    out: list[m.Node] = []
    text = (el.text or "").strip()
    if text:
        out.extend(_text(ctx, el, text, region))
    for child in el:
        if is_comment(child):
            out.append(comment(child))
        elif isinstance(child.tag, str):
            name = tag_name(child)
            if name in _NOUNS:
                out.extend(_NOUNS[name](ctx, child, region))
            elif name in vocab.NOT_CONVERTIBLE:
                out.extend(ctx.not_convertible(child, vocab.NOT_CONVERTIBLE[name]))
            else:
                nouns = ", ".join(vocab.CONVERTIBLE["Dial"].children)
                out.extend(ctx.not_convertible(child, f"TwiML allows only {nouns} in <Dial>"))
        tail = (child.tail or "").strip()
        if tail:
            note = (
                "text after a noun is not a destination: a Dial holds a number as its text"
                " or nouns, and this text follows a noun; left out"
            )
            ctx.text(el, tail, NOT_CONVERTIBLE, "", note)
    return out


def dial(ctx: Context, el: Any) -> Out:
    region = ctx.region or v.region_of(el.get("callerId"))
    targets = _destinations(ctx, el, region)
    url = action(ctx, el, _ACTION_NOTE)
    verb = method(ctx, el, url is not None)
    if not any(isinstance(t, m.To) for t in targets):
        return _nothing_to_dial(ctx, el, targets, url, verb)
    found: dict[str, Any] = {}

    def on_timeout(raw: str) -> None:
        ms = v.seconds_ms(raw)
        if ms is None:
            ctx.bad_value(el, "timeout", "a number of seconds", 'timeout="30000"')
        else:
            found["timeout"] = ms
            ctx.attr(el, "timeout", EXACT, f'timeout="{ms}"', f"{raw.strip()} s -> {ms} ms")

    def on_caller_id(raw: str) -> None:
        found["caller_id"] = raw
        ctx.attr(el, "callerId", EXACT, f'callerId="{raw}"')

    ctx.rest(el, {"timeout": on_timeout, "callerId": on_caller_id, "action": noop, "method": noop})
    if url is None:
        ctx.elem(
            el,
            EXACT,
            "<Dial> with an empty <Error/>",
            "when nobody answers, TwiML goes on; Opentact fails the Dial and runs its Error, so"
            " the empty <Error/> added here goes on the same way",
        )
        return [m.Dial(children=(*targets, m.Error()), **found)], None
    ctx.elem(
        el,
        EXACT,
        "<Dial> with a Callback in its <Error>, and a Callback after it",
        "not answered: the Dial's Error requests the action with DialCallStatus=no-answer;"
        " answered: the Callback after the Dial requests it with DialCallStatus=completed"
        " when the callee hangs up",
    )
    failed = m.Error(children=(_status_callback(ctx, el, url, verb, "no-answer"),))
    nodes: list[m.Node] = [
        m.Dial(children=(*targets, failed), **found),
        _status_callback(ctx, el, url, verb, "completed"),
    ]
    return nodes, f"after the <Dial> on line {ctx.line(el)}, which requests its action"


def _status_callback(ctx: Context, el: Any, url: str, verb: str, status: str) -> m.Callback:
    """The request of a Dial's action, carrying the outcome as Twilio's DialCallStatus."""
    webhooks.record(
        ctx,
        el,
        "Dial",
        v.with_query(url, [("DialCallStatus", status)]),
        verb,
        added=("DialCallStatus",),
        note=_STATUS_NOTE,
    )
    return callback(v.with_query(url, [("DialCallStatus", status)]), verb)


def _nothing_to_dial(
    ctx: Context, el: Any, targets: list[m.Node], url: str | None, verb: str
) -> Out:
    """A Dial with nothing Opentact can dial (a Conference, a Queue): not convertible. Its
    action is still requested (DialCallStatus=failed), and as on Twilio the verbs after a
    Dial with an action never run."""
    reason = "no destination Opentact can dial"
    ctx.elem(el, NOT_CONVERTIBLE, "", reason)
    for name, _ in attributes(el):
        if name not in ("action", "method"):
            ctx.attr(el, name, NOT_CONVERTIBLE, "", "left out with the Dial", ctx.label(el))
    nodes: list[m.Node] = [ctx.placeholder(el, reason), *targets]
    if url is None:
        return nodes, None
    nodes.append(_status_callback(ctx, el, url, verb, "failed"))
    return nodes, f"after the <Dial> on line {ctx.line(el)}, which requests its action"


_STATUS_NOTE = (
    "DialCallStatus is added by the conversion: completed after a bridged call, no-answer"
    " for every call not answered (busy, no answer and failed alike: Opentact's Error does"
    " not say which), failed when the Dial could not be converted"
)
_ACTION_NOTE = (
    "the Dial's outcome requests url (a Callback in the Dial's Error when nobody answers, one"
    " after the Dial when the bridged call ends) with DialCallStatus=completed or no-answer"
    " in the query; Twilio's DialCallSid, DialCallDuration and DialBridged are not sent,"
    " busy and failed calls also arrive as no-answer, and when the caller hangs up Twilio"
    " still requests the action, Opentact makes no request"
)
