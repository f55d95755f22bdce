"""One HTTP exchange as Opentact makes it: bounded in time and size, redirects followed with care.

Live servers and in-process apps both go through here, so a flow sees the same answers, the
same failures and the same wording whichever backend answers it.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urljoin, urlsplit

import httpx

from simulator.http import HttpAnswer, HttpRequest, answer_of
from simulator.resolvers.deadline import deadline_of

MAX_BYTES = 1024 * 1024
"""Largest answer read (1 MiB): a call flow document is a few KiB."""
MAX_REDIRECTS = 5
"""Redirects followed before giving up (browsers allow about 20; an IVR backend needs one)."""
HEADERS = {
    "User-Agent": "opentact-callflow-simulator",
    "Accept": "application/xml, text/xml;q=0.9, */*;q=0.1",
}
ANSWER_MS = 0
"""Virtual time any answer (or failure other than a timeout) takes, whatever the wall clock said.

Real latency varies from run to run; reporting a fixed 0 ms (as canned answers do) keeps runs
against an app, a live server and a cassette identical. A timeout still takes the timeout.
"""
_REDIRECTS = frozenset({301, 302, 303, 307, 308})

Target = Callable[[str], tuple[str, dict[str, str]]]
"""Maps the URL the flow asked for to the URL actually sent and any extra headers."""


class ResponseTooLarge(Exception):
    """The answer passed the size bound."""


class ResponseTooSlow(Exception):
    """The answer started but did not finish within the command's timeout."""


@dataclass(frozen=True, slots=True)
class Limits:
    max_bytes: int = MAX_BYTES
    max_redirects: int = MAX_REDIRECTS


DEFAULT_LIMITS = Limits()


@dataclass
class Progress:
    """What the exchange reached; lets a watchdog name the right failure when it gives up."""

    headers_received: bool = False
    done: bool = False
    sent_url: str | None = None
    """The URL last sent, which failures name (it differs from the flow's under a base URL)."""


def same_url(url: str) -> tuple[str, dict[str, str]]:
    """The identity target: send the request where the flow asked."""
    return url, {}


def exchange(
    client: httpx.Client,
    request: HttpRequest,
    *,
    target: Target = same_url,
    limits: Limits = DEFAULT_LIMITS,
    app_errors: bool = False,
    progress: Progress | None = None,
) -> HttpAnswer:
    """Send ``request`` through ``client`` and turn whatever happens into an ``HttpAnswer``.

    ``app_errors``: the client calls an in-process app, so any exception is the app's own and
    becomes a 500 answer instead of a crash of the simulator.
    """
    progress = progress or Progress()
    deadline = time.monotonic() + request.timeout_ms / 1000

    def where() -> str:
        return _host(progress.sent_url or request.url)

    def failed(error: str, elapsed_ms: int = ANSWER_MS) -> HttpAnswer:
        return HttpAnswer(error=error, elapsed_ms=elapsed_ms, source=request.url)

    try:
        with deadline_of(deadline):
            status, raw, charset = _follow(client, request, target, limits, deadline, progress)
    except ResponseTooLarge:
        return failed(f"response larger than {limits.max_bytes} bytes")
    except ResponseTooSlow:
        return failed(timeout_text(request.timeout_ms, started=True), request.timeout_ms)
    except _RedirectFailure as exc:
        return failed(str(exc))
    except httpx.ConnectTimeout:
        error = f"timed out after {request.timeout_ms} ms connecting to {where()}"
        return failed(error, request.timeout_ms)
    except httpx.TimeoutException:
        return failed(timeout_text(request.timeout_ms), request.timeout_ms)
    except httpx.ConnectError as exc:
        return failed(f"cannot connect to {where()}: {_reason(exc)}")
    except httpx.RemoteProtocolError as exc:
        return failed(f"bad HTTP answer from {where()}: {_reason(exc)}")
    except (httpx.UnsupportedProtocol, httpx.InvalidURL) as exc:
        return failed(f"cannot request {progress.sent_url or request.url}: {_reason(exc)}")
    except httpx.HTTPError as exc:
        return failed(f"request to {where()} failed: {_reason(exc)}")
    except Exception as exc:
        if not app_errors:
            raise
        return crash_answer(request, exc)
    finally:
        progress.done = True
    return answer_of(status, raw, charset, request.url, ANSWER_MS)


def crash_answer(request: HttpRequest, exc: BaseException) -> HttpAnswer:
    """An exception of an in-process app, as the 500 a server would have answered."""
    error = f"the app raised {type(exc).__name__}: {exc}"
    return HttpAnswer(500, None, error, ANSWER_MS, request.url)


def timeout_text(timeout_ms: int, *, started: bool = False) -> str:
    """The one wording of a timeout, shared by every backend so transcripts agree."""
    if started:
        return f"response took longer than the {timeout_ms} ms timeout"
    return f"timed out after {timeout_ms} ms waiting for an answer"


class _RedirectFailure(Exception):
    """A redirect loop or too long a chain; the message says which URLs."""


def _follow(
    client: httpx.Client,
    request: HttpRequest,
    target: Target,
    limits: Limits,
    deadline: float,
    progress: Progress,
) -> tuple[int, bytes, str | None]:
    method, url, body = request.method.upper(), request.url, request.body
    chain: list[tuple[str, str]] = [(method, url)]
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise httpx.ReadTimeout("no time left")
        sent_url, extra = target(url)
        progress.sent_url = sent_url
        built = client.build_request(
            method, sent_url, json=body, headers=extra, timeout=httpx.Timeout(remaining)
        )
        response = client.send(built, stream=True)
        try:
            progress.headers_received = True
            location = response.headers.get("location")
            if response.status_code in _REDIRECTS and location:
                method, body = _redirect_method(response.status_code, method, body)
                url = urljoin(url, location)
                _check_chain(chain, (method, url), limits.max_redirects)
                continue
            raw = _read(response, deadline, limits.max_bytes)
            return response.status_code, raw, response.charset_encoding
        finally:
            response.close()


def _redirect_method(status: int, method: str, body: Any) -> tuple[str, Any]:
    """What a browser (and httpx) does: 303, and 301/302 after POST, turn into a bodiless GET."""
    if method != "HEAD" and (status == 303 or (status in (301, 302) and method == "POST")):
        return "GET", None
    return method, body


def _check_chain(chain: list[tuple[str, str]], hop: tuple[str, str], max_redirects: int) -> None:
    shown = " -> ".join(u for _, u in [*chain, hop])
    if hop in chain:
        raise _RedirectFailure(f"redirect loop: {shown}")
    chain.append(hop)
    if len(chain) - 1 > max_redirects:
        raise _RedirectFailure(f"too many redirects (more than {max_redirects}): {shown}")


def _read(response: httpx.Response, deadline: float, max_bytes: int) -> bytes:
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        raise ResponseTooLarge
    buf = bytearray()
    try:
        for chunk in response.iter_bytes():
            buf += chunk
            if len(buf) > max_bytes:
                raise ResponseTooLarge
            if time.monotonic() > deadline:
                raise ResponseTooSlow
    except httpx.TimeoutException:  # the deadline passed while the body trickled in
        raise ResponseTooSlow from None
    return bytes(buf)


def _host(url: str) -> str:
    return urlsplit(url).netloc.rpartition("@")[2] or url


def _reason(exc: Exception) -> str:
    text = str(exc).strip()
    if "refused" in text.lower():
        return "connection refused"
    return text or type(exc).__name__
