"""An in-process app's resolver over its life (#24): the name its errors give, the body bound
counted from zero, the private event loop's thread and what closing it cancels, and the worker
a stuck WSGI app is left in. Every wait here is bounded (at most a few seconds)."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

import pytest

from simulator.http import HttpAnswer, HttpRequest
from simulator.resolvers import AppLoadError, AppResolver, Limits

Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]


def req(url: str = "https://ivr.example.com/x", timeout_ms: int = 2000) -> HttpRequest:
    return HttpRequest("GET", url, None, timeout_ms, "Callback")


def asgi_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "callflow-asgi"]


def sending(body: bytes) -> Callable[[Message, Receive, Send], Awaitable[None]]:
    async def app(scope: Message, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        await send({"type": "http.response.body", "body": body})

    return app


# --- the name in errors --------------------------------------------------------------------------


def takes_four(a: Any, b: Any, c: Any, d: Any) -> None:
    """Neither WSGI nor ASGI."""


@pytest.mark.parametrize(
    ("app", "name", "named"),
    [(takes_four, None, "takes_four"), (takes_four, "mine", "mine"), (42, None, "int")],
)
def test_a_refused_app_is_named_by_its_given_name_else_its_own(
    app: object, name: str | None, named: str
) -> None:
    with pytest.raises(AppLoadError) as refused:
        AppResolver(app, name=name)
    assert str(refused.value).startswith(f"{named} is not a WSGI or ASGI app")


# --- the body bound ------------------------------------------------------------------------------


@pytest.mark.parametrize(("size", "ok"), [(100, True), (101, False)])
def test_an_asgi_body_is_bounded_from_its_first_byte(size: int, ok: bool) -> None:
    with AppResolver(sending(b"x" * size), limits=Limits(max_bytes=100)) as resolver:
        got = resolver.resolve(req())
    if ok:
        assert (got.status, got.text) == (200, "x" * 100)
    else:
        assert (got.status, got.error) == (None, "response larger than 100 bytes")


def test_the_bound_holds_when_the_app_wraps_the_error_of_its_send() -> None:
    """As a framework's error middleware does: the answer is still "too large", not a 500."""

    async def app(scope: Message, receive: Receive, send: Send) -> None:
        try:
            await sending(b"x" * 101)(scope, receive, send)
        except Exception as exc:
            raise RuntimeError("internal server error") from exc

    with AppResolver(app, limits=Limits(max_bytes=100)) as resolver:
        got = resolver.resolve(req())
    assert (got.status, got.error) == (None, "response larger than 100 bytes")


def test_an_app_streaming_in_a_tight_loop_is_cut_at_the_timeout() -> None:
    async def app(scope: Message, receive: Receive, send: Send) -> None:
        await send({"type": "http.response.start", "status": 200, "headers": []})
        while True:
            await send({"type": "http.response.body", "body": b"x", "more_body": True})

    with AppResolver(app, limits=Limits(max_bytes=50 * 1024 * 1024)) as resolver:
        got = resolver.resolve(req(timeout_ms=300))
    assert (got.status, got.error) == (None, "response took longer than the 300 ms timeout")


# --- the private loop and closing ---------------------------------------------------------------


def test_the_loop_runs_on_a_daemon_thread_that_closing_ends() -> None:
    before = asgi_threads()
    resolver = AppResolver(sending(b"<Response/>"))
    assert resolver.resolve(req()).text == "<Response/>"
    [mine] = [t for t in asgi_threads() if t not in before]
    assert mine.daemon
    resolver.close()
    assert not mine.is_alive()
    resolver.close()  # a second close is harmless
    assert not mine.is_alive()


def test_leaving_the_with_block_ends_the_loops_thread() -> None:
    before = asgi_threads()
    with AppResolver(sending(b"<Response/>")) as resolver:
        assert resolver.resolve(req()).ok
        [mine] = [t for t in asgi_threads() if t not in before]
    assert not mine.is_alive()


def test_closing_cancels_what_the_app_left_running_on_its_loop() -> None:
    cancelled = threading.Event()

    async def forever() -> None:
        try:
            await asyncio.sleep(60)
        except asyncio.CancelledError:
            cancelled.set()
            raise

    background: list[asyncio.Task[None]] = []

    async def app(scope: Message, receive: Receive, send: Send) -> None:
        background.append(asyncio.ensure_future(forever()))
        await sending(b"<Response/>")(scope, receive, send)

    resolver = AppResolver(app)
    assert resolver.resolve(req()).ok
    assert not cancelled.is_set()
    resolver.close()
    assert cancelled.is_set()


def test_an_app_past_its_timeout_is_cancelled_before_the_answer_returns() -> None:
    cancelled = threading.Event()

    async def app(scope: Message, receive: Receive, send: Send) -> None:
        try:
            await asyncio.sleep(60)
        except asyncio.CancelledError:
            cancelled.set()
            raise

    with AppResolver(app) as resolver:
        got = resolver.resolve(req(timeout_ms=200))
        assert cancelled.is_set()
    assert got.error == "timed out after 200 ms waiting for an answer"


# --- a stuck WSGI app ---------------------------------------------------------------------------


def test_a_stuck_wsgi_app_is_left_on_a_daemon_worker_named_for_its_request() -> None:
    release = threading.Event()

    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        release.wait(5)
        start_response("200 OK", [])
        return [b"<Response/>"]

    url = "https://ivr.example.com/stuck?n=1"
    try:
        with AppResolver(app) as resolver:
            started = time.monotonic()
            got: HttpAnswer = resolver.resolve(req(url, timeout_ms=200))
            assert time.monotonic() - started < 2
        assert got.error == "timed out after 200 ms waiting for an answer"
        [worker] = [t for t in threading.enumerate() if t.name == f"callflow-wsgi {url}"]
        assert worker.daemon and worker.is_alive()
    finally:
        release.set()
