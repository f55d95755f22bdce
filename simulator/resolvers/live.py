"""Answers from a real HTTP server the user runs (``--base-url http://127.0.0.1:5000``).

One ``httpx.Client`` per run keeps connections open between the requests of a call. Proxy
variables of the environment are ignored: the simulator talks to the server it was told to.
"""

from __future__ import annotations

from types import TracebackType
from urllib.parse import urlsplit, urlunsplit

import httpx

from simulator.http import HttpAnswer, HttpRequest
from simulator.resolvers.exchange import DEFAULT_LIMITS, HEADERS, Limits, exchange


class LiveResolver:
    """Real HTTP requests, optionally all sent to one ``base_url``.

    With ``base_url``, scheme, host and port of every request (and of every redirect) are
    replaced by the base's, the path is appended to the base's path, the query kept. When
    ``preserve_host`` is on, the server sees the flow's own host in ``Host`` (and the flow's
    scheme in ``X-Forwarded-Proto``), as behind a reverse proxy, so the absolute URLs an app
    builds from its request are the same live as in-process and the transcripts agree.
    """

    def __init__(
        self,
        base_url: str | None = None,
        *,
        preserve_host: bool = True,
        limits: Limits = DEFAULT_LIMITS,
    ) -> None:
        if base_url is not None:
            check_base_url(base_url)
        self.base_url = base_url
        self.preserve_host = preserve_host
        self.limits = limits
        self._client = httpx.Client(follow_redirects=False, trust_env=False, headers=HEADERS)

    def resolve(self, request: HttpRequest) -> HttpAnswer:
        return exchange(self._client, request, target=self.target, limits=self.limits)

    def target(self, url: str) -> tuple[str, dict[str, str]]:
        if self.base_url is None:
            return url, {}
        return rebase(url, self.base_url, preserve_host=self.preserve_host)

    def close(self) -> None:
        self._client.close()

    def __enter__(self) -> LiveResolver:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


def check_base_url(base_url: str) -> None:
    """Refuse a base that is not ``http(s)://host[:port][/path]``; the message is for the user."""
    try:
        parts = urlsplit(base_url)
        port_ok = parts.port is None or parts.port > 0
    except ValueError as exc:
        raise ValueError(f"invalid base URL {base_url!r}: {exc}") from None
    if parts.scheme not in ("http", "https") or not parts.hostname or not port_ok:
        raise ValueError(f"invalid base URL {base_url!r}: expected http(s)://HOST[:PORT]")
    if parts.query or parts.fragment:
        raise ValueError(f"invalid base URL {base_url!r}: it may not have a query or fragment")


def rebase(url: str, base_url: str, *, preserve_host: bool = True) -> tuple[str, dict[str, str]]:
    """Where ``url`` is really sent under ``base_url``, and the headers that say where it was
    meant to go."""
    parts, base = urlsplit(url), urlsplit(base_url)
    path = base.path.rstrip("/") + (parts.path or "/")
    sent = urlunsplit((base.scheme, base.netloc, path, parts.query, ""))
    host = parts.netloc.rpartition("@")[2]
    if not preserve_host or not host:
        return sent, {}
    return sent, {"Host": host, "X-Forwarded-Host": host, "X-Forwarded-Proto": parts.scheme}
