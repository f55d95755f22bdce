"""Choose a resolver per URL prefix, so one run can mix canned answers, an app and a live server.

The longest matching prefix wins, and a prefix only matches at a boundary of the URL: the
prefix ``https://api.example.com`` takes ``https://api.example.com/x`` but not
``https://api.example.com.evil.org/``, and ``https://x.org/ivr`` does not take ``/ivr2``.
"""

from __future__ import annotations

from collections.abc import Iterable
from types import TracebackType

from simulator.http import HttpAnswer, HttpRequest, Resolver


def prefix_matches(prefix: str, url: str) -> bool:
    if not url.startswith(prefix):
        return False
    return len(url) == len(prefix) or prefix.endswith("/") or url[len(prefix)] in "/?#"


class RoutingResolver:
    """Sends each request to the resolver of its longest matching prefix, else to ``default``.

    With no match and no default the request fails, as an unknown host would.
    """

    def __init__(
        self, routes: Iterable[tuple[str, Resolver]], default: Resolver | None = None
    ) -> None:
        self.routes = sorted(routes, key=lambda route: len(route[0]), reverse=True)
        self.default = default

    def pick(self, url: str) -> Resolver | None:
        for prefix, resolver in self.routes:
            if prefix_matches(prefix, url):
                return resolver
        return self.default

    def resolve(self, request: HttpRequest) -> HttpAnswer:
        resolver = self.pick(request.url)
        if resolver is None:
            return HttpAnswer(
                error=f"no HTTP backend configured for {request.url}", source=request.url
            )
        return resolver.resolve(request)

    def close(self) -> None:
        """Close every resolver once (the same one may serve several prefixes)."""
        unique = {id(r): r for r in [*(r for _, r in self.routes), self.default] if r is not None}
        failures: list[Exception] = []
        for resolver in unique.values():
            try:
                close_resolver(resolver)
            except Exception as exc:  # close the others before reporting
                failures.append(exc)
        if failures:
            raise failures[0]

    def __enter__(self) -> RoutingResolver:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


def close_resolver(resolver: object) -> None:
    """Close a resolver if it holds anything (clients, event loops, a cassette to write)."""
    close = getattr(resolver, "close", None)
    if callable(close):
        close()
