"""The deadline backend on its own (#24): every socket operation gets at most the time left, none
at all once the deadline has passed (exactly at it included), and everything else is passed
through to the real backend untouched.

The real backend is replaced by a recorder, and the clock by one the test sets, so nothing here
opens a socket or waits.
"""

from __future__ import annotations

import ssl
from collections.abc import Iterable
from types import SimpleNamespace
from typing import Any

import httpcore
import httpx
import pytest

from simulator.resolvers import deadline as deadline_module
from simulator.resolvers.deadline import DeadlineBackend, deadline_of, deadline_transport

NOW = 500.0


class Stream(httpcore.NetworkStream):
    def __init__(self, calls: list[tuple[Any, ...]]) -> None:
        self.calls = calls

    def read(self, max_bytes: int, timeout: float | None = None) -> bytes:
        self.calls.append(("read", max_bytes, timeout))
        return b"data"

    def write(self, buffer: bytes, timeout: float | None = None) -> None:
        self.calls.append(("write", buffer, timeout))

    def close(self) -> None:
        self.calls.append(("close",))

    def start_tls(
        self,
        ssl_context: ssl.SSLContext,
        server_hostname: str | None = None,
        timeout: float | None = None,
    ) -> httpcore.NetworkStream:
        self.calls.append(("start_tls", server_hostname, timeout))
        return Stream(self.calls)

    def get_extra_info(self, info: str) -> Any:
        return {"is_readable": False, "server_addr": ("127.0.0.1", 8080)}.get(info)


class Backend(httpcore.NetworkBackend):
    def __init__(self) -> None:
        self.calls: list[tuple[Any, ...]] = []

    def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,
        local_address: str | None = None,
        socket_options: Iterable[Any] | None = None,
    ) -> httpcore.NetworkStream:
        self.calls.append(("connect_tcp", host, port, timeout))
        return Stream(self.calls)

    def connect_unix_socket(
        self, path: str, timeout: float | None = None, socket_options: Iterable[Any] | None = None
    ) -> httpcore.NetworkStream:
        self.calls.append(("connect_unix_socket", path, timeout))
        return Stream(self.calls)

    def sleep(self, seconds: float) -> None:
        self.calls.append(("sleep", seconds))


@pytest.fixture(autouse=True)
def frozen_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(deadline_module, "time", SimpleNamespace(monotonic=lambda: NOW))


def test_without_a_deadline_every_timeout_passes_unchanged() -> None:
    inner = Backend()
    backend = DeadlineBackend(inner)
    stream = backend.connect_tcp("127.0.0.1", 80, timeout=7.0)
    stream.write(b"GET", timeout=None)
    stream.read(10, timeout=3.0)
    backend.connect_unix_socket("/tmp/x.sock", timeout=None)
    assert inner.calls == [
        ("connect_tcp", "127.0.0.1", 80, 7.0),
        ("write", b"GET", None),
        ("read", 10, 3.0),
        ("connect_unix_socket", "/tmp/x.sock", None),
    ]


def test_under_a_deadline_each_operation_gets_the_smaller_of_its_timeout_and_the_time_left() -> (
    None
):
    inner = Backend()
    backend = DeadlineBackend(inner)
    with deadline_of(NOW + 2.0):
        stream = backend.connect_tcp("127.0.0.1", 80, timeout=None)
        stream.write(b"GET", timeout=5.0)
        stream.read(10, timeout=0.5)
        tls = stream.start_tls(ssl.create_default_context(), "ivr.example.com", timeout=9.0)
        tls.read(1, timeout=None)
        backend.connect_unix_socket("/tmp/x.sock", timeout=1.0)
    assert inner.calls == [
        ("connect_tcp", "127.0.0.1", 80, 2.0),
        ("write", b"GET", 2.0),
        ("read", 10, 0.5),
        ("start_tls", "ivr.example.com", 2.0),
        ("read", 1, 2.0),
        ("connect_unix_socket", "/tmp/x.sock", 1.0),
    ]


@pytest.mark.parametrize("past", [0.0, 0.25])
def test_at_or_after_the_deadline_nothing_reaches_the_network(past: float) -> None:
    inner = Backend()
    backend = DeadlineBackend(inner)
    stream = backend.connect_tcp("127.0.0.1", 80)
    with deadline_of(NOW - past):
        for call, error in [
            (lambda: backend.connect_tcp("127.0.0.1", 80, timeout=5.0), httpcore.ConnectTimeout),
            (lambda: backend.connect_unix_socket("/tmp/x.sock"), httpcore.ConnectTimeout),
            (lambda: stream.read(10, timeout=5.0), httpcore.ReadTimeout),
            (lambda: stream.write(b"x"), httpcore.WriteTimeout),
            (
                lambda: stream.start_tls(ssl.create_default_context(), "h", timeout=5.0),
                httpcore.ConnectTimeout,
            ),
        ]:
            with pytest.raises(error, match=r"^the request's deadline has passed$"):
                call()
    assert inner.calls == [("connect_tcp", "127.0.0.1", 80, None)]


def test_the_deadline_ends_with_its_block() -> None:
    inner = Backend()
    backend = DeadlineBackend(inner)
    with deadline_of(NOW - 1.0):
        pass
    backend.connect_tcp("127.0.0.1", 80, timeout=4.0)
    assert inner.calls == [("connect_tcp", "127.0.0.1", 80, 4.0)]


def test_everything_else_passes_through() -> None:
    inner = Backend()
    backend = DeadlineBackend(inner)
    stream = backend.connect_tcp("127.0.0.1", 80)
    assert stream.get_extra_info("server_addr") == ("127.0.0.1", 8080)
    assert stream.get_extra_info("is_readable") is False
    stream.close()
    backend.sleep(0.125)
    assert inner.calls[1:] == [("close",), ("sleep", 0.125)]


def test_the_transport_ignores_the_environment(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Any
) -> None:
    """SSL_CERT_FILE and friends are not read: a bad one must not break (or steer) the run."""
    monkeypatch.setenv("SSL_CERT_FILE", str(tmp_path / "missing.pem"))
    monkeypatch.setenv("SSL_CERT_DIR", str(tmp_path / "missing"))
    transport = deadline_transport()
    transport.close()


def test_an_httpx_without_the_expected_pool_is_refused_loudly(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    class Elsewhere:
        def __init__(self, **kwargs: Any) -> None:
            self._pool = object()

    monkeypatch.setattr(deadline_module.httpx, "HTTPTransport", Elsewhere)
    with pytest.raises(RuntimeError, match=r"^this httpx version keeps its connection pool"):
        deadline_transport()


def test_a_pool_without_a_network_backend_is_refused_loudly(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    real = httpx.HTTPTransport

    def without_backend(**kwargs: Any) -> httpx.HTTPTransport:
        transport = real(**kwargs)
        del transport._pool._network_backend
        return transport

    monkeypatch.setattr(deadline_module.httpx, "HTTPTransport", without_backend)
    with pytest.raises(RuntimeError, match=r"elsewhere$"):
        deadline_transport()
