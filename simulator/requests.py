"""The HTTP requests Opentact sends for ``Gather url``, ``Callback`` and ``Curl``.

Query parameters (added after any the URL already has, which are kept):
- every request: ``from``, ``tn`` (the dialled number), ``call`` (call uuid), ``sca`` (SIP
  control app uuid), ``state`` (``live``), and ``tag`` when the command has one;
- ``Gather url`` first adds ``dtmf`` (the input), ``attempts`` (the attempt number) and
  ``success`` (``true``);
- ``Meta`` children last, as ``name=value`` text, except where a name above is already used.
A JSON body is sent by every ``POST`` and by a ``Callback``/``Curl`` with ``body="true"`` (whatever
its method): ``{"call": {...call data...}, "meta": {...typed Meta values...}}``, plus for Gather
``dtmf``, ``attempts`` and ``history`` (one ``{"attempt", "dtmf", "success"}`` per attempt so
far). docs/http-requests.md shows the exact requests to users writing a backend.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

from callflow import model as m
from simulator.conditions import typed_value
from simulator.context import CallContext
from simulator.http import HttpRequest

DEFAULT_TIMEOUT_MS = 10_000
"""Request timeout when the command gives none (Gather has no timeout for its request)."""
CALL_STATE = "live"


def with_query(url: str, params: Sequence[tuple[str, str]]) -> str:
    """``url`` with ``params`` appended to its query (existing parameters kept, fragment too)."""
    if not params:
        return url
    parts = urlsplit(url)
    added = urlencode(params)
    query = f"{parts.query}&{added}" if parts.query else added
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))


def call_params(ctx: CallContext, tag: str | None) -> list[tuple[str, str]]:
    params = [("from", ctx.from_), ("tn", ctx.to), ("call", ctx.call_uuid),
              ("sca", ctx.app_uuid), ("state", CALL_STATE)]  # fmt: skip
    if tag is not None:
        params.append(("tag", tag))
    return params


def call_data(ctx: CallContext) -> dict[str, Any]:
    """The call object of a JSON body: the call's fields, then any extra ones the scenario set."""
    data: dict[str, Any] = {
        "uuid": ctx.call_uuid, "from": ctx.from_, "to": ctx.to, "direction": ctx.direction,
        "state": CALL_STATE, "sip_control_app": {"uuid": ctx.app_uuid},
    }  # fmt: skip
    for name, value in ctx.extra.items():
        data.setdefault(name, value)
    return data


def meta_values(node: m.Node) -> dict[str, Any]:
    """The command's ``Meta`` children as typed values (later names win)."""
    return {c.name: typed_value(c.data) for c in node.children if isinstance(c, m.Meta)}


def _meta_params(node: m.Node, taken: set[str]) -> list[tuple[str, str]]:
    return [(c.name, c.data) for c in node.children
            if isinstance(c, m.Meta) and c.name not in taken]  # fmt: skip


def _body(ctx: CallContext, node: m.Node) -> dict[str, Any]:
    return {"call": call_data(ctx), "meta": meta_values(node)}


def gather_request(
    node: m.Gather, ctx: CallContext, digits: str, attempt: int, history: list[dict[str, Any]]
) -> HttpRequest:
    """The request a Gather with ``url`` sends once it has input."""
    params = [("dtmf", digits), ("attempts", str(attempt)), ("success", "true"),
              *call_params(ctx, node.tag)]  # fmt: skip
    params += _meta_params(node, {k for k, _ in params})
    body = None
    if node.method == "POST":
        body = {**_body(ctx, node), "dtmf": digits, "attempts": attempt, "history": history}
    url = with_query(node.url or "", params)
    return HttpRequest(node.method, url, body, DEFAULT_TIMEOUT_MS, "Gather")


def fetch_request(node: m.Callback | m.Curl, ctx: CallContext) -> HttpRequest:
    """The request of a Callback or Curl."""
    params = call_params(ctx, node.tag)
    params += _meta_params(node, {k for k, _ in params})
    body = _body(ctx, node) if node.body or node.method == "POST" else None
    timeout = node.timeout if node.timeout is not None else DEFAULT_TIMEOUT_MS
    url = with_query(node.url or "", params)
    return HttpRequest(node.method, url, body, timeout, node.TAG)
