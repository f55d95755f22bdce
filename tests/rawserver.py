"""A scripted HTTP server on 127.0.0.1 for tests: each request gets exactly the bytes a test
chose, with pauses between them, so broken status lines and trickling headers can be served.

Bounded: a handler's pauses are cut short when the client goes away or the server stops, and
the server stops (closing every connection) when the ``with`` block ends.
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

Step = bytes | float
"""Bytes to send, or seconds to wait."""


@dataclass(frozen=True)
class Seen:
    method: str
    path: str
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body) if self.body else None


Handler = Callable[[Seen], Sequence[Step]]


def answer(status: int, body: bytes = b"", *headers: str, reason: str = "X") -> bytes:
    """A complete HTTP/1.1 answer with Content-Length (unless a header gives it)."""
    lines = [f"HTTP/1.1 {status} {reason}", *headers]
    if not any(h.lower().startswith("content-length") for h in headers):
        lines.append(f"Content-Length: {len(body)}")
    lines.append("Connection: close")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


@contextmanager
def raw_server(handler: Handler) -> Iterator[tuple[str, list[Seen]]]:
    """Serve ``handler`` on a free loopback port; yield the base URL and the requests seen."""
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.bind(("127.0.0.1", 0))
    listener.listen(8)
    listener.settimeout(0.05)
    stop = threading.Event()
    seen: list[Seen] = []
    workers: list[threading.Thread] = []

    def serve(conn: socket.socket) -> None:
        with conn:
            conn.settimeout(5)
            try:
                request = _read_request(conn)
                seen.append(request)
                for step in handler(request):
                    if isinstance(step, float):
                        if stop.wait(step):
                            return
                    else:
                        conn.sendall(step)
            except OSError:  # the client gave up: exactly what some tests want
                return

    def accept() -> None:
        while not stop.is_set():
            try:
                conn, _ = listener.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            worker = threading.Thread(target=serve, args=(conn,), daemon=True)
            workers.append(worker)
            worker.start()

    acceptor = threading.Thread(target=accept, daemon=True)
    acceptor.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}", seen
    finally:
        stop.set()
        acceptor.join(5)
        listener.close()
        for worker in workers:
            worker.join(5)


def _read_request(conn: socket.socket) -> Seen:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(4096)
        if not chunk:
            break
        data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    first, *lines = head.decode("latin-1").split("\r\n")
    method, path, _ = [*first.split(" "), "", "", ""][:3]
    headers = {}
    for line in lines:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    length = int(headers.get("content-length", "0") or 0)
    while len(body) < length:
        chunk = conn.recv(4096)
        if not chunk:
            break
        body += chunk
    return Seen(method, path, headers, body)
