"""Whether a URL is one Opentact (and the simulator) can fetch: decided here, once.

Lint (CF130), the TwiML importer and its ``--base-url``, and the simulator's ``--base-url`` all
ask ``url_problem``; a URL one of them accepts, none refuses.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from callflow.frozen import record

SCHEMES = frozenset({"http", "https"})
PORTS = range(1, 65536)
"""The TCP ports a URL may name (0 is no port one can connect to)."""


@record
class UrlProblem:
    reason: str
    """A phrase to follow the URL in a message (``'x' is not an absolute http(s) URL``)."""
    hint: str

    def __str__(self) -> str:
        return self.reason


_ABSOLUTE = "write scheme and host too, e.g. https://example.com/path"


def url_problem(url: str) -> UrlProblem | None:
    """Why ``url`` is not an absolute http(s) URL with a host and a valid port (None: it is)."""
    try:
        parts = urlsplit(url.strip())
    except ValueError as exc:  # e.g. an unclosed IPv6 bracket
        return UrlProblem(f"is not a URL ({exc})", _ABSOLUTE)
    if parts.scheme.lower() not in SCHEMES:
        return UrlProblem("is not an absolute http(s) URL", _ABSOLUTE)
    if not parts.hostname:
        return UrlProblem("is not an absolute http(s) URL (it has no host)", _ABSOLUTE)
    try:
        port = parts.port
    except ValueError:
        port = -1
    if port is not None and port not in PORTS:
        written = parts.netloc.rpartition("@")[2].rpartition(":")[2]
        return UrlProblem(
            f"has an invalid port {written!r} (a port is a number from 1 to 65535)",
            "write a port from 1 to 65535, or none (http uses 80, https 443)",
        )
    return None


def is_absolute_http(url: str) -> bool:
    """Whether ``url`` is an absolute http or https URL with a host (and a valid port)."""
    return url_problem(url) is None
