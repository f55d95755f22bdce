"""Real HTTP backends for the simulator: a live server, an in-process app, cassettes, routing.

Every resolver answers ``resolve(HttpRequest) -> HttpAnswer`` (``simulator.http``) and has a
``close()``: call it (or ``close_resolver``) at the end of a run, which also writes a recorded
cassette.
"""

from importlib import import_module
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # the real names for type checkers; at run time __getattr__ loads them
    from simulator.resolvers.app import AppResolver
    from simulator.resolvers.backends import Backend, BackendError
    from simulator.resolvers.cassette import CassetteError, CassetteResolver, RecordingResolver
    from simulator.resolvers.choose import RunBackends, for_run
    from simulator.resolvers.exchange import MAX_BYTES, MAX_REDIRECTS, Limits
    from simulator.resolvers.live import LiveResolver
    from simulator.resolvers.loader import AppLoadError, load_app
    from simulator.resolvers.routing import RoutingResolver, close_resolver

_EXPORTS: dict[str, str] = {
    "AppResolver": "app",
    "Backend": "backends",
    "BackendError": "backends",
    "CassetteError": "cassette",
    "CassetteResolver": "cassette",
    "RecordingResolver": "cassette",
    "RunBackends": "choose",
    "for_run": "choose",
    "MAX_BYTES": "exchange",
    "MAX_REDIRECTS": "exchange",
    "Limits": "exchange",
    "LiveResolver": "live",
    "AppLoadError": "loader",
    "load_app": "loader",
    "RoutingResolver": "routing",
    "close_resolver": "routing",
}


def __getattr__(name: str) -> Any:
    """Exports load on first use, so importing one submodule does not import httpx."""
    module = _EXPORTS.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(import_module(f"{__name__}.{module}"), name)


__all__ = [
    "MAX_BYTES",
    "MAX_REDIRECTS",
    "AppLoadError",
    "AppResolver",
    "Backend",
    "BackendError",
    "CassetteError",
    "CassetteResolver",
    "Limits",
    "LiveResolver",
    "RecordingResolver",
    "RoutingResolver",
    "RunBackends",
    "close_resolver",
    "for_run",
    "load_app",
]
