"""A scenario's per-prefix HTTP backends: an in-process app, a live server or a cassette.

A scenario holds them as plain data (``Backend``) and ``build`` opens them only when a call is
placed, so reading a scenario never imports an app or opens a connection. Canned answers name
exact URLs and so win over a backend's prefix; everything else goes to the longest matching
prefix, and what no prefix takes gets the canned table's answer (none: as if the server were
down).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Literal

from simulator.http import CannedResolver, HttpAnswer, HttpRequest, Resolver, without_query
from simulator.resolvers.routing import RoutingResolver, close_resolver

BackendKind = Literal["app", "live", "cassette"]
BACKEND_KINDS: tuple[BackendKind, ...] = ("app", "live", "cassette")


@dataclass(frozen=True, slots=True)
class Backend:
    """Requests under ``prefix`` go to ``target``: ``MODULE:ATTR``, a base URL or a cassette."""

    prefix: str
    kind: BackendKind
    target: str
    root: Path | None = None
    """Where an app's module is imported from (a cassette's path is already absolute)."""
    line: int = 1
    col: int = 1
    """Where the scenario names the target, for errors."""


class BackendError(Exception):
    """A backend that cannot be opened; ``file``/``line``/``col`` say where the mistake is."""

    def __init__(self, message: str, file: str, line: int, col: int) -> None:
        self.message, self.file, self.line, self.col = message, file, line, col
        super().__init__(f"{file}:{line}:{col}: {message}")


class CannedFirst:
    """Exact canned URLs first, then the prefix routes (whose default is the canned table)."""

    def __init__(self, canned: CannedResolver, routes: RoutingResolver) -> None:
        self.canned, self.routes = canned, routes

    def resolve(self, request: HttpRequest) -> HttpAnswer:
        answers = self.canned.answers
        if without_query(request.url) in answers or request.url in answers:
            return self.canned.resolve(request)
        return self.routes.resolve(request)

    def close(self) -> None:
        self.routes.close()


def build(backends: Iterable[Backend], canned: CannedResolver, file: str) -> Resolver:
    """One resolver for a scenario's backends and canned answers; close it after the call.

    ``file`` is the scenario, named in errors. Raises ``BackendError``; what was already
    opened is closed first.
    """
    opened: dict[tuple[str, str, Path | None], Resolver] = {}
    routes: list[tuple[str, Resolver]] = []
    try:
        for backend in backends:
            key = (backend.kind, backend.target, backend.root)
            if key not in opened:
                opened[key] = _open(backend, file)
            routes.append((backend.prefix, opened[key]))
    except BackendError:
        for resolver in opened.values():
            close_resolver(resolver)
        raise
    if not routes:
        return canned
    return CannedFirst(canned, RoutingResolver(routes, default=canned))


def _open(backend: Backend, file: str) -> Resolver:
    # Imported here: they bring in httpx, which a scenario without backends never needs.
    from simulator.resolvers.app import AppResolver
    from simulator.resolvers.cassette import CassetteError, CassetteResolver
    from simulator.resolvers.live import LiveResolver
    from simulator.resolvers.loader import AppLoadError

    try:
        if backend.kind == "app":
            return AppResolver.from_spec(backend.target, path=backend.root)
        if backend.kind == "live":
            return LiveResolver(backend.target)
        return CassetteResolver.load(backend.target)
    except CassetteError as exc:
        raise BackendError(exc.message, exc.file, exc.line, exc.col) from None
    except (AppLoadError, ValueError) as exc:
        raise BackendError(str(exc), file, backend.line, backend.col) from None
