"""One exchange driven through httpx's MockTransport with a clock the test sets (#24): the edges
of the request's one deadline, the failures a transport raises, and what is closed after a hop.

No sockets: the transport is a function, and ``exchange``'s clock is frozen or moved by hand, so
"exactly at the deadline" is exact rather than a race.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from types import SimpleNamespace
from typing import Any

import httpx
import pytest

from simulator.http import HttpAnswer, HttpRequest
from simulator.resolvers import exchange as exchange_module
from simulator.resolvers.exchange import Progress, exchange

DOC = b"<Response><Say>done</Say></Response>"


class Clock:
    """A monotonic clock that moves only when a test says so."""

    def __init__(self) -> None:
        self.now = 1000.0

    def monotonic(self) -> float:
        return self.now


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    fake = Clock()
    monkeypatch.setattr(exchange_module, "time", SimpleNamespace(monotonic=fake.monotonic))
    return fake


class Body(httpx.SyncByteStream):
    """A body whose chunks run a hook first, and which records that it was closed."""

    def __init__(self, chunks: list[bytes], before: Callable[[int], None] | None = None) -> None:
        self.chunks = chunks
        self.before = before
        self.closed = False

    def __iter__(self) -> Iterator[bytes]:
        for index, chunk in enumerate(self.chunks):
            if self.before is not None:
                self.before(index)
            yield chunk

    def close(self) -> None:
        self.closed = True


def run(
    handler: Callable[[httpx.Request], httpx.Response],
    url: str = "https://ivr.example.com/start",
    *,
    method: str = "GET",
    timeout_ms: int = 2000,
    progress: Progress | None = None,
    target: Callable[[str], tuple[str, dict[str, str]]] | None = None,
) -> HttpAnswer:
    request = HttpRequest(method, url, None, timeout_ms, "Callback")
    with httpx.Client(transport=httpx.MockTransport(handler), follow_redirects=False) as client:
        if target is None:
            return exchange(client, request, progress=progress)
        return exchange(client, request, progress=progress, target=target)


# --- the deadline ------------------------------------------------------------------------------


def test_the_whole_timeout_is_the_budget_httpx_is_given(clock: Clock) -> None:
    timeouts: list[Any] = []

    def handler(request: httpx.Request) -> httpx.Response:
        timeouts.append(request.extensions["timeout"])
        return httpx.Response(200, content=DOC)

    got = run(handler, timeout_ms=2500)
    assert got.status == 200 and got.text == DOC.decode()
    assert timeouts == [{"connect": 2.5, "read": 2.5, "write": 2.5, "pool": 2.5}]


def test_no_time_left_before_a_hop_fails_without_sending_it(clock: Clock) -> None:
    sent: list[str] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(str(request.url))
        clock.now += 2.0  # the first answer uses up the whole budget, to the microsecond
        return httpx.Response(302, headers={"Location": "/next"})

    got = run(handler, timeout_ms=2000)
    assert sent == ["https://ivr.example.com/start"]
    assert (got.status, got.error, got.elapsed_ms) == (
        None,
        "timed out after 2000 ms waiting for an answer",
        2000,
    )


def test_a_body_that_ends_exactly_at_the_deadline_is_read(clock: Clock) -> None:
    def at_deadline(index: int) -> None:
        clock.now = 1002.0

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, stream=Body([DOC], at_deadline))

    got = run(handler, timeout_ms=2000)
    assert got.status == 200 and got.text == DOC.decode() and got.error is None


def test_a_body_still_coming_after_the_deadline_is_too_slow(clock: Clock) -> None:
    def late(index: int) -> None:
        if index == 1:
            clock.now = 1002.001

    def handler(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, stream=Body([DOC[:10], DOC[10:], b""], late))

    got = run(handler, timeout_ms=2000)
    assert (got.status, got.error, got.elapsed_ms) == (
        None,
        "response took longer than the 2000 ms timeout",
        2000,
    )


# --- failures the transport raises -----------------------------------------------------------


def raising(exc: Exception) -> Callable[[httpx.Request], httpx.Response]:
    def handler(request: httpx.Request) -> httpx.Response:
        raise exc

    return handler


def test_a_connect_timeout_names_the_host_and_takes_the_timeout() -> None:
    got = run(raising(httpx.ConnectTimeout("slow")), "https://u:pw@ivr.example.com:8443/x")
    assert (got.status, got.error, got.elapsed_ms, got.source) == (
        None,
        "timed out after 2000 ms connecting to ivr.example.com:8443",
        2000,
        "https://u:pw@ivr.example.com:8443/x",
    )


def test_failure_messages_never_show_the_urls_credentials() -> None:
    got = run(raising(httpx.ConnectError("boom")), "https://user:secret@ivr.example.com/x")
    assert got.error == "cannot connect to ivr.example.com: boom"
    assert got.elapsed_ms == 0


def test_an_exception_without_text_is_named_by_its_type() -> None:
    got = run(raising(httpx.ConnectError("  ")))
    assert got.error == "cannot connect to ivr.example.com: ConnectError"
    got = run(raising(httpx.RemoteProtocolError("")))
    assert got.error == "bad HTTP answer from ivr.example.com: RemoteProtocolError"


def test_an_unsupported_url_names_the_url_actually_sent() -> None:
    def to_backend(url: str) -> tuple[str, dict[str, str]]:
        return "http://127.0.0.1:9/start", {}

    got = run(raising(httpx.UnsupportedProtocol("no such scheme")), target=to_backend)
    assert got.error == "cannot request http://127.0.0.1:9/start: no such scheme"
    assert got.source == "https://ivr.example.com/start"


def test_a_bug_outside_httpx_is_raised_not_reported_as_an_answer() -> None:
    progress = Progress()
    with pytest.raises(ValueError, match=r"^a bug$"):
        run(raising(ValueError("a bug")), progress=progress)
    assert progress.done


def test_progress_says_when_the_exchange_is_over() -> None:
    fresh = Progress()
    assert not fresh.done and not fresh.headers_received and fresh.sent_url is None
    run(lambda request: httpx.Response(200, content=DOC), progress=fresh)
    assert fresh.done and fresh.headers_received
    assert fresh.sent_url == "https://ivr.example.com/start"


# --- redirects ---------------------------------------------------------------------------------


def test_every_answer_is_closed_the_redirect_and_the_final_one() -> None:
    bodies: list[Body] = []

    def handler(request: httpx.Request) -> httpx.Response:
        body = Body([b"moved"] if request.url.path == "/start" else [DOC])
        bodies.append(body)
        if request.url.path == "/start":
            return httpx.Response(301, headers={"Location": "/next"}, stream=body)
        return httpx.Response(200, stream=body)

    got = run(handler)
    assert got.text == DOC.decode()
    assert [b.closed for b in bodies] == [True, True]


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_a_head_request_stays_a_head_through_any_redirect(status: int) -> None:
    seen: list[tuple[str, str]] = []

    def handler(request: httpx.Request) -> httpx.Response:
        seen.append((request.method, request.url.path))
        if request.url.path == "/start":
            return httpx.Response(status, headers={"Location": "/next"})
        return httpx.Response(200)

    got = run(handler, method="HEAD")
    assert got.status == 200
    assert seen == [("HEAD", "/start"), ("HEAD", "/next")]
