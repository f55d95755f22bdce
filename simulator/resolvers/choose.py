"""The resolver of one run, from the command-line options: ``--app``, ``--base-url``, a cassette.

Kept apart from the CLI so the pytest plugin and scenario files choose the same way.
"""

from __future__ import annotations

import os

from simulator.http import CannedResolver, Resolver
from simulator.resolvers.app import AppResolver
from simulator.resolvers.cassette import CassetteResolver, RecordingResolver
from simulator.resolvers.live import LiveResolver


def for_run(
    *,
    app: str | None = None,
    base_url: str | None = None,
    replay: str | os.PathLike[str] | None = None,
    record: str | os.PathLike[str] | None = None,
    fallback: Resolver | None = None,
) -> Resolver:
    """One backend for every request of the run, recorded to ``record`` when given.

    ``app`` (``MODULE:ATTR``), ``base_url`` and ``replay`` (a cassette) exclude each other;
    with none of them, ``fallback`` answers (the scenario's own resolver, or nothing: every
    request then fails as if the server were down). Raises ``ValueError``, ``AppLoadError`` or
    ``CassetteError`` with a message for the user.
    """
    chosen = [
        name
        for name, value in (("--app", app), ("--base-url", base_url), ("--replay-http", replay))
        if value is not None
    ]
    if len(chosen) > 1:
        raise ValueError(f"{' and '.join(chosen)} cannot be used together")
    backend: Resolver
    if app is not None:
        backend = AppResolver.from_spec(app)
    elif base_url is not None:
        backend = LiveResolver(base_url)
    elif replay is not None:
        backend = CassetteResolver.load(replay)
    else:
        backend = fallback if fallback is not None else CannedResolver()
    return backend if record is None else RecordingResolver(backend, record)
