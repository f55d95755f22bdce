"""The HTTP requests Opentact sends for ``Gather url``, ``Callback`` and ``Curl``.

Their parameters and body keys are ``callflow.requests_contract``'s (the TwiML importer lists
the same names in its webhook map); this module fills them from the call and the command,
keeps the URL's own query first, and adds the command's ``Meta`` children last, as
``name=value`` text, except where a name is already used. A JSON body is sent by every
``POST`` and by a ``Callback``/``Curl`` with ``body="true"`` (whatever its method).
docs/http-requests.md shows the exact requests to users writing a backend.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import urlencode, urlsplit, urlunsplit

from callflow import model as m
from callflow import requests_contract as contract
from simulator.conditions import typed_value
from simulator.context import CallContext
from simulator.http import HttpRequest

DEFAULT_TIMEOUT_MS = 10_000
"""Request timeout when the command gives none (Gather has no timeout for its request)."""


def with_query(url: str, params: Sequence[tuple[str, str]]) -> str:
    """``url`` with ``params`` appended to its query (existing parameters kept, fragment too)."""
    if not params:
        return url
    parts = urlsplit(url)
    added = urlencode(params)
    query = f"{parts.query}&{added}" if parts.query else added
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))


def call_params(ctx: CallContext, tag: str | None) -> list[tuple[str, str]]:
    return contract.call_query(ctx.from_, ctx.to, ctx.call_uuid, ctx.app_uuid, tag)


def call_data(ctx: CallContext) -> dict[str, Any]:
    """The call object of a JSON body: the call's fields, then any extra ones the scenario set."""
    data: dict[str, Any] = {
        "uuid": ctx.call_uuid, "from": ctx.from_, "to": ctx.to, "direction": ctx.direction,
        "state": contract.CALL_STATE, "sip_control_app": {"uuid": ctx.app_uuid},
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
    return contract.body(call_data(ctx), meta_values(node))


def gather_request(
    node: m.Gather, ctx: CallContext, digits: str, attempt: int, history: list[dict[str, Any]]
) -> HttpRequest:
    """The request a Gather with ``url`` sends once it has input."""
    params = [*contract.gather_query(digits, attempt), *call_params(ctx, node.tag)]
    params += _meta_params(node, {k for k, _ in params})
    body = None
    if node.method == "POST":
        body = {**_body(ctx, node), **contract.gather_body(digits, attempt, history)}
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
