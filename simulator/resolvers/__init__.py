"""Real HTTP backends for the simulator: a live server, an in-process app, cassettes, routing.

Every resolver answers ``resolve(HttpRequest) -> HttpAnswer`` (``simulator.http``) and has a
``close()``: call it (or ``close_resolver``) at the end of a run, which also writes a recorded
cassette.
"""

from simulator.resolvers.app import AppResolver
from simulator.resolvers.backends import Backend, BackendError
from simulator.resolvers.cassette import CassetteError, CassetteResolver, RecordingResolver
from simulator.resolvers.choose import RunBackends, for_run
from simulator.resolvers.exchange import MAX_BYTES, MAX_REDIRECTS, Limits
from simulator.resolvers.live import LiveResolver
from simulator.resolvers.loader import AppLoadError, load_app
from simulator.resolvers.routing import RoutingResolver, close_resolver

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
