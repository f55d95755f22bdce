"""Base-URL checks and rewriting for live servers; kept free of httpx so that reading a
scenario (which checks its ``live:`` URLs) does not pay for importing the HTTP client."""

from __future__ import annotations

from urllib.parse import urlsplit, urlunsplit

from callflow.urls import url_problem


def check_base_url(base_url: str) -> None:
    """Refuse a base that is not ``http(s)://host[:port][/path]``; the message is for the user."""
    problem = url_problem(base_url)
    if problem is not None:
        raise ValueError(
            f"invalid base URL {base_url!r}: it {problem}; expected http(s)://HOST[:PORT]"
        )
    parts = urlsplit(base_url)
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
