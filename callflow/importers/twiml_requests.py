"""The HTTP side of TwiML verbs: ``action`` and ``method`` attributes, TwiML's default of
requesting the document's own URL, and the ``<Callback>`` that an action or a ``<Redirect>``
becomes."""

from __future__ import annotations

from typing import Any

from callflow import model as m
from callflow.importers import twiml_values as v
from callflow.importers.twiml_context import (
    CHANGED,
    EXACT,
    NOT_CONVERTIBLE,
    Context,
    comment,
    is_comment,
)
from callflow.importers.twiml_read import tag_name

REQUEST = (
    "Opentact sends its own call data (dtmf, from, tn, call...) as query parameters (and a"
    " JSON body with POST), not Twilio's form fields (CallSid, From, To, Digits...): the app"
    " that answers must read those"
)
"""What differs in every request an imported document makes."""


APPLICATION_ERROR = m.Error(play=True, children=(m.Hangup(),))
"""Twilio's answer to a failed request: it speaks an application error and hangs up."""


def callback(url: str, method: str, *data: m.Meta) -> m.Callback:
    """A Callback for a TwiML action or Redirect: POST sends the call data in the body, and a
    failed request speaks the reason and ends the call, as Twilio's application error does
    (wherever the Callback is: inside a Gather branch, the call would otherwise go on)."""
    return m.Callback(
        url=url, method=method, body=method == "POST", children=(*data, APPLICATION_ERROR)
    )


def action(ctx: Context, el: Any, then: str) -> str | None:
    """The ``action`` URL of ``el`` (absolute), reported; None when it has none."""
    raw = el.get("action")
    if raw is None:
        return None
    if not raw.strip():
        ctx.attr(el, "action", EXACT, "", "empty: as if not written")
        return None
    url, problem = ctx.url(raw)
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


def own_url(ctx: Context, el: Any, when: str) -> str:
    """TwiML's default action, the document's own URL: ``--base-url`` when given. Without it
    the address is unknown, as for any relative URL: not convertible, written under the
    placeholder base (so the flow still requests *something* and fails as Twilio would not,
    rather than run verbs that never ran on Twilio)."""
    if ctx.base_url is not None:
        ctx.implicit(
            el,
            "action",
            CHANGED,
            f'url="{ctx.base_url}"',
            f"{when} TwiML requests this document's own URL (--base-url); {REQUEST}",
        )
        return ctx.base_url
    url = v.PLACEHOLDER_BASE
    ctx.implicit(
        el,
        "action",
        NOT_CONVERTIBLE,
        f'url="{url}"',
        f"{when} TwiML requests this document's own URL again, an address known only"
        f" with --base-url: written as {url}",
    )
    return url


def no_children(ctx: Context, el: Any) -> list[m.Node]:
    """Comments inside a verb that holds nothing else; any element there is not convertible."""
    out: list[m.Node] = []
    for child in el:
        if is_comment(child):
            out.append(comment(child))
        elif isinstance(child.tag, str):
            out.extend(ctx.not_convertible(child, f"TwiML allows nothing inside <{tag_name(el)}>"))
    return out


def noop(_: str) -> None:
    """The handler of attributes reported before the others (they decide what the others
    mean)."""
