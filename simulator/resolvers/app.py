"""Answers from the user's own WSGI or ASGI app, called in-process: no socket, no server.

Requests go through httpx's WSGI and ASGI transports with the URL the flow asked for, so the
app sees the flow's host and scheme. The app gets the same bounds as a live server: the
command's timeout (a WSGI app runs in a worker thread the simulator stops waiting for; an ASGI
app runs on a private event loop and is cancelled) and the size bound. An exception in the app
is a 500 answer naming the exception, never a crash of the simulator.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import os
import threading
from collections.abc import Awaitable, Callable, Coroutine, MutableMapping
from types import TracebackType
from typing import Any, TypeVar, cast

import httpx

from simulator.http import HttpAnswer, HttpRequest
from simulator.resolvers.exchange import (
    DEFAULT_LIMITS,
    HEADERS,
    Limits,
    Progress,
    ResponseTooLarge,
    ResponseTooSlow,
    crash_answer,
    exchange,
    timeout_text,
)
from simulator.resolvers.loader import AppKind, app_kind, load_app

_T = TypeVar("_T")
Message = MutableMapping[str, Any]
ASGIApp = Callable[
    [Message, Callable[[], Awaitable[Message]], Callable[[Message], Awaitable[None]]],
    Awaitable[None],
]


class AppResolver:
    """Sends every request to one in-process app, keeping the URL's path and query."""

    def __init__(
        self,
        app: object,
        *,
        name: str | None = None,
        kind: AppKind | None = None,
        limits: Limits = DEFAULT_LIMITS,
    ) -> None:
        self.name = name or getattr(app, "__name__", None) or type(app).__name__
        self.kind: AppKind = kind or app_kind(app, self.name)
        self.limits = limits
        self._loop: _LoopThread | None = None
        transport: httpx.BaseTransport
        if self.kind == "wsgi":
            transport = httpx.WSGITransport(app=cast(Any, app))
        else:
            self._loop = _LoopThread()
            transport = _SyncASGITransport(cast(ASGIApp, app), self._loop, limits.max_bytes)
        self._client = httpx.Client(transport=transport, follow_redirects=False, headers=HEADERS)

    @classmethod
    def from_spec(
        cls,
        spec: str,
        *,
        path: str | os.PathLike[str] | None = None,
        limits: Limits = DEFAULT_LIMITS,
    ) -> AppResolver:
        """Load ``MODULE:ATTR`` (importable from ``path``, default the current directory)."""
        return cls(load_app(spec, path), name=spec, limits=limits)

    def resolve(self, request: HttpRequest) -> HttpAnswer:
        if self.kind == "asgi":
            return exchange(self._client, request, limits=self.limits, app_errors=True)
        return self._resolve_in_thread(request)

    def _resolve_in_thread(self, request: HttpRequest) -> HttpAnswer:
        """Run a WSGI exchange in a worker and stop waiting at the timeout.

        A WSGI app cannot be interrupted; a stuck worker is a daemon thread that ends when the
        app returns, and its late answer is dropped.
        """
        progress = Progress()
        box: list[HttpAnswer] = []

        def work() -> None:
            try:
                answer = exchange(
                    self._client, request, limits=self.limits, app_errors=True, progress=progress
                )
            except BaseException as exc:  # SystemExit and the like, raised by the app
                answer = crash_answer(request, exc)
            box.append(answer)

        worker = threading.Thread(target=work, name=f"callflow-wsgi {request.url}", daemon=True)
        worker.start()
        worker.join(request.timeout_ms / 1000)
        if box:
            return box[0]
        error = timeout_text(request.timeout_ms, started=progress.headers_received)
        return HttpAnswer(error=error, elapsed_ms=request.timeout_ms, source=request.url)

    def close(self) -> None:
        self._client.close()
        if self._loop is not None:
            self._loop.close()

    def __enter__(self) -> AppResolver:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


class _LoopThread:
    """A private event loop on its own thread, kept for the run (apps may hold loop-bound state).

    Running it on its own thread also works when the caller is itself inside an event loop.
    """

    def __init__(self) -> None:
        self.loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self.loop.run_forever, name="callflow-asgi", daemon=True
        )
        self._thread.start()

    def run(self, coro: Coroutine[Any, Any, _T], timeout: float | None) -> _T:
        future = asyncio.run_coroutine_threadsafe(coro, self.loop)
        try:
            return future.result(timeout)
        except concurrent.futures.TimeoutError:
            future.cancel()
            raise

    def close(self) -> None:
        async def cancel_all() -> None:
            tasks = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in tasks:
                task.cancel()
            if tasks:
                await asyncio.wait(tasks, timeout=1)

        if self.loop.is_closed():
            return
        with contextlib.suppress(concurrent.futures.TimeoutError):
            self.run(cancel_all(), 2)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(2)
        if not self._thread.is_alive():
            self.loop.close()


class _Guard:
    """Wraps the app's ``send``: counts body bytes and yields to the loop after every message.

    httpx's ASGI transport keeps the whole body in memory, so the bound must act while the app
    sends; yielding lets the timeout cancel an app that streams in a tight loop.
    """

    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app, self.max_bytes = app, max_bytes
        self.size = 0
        self.started = self.too_large = False

    async def __call__(
        self,
        scope: Message,
        receive: Callable[[], Awaitable[Message]],
        send: Callable[[Message], Awaitable[None]],
    ) -> None:
        async def guarded(message: Message) -> None:
            if message.get("type") == "http.response.start":
                self.started = True
            elif message.get("type") == "http.response.body":
                self.size += len(message.get("body", b""))
                if self.size > self.max_bytes:
                    self.too_large = True
                    raise ResponseTooLarge
            await send(message)
            await asyncio.sleep(0)

        await self.app(scope, receive, guarded)


_GRACE = 0.25
"""Seconds past the deadline given to cancel an ASGI app (one that blocks its event loop
cannot be cancelled at all: the simulator stops waiting for it then)."""


class _SyncASGITransport(httpx.BaseTransport):
    """httpx's ASGI transport driven from sync code on the private loop, with the timeout."""

    def __init__(self, app: ASGIApp, loop: _LoopThread, max_bytes: int) -> None:
        self.app, self.loop, self.max_bytes = app, loop, max_bytes

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        timeout = request.extensions.get("timeout", {}).get("read")
        guard = _Guard(self.app, self.max_bytes)
        transport = httpx.ASGITransport(app=guard)

        async def call() -> tuple[int, list[tuple[bytes, bytes]], bytes] | None:
            task = asyncio.ensure_future(transport.handle_async_request(request))
            done, _ = await asyncio.wait({task}, timeout=timeout)
            if not done:  # not the app's own TimeoutError: that one is a crash, so a 500
                task.cancel()
                await asyncio.wait({task}, timeout=_GRACE / 2)
                return None
            response = task.result()
            return response.status_code, response.headers.raw, await response.aread()

        try:
            outcome = self.loop.run(call(), None if timeout is None else timeout + _GRACE)
        except concurrent.futures.TimeoutError:  # the app blocks the loop itself
            outcome = None
        except BaseException:
            if guard.too_large:
                raise ResponseTooLarge from None
            raise
        if outcome is None:
            if guard.started:
                raise ResponseTooSlow
            raise httpx.ReadTimeout("the app did not answer in time", request=request)
        status, headers, body = outcome
        return httpx.Response(status, headers=headers, content=body, request=request)
