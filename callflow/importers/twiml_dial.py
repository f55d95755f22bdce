"""TwiML ``<Dial>`` and its nouns: ``<Number>``, ``<Sip>`` and ``<Client>`` become ``<To>``."""

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


def _number(ctx: Context, el: Any) -> list[m.Node]:
    raw = (el.text or "").strip()
    number = v.phone(raw)
    if number is None:
        return ctx.not_convertible(el, f"{raw!r} is not a phone number")
    ctx.rest(el, {})
    note = "" if number == raw else "written without spaces and punctuation"
    ctx.elem(el, EXACT, f"<To>{number}</To>", note)
    return [m.To(content=number), *_inner(ctx, el)]


def _sip(ctx: Context, el: Any) -> list[m.Node]:
    raw = (el.text or "").strip()
    target = v.destination(raw)
    if target is None:
        return ctx.not_convertible(el, f"{raw!r} is not a SIP address Opentact can dial")
    ctx.rest(el, {})
    ctx.elem(el, EXACT, f"<To>{target}</To>")
    return [m.To(content=target), *_inner(ctx, el)]


def _client(ctx: Context, el: Any) -> list[m.Node]:
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


def _destinations(ctx: Context, el: Any) -> list[m.Node]:
    out: list[m.Node] = []
    text = (el.text or "").strip()
    if text:
        number = v.phone(text)
        if number is None:
            ctx.text(el, text, NOT_CONVERTIBLE, "", "not a phone number")
        else:
            out.append(m.To(content=number))
            note = "" if number == text else "written without spaces and punctuation"
            ctx.text(el, text, EXACT, f"<To>{number}</To>", note)
    for child in el:
        if is_comment(child):
            out.append(comment(child))
        elif isinstance(child.tag, str):
            name = tag_name(child)
            if name in _NOUNS:
                out.extend(_NOUNS[name](ctx, child))
            elif name in vocab.NOT_CONVERTIBLE:
                out.extend(ctx.not_convertible(child, vocab.NOT_CONVERTIBLE[name]))
            else:
                nouns = ", ".join(vocab.CONVERTIBLE["Dial"].children)
                out.extend(ctx.not_convertible(child, f"TwiML allows only {nouns} in <Dial>"))
    return out


def dial(ctx: Context, el: Any) -> Out:
    targets = _destinations(ctx, el)
    if not any(isinstance(t, m.To) for t in targets):
        reason = "no destination Opentact can dial"
        ctx.elem(el, NOT_CONVERTIBLE, "", reason)
        for name, _ in attributes(el):
            ctx.attr(el, name, NOT_CONVERTIBLE, "", "left out with the Dial", ctx.label(el))
        return [ctx.placeholder(el, reason), *targets], None
    found: dict[str, Any] = {}
    url = action(
        ctx,
        el,
        "when the Dial ends, a Callback to url runs its answer (Twilio's"
        " DialCallStatus and DialCallDuration are not sent)",
    )
    verb = method(ctx, el, url is not None)

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
    ctx.elem(
        el,
        EXACT,
        "<Dial> with an empty <Error/>",
        "when nobody answers, TwiML goes on"
        " (or requests the action); Opentact fails the Dial and runs its Error, so the"
        " empty <Error/> added here goes on the same way",
    )
    nodes: list[m.Node] = [m.Dial(children=(*targets, m.Error()), **found)]
    if url is None:
        return nodes, None
    nodes.append(callback(url, verb))
    return nodes, f"after the <Dial> on line {ctx.line(el)}, which requests its action"
