"""What Opentact sends with the HTTP request of a ``Gather url``, ``Callback`` or ``Curl``.

The names are written once, in the functions below that build a request's query and JSON
body. The simulator sends what they build (``simulator/requests.py``) and the TwiML importer's
webhook map lists the names they use (``callflow/importers/twiml_webhooks.py``), so what a
backend is told it will receive is what the simulator sends. ``docs/http-requests.md`` shows
the requests to users writing a backend.

Query parameters (after any the URL already has): a ``Gather url`` first adds ``dtmf``,
``attempts`` and ``success``; every request adds the call's ``from``, ``tn``, ``call``,
``sca``, ``state`` and ``tag`` when the command has one; then the command's ``Meta``.
A JSON body holds ``call`` and ``meta``; a Gather's also ``dtmf``, ``attempts``, ``history``.
"""

from __future__ import annotations

from typing import Any

CALL_STATE = "live"
"""The ``state`` of a call while its flow runs (the only state a request is sent in)."""

Query = list[tuple[str, str]]


def call_query(from_: str, tn: str, call: str, sca: str, tag: str | None) -> Query:
    """The call's parameters, sent with every request: caller, dialled number, call uuid,
    SIP control app uuid, state, and the command's ``tag`` when it has one."""
    params = [("from", from_), ("tn", tn), ("call", call), ("sca", sca), ("state", CALL_STATE)]
    if tag is not None:
        params.append(("tag", tag))
    return params


def gather_query(dtmf: str, attempt: int) -> Query:
    """What a ``Gather url`` sends before the call's parameters: the input and its attempt."""
    return [("dtmf", dtmf), ("attempts", str(attempt)), ("success", "true")]


def body(call: dict[str, Any], meta: dict[str, Any]) -> dict[str, Any]:
    """The JSON body of a POST (or of ``body="true"``): the call's data and the typed Meta."""
    return {"call": call, "meta": meta}


def gather_body(dtmf: str, attempt: int, history: list[dict[str, Any]]) -> dict[str, Any]:
    """What a Gather's body adds: the input, the attempt, and one entry per attempt so far."""
    return {"dtmf": dtmf, "attempts": attempt, "history": history}


CALL_PARAMS: tuple[str, ...] = tuple(name for name, _ in call_query("", "", "", "", None))
"""Names of the call's parameters (without ``tag``, which only a tagged command sends)."""
TAG_PARAM: str = call_query("", "", "", "", "")[-1][0]
GATHER_PARAMS: tuple[str, ...] = tuple(name for name, _ in gather_query("", 1))
BODY_KEYS: tuple[str, ...] = tuple(body({}, {}))
GATHER_BODY_KEYS: tuple[str, ...] = tuple(gather_body("", 1, []))
