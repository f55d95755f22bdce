"""How the simulator gets answers to Callback, Curl and Gather url requests.

The engine builds an ``HttpRequest`` exactly as Opentact would send it and asks a ``Resolver``
for an ``HttpAnswer``. This issue ships canned answers; live servers and in-process WSGI/ASGI
apps are further resolvers behind the same interface.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import urlsplit, urlunsplit

from callflow.decoding import Undecodable, decode
from callflow.diagnostics import Finding
from callflow.parser import UNREADABLE


@dataclass(frozen=True, slots=True)
class HttpRequest:
    method: str
    url: str
    """The URL with every query parameter the spec lists already added."""
    body: dict[str, Any] | None
    """The JSON body, when the command sends one."""
    timeout_ms: int
    command: str
    """Callback, Curl or Gather."""


@dataclass(frozen=True, slots=True)
class HttpAnswer:
    """What came back. ``error`` set = no HTTP answer at all (down, timeout)."""

    status: int | None = None
    text: str | None = None
    error: str | None = None
    elapsed_ms: int = 0
    source: str | None = None
    """Name to report findings of the answered document under (URL or file)."""
    unreadable: str | None = None
    """Why the body is not text (a finding, rendered); it fails a command that reads the
    body as a document, and only such a command (a Curl never reads it)."""

    @property
    def ok(self) -> bool:
        return self.error is None and self.status is not None and 200 <= self.status < 300


def answer_of(
    status: int, raw: bytes, charset: str | None, source: str, elapsed_ms: int = 0
) -> HttpAnswer:
    """The answer for a body of bytes, decoded as a flow file is (``callflow.decoding``): a
    byte order mark, the XML declaration, then the HTTP ``charset``. Every backend (live,
    in-process, canned file) makes its answers here."""
    try:
        return HttpAnswer(status, decode(raw, charset), None, elapsed_ms, source)
    except Undecodable as exc:
        finding = Finding(UNREADABLE.code, "error", f"cannot decode the answer: {exc.message}",
                          source, exc.line, exc.col)  # fmt: skip
        return HttpAnswer(status, None, None, elapsed_ms, source, finding.render())


class Resolver(Protocol):
    def resolve(self, request: HttpRequest) -> HttpAnswer: ...


def without_query(url: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, parts.path, "", ""))


@dataclass(frozen=True, slots=True)
class Canned:
    """One canned answer: inline XML, a file, a bare status, or a timeout."""

    xml: str | None = None
    file: Path | None = None
    status: int = 200
    timeout: bool = False


@dataclass
class CannedResolver:
    """Answers from a table keyed by URL without its query. Unknown URL = server down."""

    answers: dict[str, Canned] = field(default_factory=dict)

    def resolve(self, request: HttpRequest) -> HttpAnswer:
        canned = self.answers.get(without_query(request.url)) or self.answers.get(request.url)
        if canned is None:
            return HttpAnswer(error="connection refused (no canned answer for this URL)")
        if canned.timeout:
            return HttpAnswer(error="timed out", elapsed_ms=request.timeout_ms)
        if canned.file is not None:
            try:
                raw = canned.file.read_bytes()
            except OSError as exc:
                return HttpAnswer(error=f"cannot read {canned.file}: {exc.strerror or exc}")
            return answer_of(canned.status, raw, None, str(canned.file))
        return HttpAnswer(canned.status, canned.xml, source=request.url)
