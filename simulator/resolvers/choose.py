"""The resolver of one run, from the command-line options: ``--app``, ``--base-url``, a cassette.

Kept apart from the CLI so the pytest plugin and scenario files choose the same way.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType

from simulator.http import CannedResolver, Resolver
from simulator.resolvers.app import AppResolver
from simulator.resolvers.cassette import (
    CassetteResolver,
    Interaction,
    RecordingResolver,
    Tape,
    read_tape,
    write_cassette,
)
from simulator.resolvers.live import LiveResolver
from simulator.resolvers.routing import close_resolver


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


class RunBackends:
    """The HTTP options of one command, checked and opened once, applied to each run it makes.

    One run for ``callflow simulate``, one per scenario for ``callflow test``. ``app``,
    ``base_url`` and ``replay`` replace every backend of a run; ``record`` collects what every
    run asked and got into one cassette, written by ``close``. Raises ``ValueError`` (options
    that exclude each other, a bad base URL, nowhere to write), ``AppLoadError`` or
    ``CassetteError``, each with a message for the user.
    """

    def __init__(
        self,
        *,
        app: str | None = None,
        base_url: str | None = None,
        replay: str | os.PathLike[str] | None = None,
        record: str | os.PathLike[str] | None = None,
        app_path: str | os.PathLike[str] | None = None,
    ) -> None:
        chosen = [
            name
            for name, value in (("--app", app), ("--base-url", base_url), ("--replay-http", replay))
            if value is not None
        ]
        if len(chosen) > 1:
            raise ValueError(f"{' and '.join(chosen)} cannot be used together")
        self.record = Path(record) if record is not None else None
        if self.record is not None and (self.record.is_dir() or not self.record.parent.is_dir()):
            raise ValueError(f"cannot write the cassette {self.record}: no such directory")
        self.tape: list[Interaction] = []
        self.replayed: Tape | None = read_tape(replay) if replay is not None else None
        self.shared: Resolver | None = None
        if app is not None:
            self.shared = AppResolver.from_spec(app, path=app_path)
        elif base_url is not None:
            self.shared = LiveResolver(base_url)

    @property
    def replaces(self) -> bool:
        """True when an option answers every request (the runs' own backends are not used)."""
        return self.shared is not None or self.replayed is not None

    @contextmanager
    def run(self, own: Callable[[], Resolver]) -> Iterator[Resolver]:
        """The resolver of one run. ``own`` makes the run's own backends (a scenario's), and
        is called only when no option replaces them; they are closed when the run ends."""
        opened: Resolver | None = None
        backend: Resolver
        if self.shared is not None:
            backend = self.shared
        elif self.replayed is not None:
            backend = opened = CassetteResolver(
                list(self.replayed.interactions), match=self.replayed.match
            )
        else:
            backend = opened = own()
        try:
            if self.record is None:
                yield backend
            else:
                yield RecordingResolver(backend, self.record, self.tape)
        finally:
            if opened is not None:
                close_resolver(opened)

    def close(self) -> None:
        """Write the recorded cassette, if any, and release the shared backend."""
        try:
            if self.record is not None:
                write_cassette(self.record, self.tape)
        finally:
            if self.shared is not None:
                close_resolver(self.shared)

    def __enter__(self) -> RunBackends:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()
