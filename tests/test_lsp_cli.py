"""The `callflow lsp` command: its options, TCP for debugging, and the extra it needs."""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time

import pytest
from click.testing import CliRunner

from callflow.cli import cli

SERVER = "import sys; from callflow.cli import main; sys.exit(main(sys.argv[1:]))"


def test_without_pygls_it_says_which_extra_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    import callflow.cli.lsp as command

    real = command.importlib.util.find_spec
    monkeypatch.setattr(
        command.importlib.util,
        "find_spec",
        lambda name, *a: None if name == "pygls" else real(name, *a),
    )
    done = CliRunner().invoke(cli, ["lsp"])
    assert done.exit_code == 2
    assert "pip install 'opentact-callflow[lsp]'" in done.output


def test_a_port_outside_the_range_is_a_usage_error() -> None:
    done = CliRunner().invoke(cli, ["lsp", "--tcp", "70000"])
    assert done.exit_code == 2 and "--tcp" in done.output


def _message(body: dict[str, object]) -> bytes:
    data = json.dumps(body).encode()
    return f"Content-Length: {len(data)}\r\n\r\n".encode() + data


def _read(connection: socket.socket) -> dict[str, object]:
    head = b""
    while b"\r\n\r\n" not in head:
        chunk = connection.recv(1)
        assert chunk, "the server closed the connection"
        head += chunk
    length = int(head.split(b"Content-Length:")[1].split(b"\r\n")[0])
    body = b""
    while len(body) < length:
        body += connection.recv(length - len(body))
    result: dict[str, object] = json.loads(body)
    return result


def test_tcp_serves_on_loopback() -> None:
    pytest.importorskip("pygls", reason="the lsp extra is not installed (pip install '.[lsp]')")
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen(
        [sys.executable, "-c", SERVER, "lsp", "--tcp", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                connection = socket.create_connection(("127.0.0.1", port), timeout=10)
                break
            except OSError:
                assert time.monotonic() < deadline, "the server did not listen"
                time.sleep(0.1)
        with connection:
            params = {"processId": None, "rootUri": None, "capabilities": {}}
            request = {"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": params}
            connection.sendall(_message(request))
            answer = _read(connection)
            assert answer["id"] == 1
            capabilities = answer["result"]["capabilities"]  # type: ignore[index]
            assert capabilities["hoverProvider"] and capabilities["documentFormattingProvider"]
            assert capabilities["codeActionProvider"] and capabilities["completionProvider"]
    finally:
        server.terminate()
        server.wait(timeout=10)
