"""Answers from a real HTTP server the user runs (``--base-url http://127.0.0.1:5000``).

One ``httpx.Client`` per run keeps connections open between the requests of a call. Proxy
variables of the environment are ignored: the simulator talks to the server it was told to.
"""

from __future__ import annotations

from types import TracebackType

import httpx

from simulator.http import HttpAnswer, HttpRequest
from simulator.resolvers.deadline import deadline_transport
from simulator.resolvers.exchange import DEFAULT_LIMITS, HEADERS, Limits, exchange
from simulator.resolvers.urls import check_base_url, rebase


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
        self._client = httpx.Client(
            transport=deadline_transport(), follow_redirects=False, trust_env=False, headers=HEADERS
        )

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
