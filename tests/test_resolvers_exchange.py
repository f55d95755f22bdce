"""One HTTP exchange against a live server, byte for byte: redirects per status, failures that
fail the command, the size bound at its edge, charsets, and one deadline per request (#15, #24).

Every server here is ``rawserver`` on 127.0.0.1, which sends exactly the bytes a test chose.
"""

from __future__ import annotations

import asyncio
import time
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from rawserver import Seen, Step, answer, raw_server
from test_resolvers_live import loopback_only

from callflow.cli import cli
from simulator.debugger import Session, Setup
from simulator.http import HttpAnswer, HttpRequest
from simulator.resolvers import AppResolver, Limits, LiveResolver
from simulator.scenario import load_flow

__all__ = ["loopback_only"]

DOC = b"<Response><Say>done</Say></Response>"


def fetch(
    url: str,
    method: str = "GET",
    body: dict[str, Any] | None = None,
    timeout_ms: int = 5000,
    limits: Limits | None = None,
) -> HttpAnswer:
    with LiveResolver(limits=limits or Limits()) as live:
        return live.resolve(HttpRequest(method, url, body, timeout_ms, "Callback"))


def redirecting(status: int) -> Any:
    def handler(seen: Seen) -> list[Step]:
        if seen.path == "/start":
            return [answer(status, b"moved", "Location: /next")]
        return [answer(200, DOC, "Content-Type: text/xml")]

    return handler


# --- redirects -----------------------------------------------------------------------------------


@pytest.mark.parametrize("status", [301, 302, 303])
def test_a_post_redirected_by_301_302_303_becomes_a_bodiless_get(status: int) -> None:
    with raw_server(redirecting(status)) as (base, seen):
        got = fetch(f"{base}/start", "POST", {"dtmf": "1234"})
    assert got.status == 200 and got.text == DOC.decode()
    assert [(s.method, s.path) for s in seen] == [("POST", "/start"), ("GET", "/next")]
    assert seen[0].json() == {"dtmf": "1234"}
    assert seen[1].body == b"" and "content-length" not in seen[1].headers


@pytest.mark.parametrize("status", [307, 308])
def test_a_post_redirected_by_307_308_keeps_its_method_and_body(status: int) -> None:
    with raw_server(redirecting(status)) as (base, seen):
        got = fetch(f"{base}/start", "POST", {"dtmf": "1234"})
    assert got.status == 200 and got.text == DOC.decode()
    assert [(s.method, s.path) for s in seen] == [("POST", "/start"), ("POST", "/next")]
    assert seen[0].json() == seen[1].json() == {"dtmf": "1234"}


@pytest.mark.parametrize("status", [301, 302, 303, 307, 308])
def test_a_get_is_redirected_as_a_get(status: int) -> None:
    with raw_server(redirecting(status)) as (base, seen):
        got = fetch(f"{base}/start")
    assert got.status == 200
    assert [(s.method, s.path) for s in seen] == [("GET", "/start"), ("GET", "/next")]


@pytest.mark.parametrize("status", [200, 201, 304, 309])
def test_a_location_on_a_non_redirect_status_is_not_followed(status: int) -> None:
    def handler(seen: Seen) -> list[Step]:
        return [answer(status, DOC if status != 304 else b"", "Location: /next")]

    with raw_server(handler) as (base, seen):
        got = fetch(f"{base}/start")
    assert [s.path for s in seen] == ["/start"]
    assert got.status == status and got.error is None


def test_a_redirect_without_location_is_the_answer() -> None:
    with raw_server(lambda seen: [answer(302, b"")]) as (base, seen):
        got = fetch(f"{base}/start")
    assert (got.status, len(seen), got.ok) == (302, 1, False)


# --- failures of the command ---------------------------------------------------------------------


def test_a_broken_status_line_fails_the_request() -> None:
    with raw_server(lambda seen: [b"HTTP/1.1 abc\r\n\r\n"]) as (base, _):
        got = fetch(f"{base}/x")
    host = base.removeprefix("http://")
    assert got.status is None and got.text is None
    assert got.error is not None and got.error.startswith(f"bad HTTP answer from {host}: ")


def test_an_unsupported_scheme_fails_the_request() -> None:
    got = fetch("ftp://127.0.0.1/flow.xml")
    assert got.status is None
    assert got.error is not None and got.error.startswith("cannot request ftp://127.0.0.1/flow.xml")


def test_a_generic_http_error_fails_the_request() -> None:
    garbage = answer(200, b"not gzip at all", "Content-Encoding: gzip")
    with raw_server(lambda seen: [garbage]) as (base, _):
        got = fetch(f"{base}/x")
    host = base.removeprefix("http://")
    assert got.status is None
    assert got.error is not None and got.error.startswith(f"request to {host} failed: ")


@pytest.mark.parametrize("method", ["GET", "POST"])
def test_a_failed_request_fails_the_callback_in_the_transcript(tmp_path: Path, method: str) -> None:
    flow = tmp_path / "flow.xml"
    flow.write_text(
        f'<Response><Callback url="https://ivr.example.com/x" method="{method}" timeout="2000">'
        "<Error><Say>handled</Say></Error></Callback></Response>"
    )
    with raw_server(lambda seen: [b"HTTP/1.1 abc\r\n\r\n"]) as (base, _):
        result = CliRunner().invoke(cli, ["simulate", str(flow), "--base-url", base])
    assert "bad HTTP answer from" in result.output and '"handled"' in result.output


# --- the size bound at its edge ------------------------------------------------------------------

LIMIT = Limits(max_bytes=100)


@pytest.mark.parametrize("declared", [True, False])
def test_an_answer_of_exactly_the_limit_is_read(declared: bool) -> None:
    body = b"<Response>" + b" " * 79 + b"</Response>"
    assert len(body) == 100
    raw = answer(200, body) if declared else _unsized(body)
    with raw_server(lambda seen: [raw]) as (base, _):
        got = fetch(f"{base}/x", limits=LIMIT)
    assert (got.status, got.text) == (200, body.decode())


@pytest.mark.parametrize("declared", [True, False])
def test_an_answer_one_byte_over_the_limit_is_refused(declared: bool) -> None:
    body = b"<Response>" + b" " * 80 + b"</Response>"
    assert len(body) == 101
    raw = answer(200, body) if declared else _unsized(body)
    with raw_server(lambda seen: [raw]) as (base, _):
        got = fetch(f"{base}/x", limits=LIMIT)
    assert got.status is None and got.error == "response larger than 100 bytes"


def test_a_declared_length_over_the_limit_is_refused_before_the_body() -> None:
    raw = answer(200, b"", "Content-Length: 101")
    with raw_server(lambda seen: [raw, 3.0]) as (base, _):
        started = time.monotonic()
        got = fetch(f"{base}/x", limits=LIMIT)
    assert got.error == "response larger than 100 bytes"
    assert time.monotonic() - started < 2.5  # it did not wait for a body that never came


def _unsized(body: bytes) -> bytes:
    """An answer whose end is the end of the connection (no Content-Length, no chunks)."""
    return b"HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n" + body


# --- one deadline per request --------------------------------------------------------------------


def trickle(seen: Seen) -> list[Step]:
    """The status line, then one header byte every 0.2 s for 20 s: each read gets a byte."""
    steps: list[Step] = [b"HTTP/1.1 200 OK\r\n"]
    for byte in b"X-Slow: " + b"a" * 100:
        steps += [0.2, bytes([byte])]
    return [*steps, b"\r\nContent-Length: 0\r\n\r\n"]


def test_a_server_that_trickles_headers_is_cut_at_the_timeout() -> None:
    with raw_server(trickle) as (base, _):
        started = time.monotonic()
        got = fetch(f"{base}/x", timeout_ms=1000)
        took = time.monotonic() - started
    assert got.error == "timed out after 1000 ms waiting for an answer"
    assert got.elapsed_ms == 1000
    assert 0.9 <= took < 6, took  # trickling: 20 s; the deadline: 1 s


def test_a_body_that_trickles_is_cut_at_the_timeout() -> None:
    def handler(seen: Seen) -> list[Step]:
        steps: list[Step] = [b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n"]
        for _ in range(100):
            steps += [0.2, b"x"]
        return steps

    with raw_server(handler) as (base, _):
        started = time.monotonic()
        got = fetch(f"{base}/x", timeout_ms=1000)
        took = time.monotonic() - started
    assert got.error == "response took longer than the 1000 ms timeout"
    assert 0.9 <= took < 6, took  # trickling: 20 s; the deadline: 1 s


def test_redirects_share_the_deadline() -> None:
    def handler(seen: Seen) -> list[Step]:
        if seen.path == "/a":
            return [0.6, answer(302, b"", "Location: /b")]
        return [0.6, answer(200, DOC)]

    with raw_server(handler) as (base, seen):
        started = time.monotonic()
        got = fetch(f"{base}/a", timeout_ms=1000)
        took = time.monotonic() - started
    assert [s.path for s in seen] == ["/a", "/b"]
    assert got.error == "timed out after 1000 ms waiting for an answer"
    assert took < 4, took


def test_simulate_names_the_bound_and_does_not_hang(tmp_path: Path) -> None:
    flow = tmp_path / "flow.xml"
    flow.write_text(
        '<Response><Callback url="https://ivr.example.com/x" timeout="1000">'
        "<Error><Say>too slow</Say></Error></Callback></Response>"
    )
    with raw_server(trickle) as (base, _):
        started = time.monotonic()
        result = CliRunner().invoke(cli, ["simulate", str(flow), "--base-url", base])
        took = time.monotonic() - started
    assert "timed out after 1000 ms waiting for an answer" in result.output
    assert '"too slow"' in result.output
    assert took < 6, took


# --- the same deadline for in-process apps -------------------------------------------------------


def slow_redirects_wsgi(environ: dict[str, Any], start_response: Any) -> list[bytes]:
    time.sleep(1.0)
    if environ["PATH_INFO"] == "/a":
        start_response("302 Found", [("Location", "/b")])
        return [b""]
    if environ["PATH_INFO"] == "/b":
        start_response("302 Found", [("Location", "/c")])
        return [b""]
    start_response("200 OK", [])
    return [DOC]


async def slow_redirects_asgi(scope: dict[str, Any], receive: Any, send: Any) -> None:
    await asyncio.sleep(1.0)
    where = {"/a": b"/b", "/b": b"/c"}.get(scope["path"])
    status, headers = (302, [(b"location", where)]) if where else (200, [])
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": b"" if where else DOC})


async def loop_blocking_asgi(scope: dict[str, Any], receive: Any, send: Any) -> None:
    time.sleep(3)  # blocks the event loop itself: cannot be cancelled
    await send({"type": "http.response.start", "status": 200, "headers": []})
    await send({"type": "http.response.body", "body": DOC})


@pytest.mark.parametrize("app", [slow_redirects_wsgi, slow_redirects_asgi])
def test_an_apps_redirects_share_one_deadline(app: Any) -> None:
    with AppResolver(app) as resolver:
        started = time.monotonic()
        got = resolver.resolve(HttpRequest("GET", "http://x.test/a", None, 700, "Callback"))
        took = time.monotonic() - started
        assert got.error is not None and "700 ms" in got.error, got
        assert got.elapsed_ms == 700
        assert took < 2.5, took  # three hops: 3 s; the deadline: 0.7 s
        fast = resolver.resolve(HttpRequest("GET", "http://x.test/a", None, 10_000, "Callback"))
        assert fast.status == 200 and fast.text == DOC.decode()


def test_an_asgi_app_blocking_its_loop_is_left_at_the_deadline() -> None:
    with AppResolver(loop_blocking_asgi) as resolver:
        started = time.monotonic()
        got = resolver.resolve(HttpRequest("GET", "http://x.test/a", None, 300, "Callback"))
        took = time.monotonic() - started
        assert got.error == "timed out after 300 ms waiting for an answer"
        assert took < 1.8, took  # the app: 3 s; before: the deadline + 2 s
        time.sleep(3.2 - took)  # let the app return, so closing finds the loop free


def test_the_debugger_gets_the_same_deadline(tmp_path: Path) -> None:
    flow_path = tmp_path / "flow.xml"
    flow_path.write_text(
        '<Response><Callback url="https://ivr.example.com/x" timeout="1000">'
        "<Error><Say>too slow</Say></Error></Callback></Response>"
    )
    flow = load_flow(flow_path).model
    assert flow is not None
    with raw_server(trickle) as (base, _):
        setup = Setup(flow, flow_path, flow_path.read_text(), http=lambda: LiveResolver(base))
        session = Session(setup)
        session.start()
        started = time.monotonic()
        reply = session.execute("")  # the configured backend answers the pending request
        took = time.monotonic() - started
    shown = "\n".join(line.text for line in reply.lines)
    assert "timed out after 1000 ms waiting for an answer" in shown and "too slow" in shown
    assert took < 6, took


@pytest.mark.parametrize(("status", "method", "then"), [
    (301, "PATCH", "PATCH"), (302, "DELETE", "DELETE"), (303, "PATCH", "GET"),
    (303, "DELETE", "GET"), (307, "PATCH", "PATCH"),
])  # fmt: skip
def test_only_a_post_or_a_303_changes_method(status: int, method: str, then: str) -> None:
    with raw_server(redirecting(status)) as (base, seen):
        got = fetch(f"{base}/start", method, {"k": 1})
    assert got.status == 200
    assert [s.method for s in seen] == [method, then]
    assert seen[1].json() == (None if then == "GET" else {"k": 1})


@pytest.mark.parametrize(("hops", "ok"), [(2, True), (3, False)])
def test_the_redirect_bound_is_inclusive(hops: int, ok: bool) -> None:
    def handler(seen: Seen) -> list[Step]:
        n = int(seen.path.removeprefix("/r"))
        return [answer(302, b"", f"Location: /r{n + 1}") if n < hops else answer(200, DOC)]

    with raw_server(handler) as (base, seen):
        got = fetch(f"{base}/r0", limits=Limits(max_redirects=2))
    assert len(seen) == (hops + 1 if ok else hops)
    if ok:
        assert got.status == 200
    else:
        assert got.error is not None and got.error.startswith("too many redirects (more than 2)")


# --- the documented defaults (docs/http-requests.md, "Common to every request") ---------------


def test_every_request_carries_the_documented_headers() -> None:
    with raw_server(lambda seen: [answer(200, DOC)]) as (base, seen):
        got = fetch(f"{base}/x", "POST", {"k": 1})
    assert got.status == 200
    assert seen[0].headers["user-agent"] == "opentact-callflow-simulator"
    assert seen[0].headers["accept"] == "application/xml, text/xml;q=0.9, */*;q=0.1"
    assert seen[0].headers["content-type"] == "application/json"


@pytest.mark.parametrize(("extra", "ok"), [(0, True), (1, False)])
def test_the_default_answer_bound_is_one_mebibyte(extra: int, ok: bool) -> None:
    body = b"<Response>" + b" " * (1024 * 1024 - 21 + extra) + b"</Response>"
    with raw_server(lambda seen: [answer(200, body)]) as (base, _), LiveResolver() as live:
        got = live.resolve(HttpRequest("GET", f"{base}/x", None, 10000, "Callback"))
    if ok:
        assert got.status == 200 and got.text is not None and len(got.text) == 1024 * 1024
    else:
        assert got.error == "response larger than 1048576 bytes"


@pytest.mark.parametrize(("hops", "ok"), [(5, True), (6, False)])
def test_the_default_redirect_bound_is_five(hops: int, ok: bool) -> None:
    def handler(seen: Seen) -> list[Step]:
        n = int(seen.path.removeprefix("/r"))
        return [answer(302, b"", f"Location: /r{n + 1}") if n < hops else answer(200, DOC)]

    with raw_server(handler) as (base, seen), LiveResolver() as live:
        got = live.resolve(HttpRequest("GET", f"{base}/r0", None, 10000, "Callback"))
    if ok:
        assert got.status == 200 and len(seen) == 6
    else:
        assert got.error is not None and got.error.startswith("too many redirects (more than 5)")
