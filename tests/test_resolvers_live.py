"""LiveResolver against the example app served for real on 127.0.0.1 (and only there).

The flow's URLs name ``https://ivr.example.com``; ``base_url`` sends every request to the local
server instead, so no test reaches any address outside 127.0.0.1.
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, cast
from urllib.parse import urlencode

import pytest
from hypothesis import given
from hypothesis import strategies as st
from werkzeug.serving import make_server

import callflow
from simulator.http import HttpAnswer, HttpRequest
from simulator.resolvers import (
    AppResolver,
    CassetteResolver,
    Limits,
    LiveResolver,
    RecordingResolver,
    RoutingResolver,
    load_app,
)
from simulator.resolvers.exchange import timeout_text
from simulator.resolvers.live import rebase

WEBAPP = Path(__file__).resolve().parents[1] / "examples" / "webapp"
FLOW_HOST = "https://ivr.example.com"


def req(
    url: str,
    method: str = "GET",
    body: dict[str, Any] | None = None,
    timeout_ms: int = 1000,
    command: str = "Callback",
) -> HttpRequest:
    return HttpRequest(method, url, body, timeout_ms, command)


@pytest.fixture(autouse=True)
def loopback_only(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail any test that tries to connect anywhere but 127.0.0.1."""
    real = socket.create_connection

    def checked(address: tuple[str, int], *args: Any, **kwargs: Any) -> socket.socket:
        assert address[0] == "127.0.0.1", f"test tried to reach {address}"
        return real(address, *args, **kwargs)

    monkeypatch.setattr(socket, "create_connection", checked)


@contextmanager
def serving(spec: str) -> Iterator[str]:
    """Serve an app of examples/webapp on 127.0.0.1, a free port; yield its base URL."""
    server = make_server("127.0.0.1", 0, cast(Any, load_app(spec, WEBAPP)), threaded=True)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(5)
        server.server_close()


@pytest.fixture(scope="module")
def ivr_server() -> Iterator[str]:
    with serving("ivr_web:app") as base:
        yield base


@pytest.fixture(scope="module")
def faults_server() -> Iterator[str]:
    with serving("faults:app") as base:
        yield base


@pytest.fixture
def ivr(ivr_server: str) -> Iterator[LiveResolver]:
    with LiveResolver(ivr_server) as resolver:
        yield resolver


@pytest.fixture
def faults(faults_server: str) -> Iterator[LiveResolver]:
    with LiveResolver(faults_server) as resolver:
        yield resolver


def closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


CALL = [
    req(f"{FLOW_HOST}/ivr/start?from=%2B12125550100&tn=%2B18005550199&call=abc"),
    req(f"{FLOW_HOST}/ivr/account?dtmf=1234&attempts=1&success=true", command="Gather"),
    req(
        f"{FLOW_HOST}/ivr/account?dtmf=9999&attempts=2&success=true",
        "POST",
        {"gather": [{"dtmf": "9999"}], "meta": {"n": 2}},
        command="Gather",
    ),
    req(f"{FLOW_HOST}/ivr/start?from=%2B14155550000"),
    req(f"{FLOW_HOST}/ivr/nowhere"),
]
"""The requests of a few calls against the example IVR, as the engine would make them."""


def essentials(answer: HttpAnswer) -> tuple[int | None, str | None, str | None, str | None]:
    """An answer apart from its timing."""
    return answer.status, answer.text, answer.error, answer.source


# --- the example app, live ---------------------------------------------------------------------


def test_live_answers_equal_in_process_answers(ivr: LiveResolver) -> None:
    with AppResolver.from_spec("ivr_web:app", path=WEBAPP) as app:
        in_process = [essentials(app.resolve(r)) for r in CALL]
    live = [essentials(ivr.resolve(r)) for r in CALL]
    assert live == in_process
    assert [status for status, *_ in live] == [200, 200, 200, 200, 404]
    for _, text, _, _ in live[:4]:
        assert text and callflow.parse(text)
    assert live[0][1] and f'url="{FLOW_HOST}/ivr/account"' in live[0][1]


def test_flow_pointing_at_the_server_itself_needs_no_base(ivr_server: str) -> None:
    with LiveResolver() as direct:
        answer = direct.resolve(req(f"{ivr_server}/ivr/account?dtmf=0000"))
    assert answer.ok and answer.text and f'url="{ivr_server}/ivr/start"' in answer.text


def test_without_preserve_host_the_app_sees_the_server_address(ivr_server: str) -> None:
    with LiveResolver(ivr_server, preserve_host=False) as plain:
        answer = plain.resolve(req(f"{FLOW_HOST}/ivr/account?dtmf=0000"))
    assert answer.text and f'url="{ivr_server}/ivr/start"' in answer.text


def test_request_is_sent_as_opentact_would(faults: LiveResolver, faults_server: str) -> None:
    body = {"call": {"from": "+12125550100"}, "meta": {"retries": 2, "vip": True}}
    answer = faults.resolve(req(f"{FLOW_HOST}/faults/echo?lang=en&dtmf=1%23", "PATCH", body))
    assert (
        answer.ok and answer.text and answer.source == f"{FLOW_HOST}/faults/echo?lang=en&dtmf=1%23"
    )
    seen = json.loads(answer.text)
    assert seen["method"] == "PATCH" and seen["json"] == body
    assert seen["args"] == {"lang": ["en"], "dtmf": ["1#"]}
    assert seen["url"] == f"{FLOW_HOST}/faults/echo?lang=en&dtmf=1%23"
    assert seen["headers"]["host"] == "ivr.example.com"
    assert seen["headers"]["content-type"] == "application/json"


# --- failures ----------------------------------------------------------------------------------


def test_server_down_is_a_connection_error() -> None:
    port = closed_port()
    with LiveResolver(f"http://127.0.0.1:{port}") as resolver:
        answer = resolver.resolve(req(f"{FLOW_HOST}/ivr/start", timeout_ms=500))
    assert answer.status is None and not answer.ok
    assert answer.error == f"cannot connect to 127.0.0.1:{port}: connection refused"


def test_timeout_shorter_than_the_app_delay(faults: LiveResolver) -> None:
    answer = faults.resolve(req(f"{FLOW_HOST}/faults/slow?ms=1500", timeout_ms=200))
    assert (answer.status, answer.error) == (None, timeout_text(200))
    assert answer.elapsed_ms == 200


def test_http_500_is_a_status_not_an_error(faults: LiveResolver) -> None:
    for path in ("/faults/status?code=500", "/faults/crash"):
        answer = faults.resolve(req(FLOW_HOST + path))
        assert (answer.status, answer.error, answer.ok) == (500, None, False)


def test_non_xml_and_bad_schema_bodies_come_back_for_the_engine_to_judge(
    faults: LiveResolver,
) -> None:
    not_xml = faults.resolve(req(f"{FLOW_HOST}/faults/not-xml"))
    bad = faults.resolve(req(f"{FLOW_HOST}/faults/bad-schema"))
    assert not_xml.ok and bad.ok and not_xml.text and bad.text
    assert not_xml.text == "Hello, this is not XML."
    assert callflow.load(not_xml.text.encode()).findings[0].code == "CF001"
    assert callflow.load(bad.text.encode()).model is None


def test_endless_body_is_cut_at_the_size_bound(faults_server: str) -> None:
    with LiveResolver(faults_server, limits=Limits(max_bytes=200_000)) as resolver:
        answer = resolver.resolve(req(f"{FLOW_HOST}/faults/stream", timeout_ms=5000))
        assert answer.error == "response larger than 200000 bytes"
        assert resolver.resolve(req(f"{FLOW_HOST}/faults/ok")).ok  # the client still works


def test_trickling_body_is_cut_at_the_timeout(faults: LiveResolver) -> None:
    answer = faults.resolve(req(f"{FLOW_HOST}/faults/trickle?ms=20", timeout_ms=200))
    assert answer.error == timeout_text(200, started=True)


def test_redirect_loop_is_named(faults: LiveResolver) -> None:
    answer = faults.resolve(req(f"{FLOW_HOST}/faults/redirect-loop"))
    url = f"{FLOW_HOST}/faults/redirect-loop"
    assert answer.error == f"redirect loop: {url} -> {url}"


def test_redirect_chain_is_bounded(faults: LiveResolver) -> None:
    ok = faults.resolve(req(f"{FLOW_HOST}/faults/redirect?n=4"))
    assert ok.ok and ok.text and "All is well." in ok.text
    long = faults.resolve(req(f"{FLOW_HOST}/faults/redirect?n=5"))
    assert long.error and long.error.startswith("too many redirects (more than 5): ")
    assert long.error.count(" -> ") == 6


def test_see_other_after_post_continues_as_get(faults: LiveResolver) -> None:
    answer = faults.resolve(req(f"{FLOW_HOST}/faults/see-other", "POST", {"a": 1}))
    assert answer.ok and answer.text
    seen = json.loads(answer.text)
    assert (seen["method"], seen["json"], seen["args"]) == ("GET", None, {"from": ["see-other"]})
    assert seen["headers"]["host"] == "ivr.example.com"


# --- record live, replay offline ---------------------------------------------------------------


def test_recorded_live_run_replays_offline_identically(
    faults_server: str, ivr_server: str, tmp_path: Path
) -> None:
    cassette = tmp_path / "ivr.yaml"
    extra = [
        req(f"{FLOW_HOST}/faults/slow?ms=1000", timeout_ms=200),
        req(f"{FLOW_HOST}/faults/status?code=503"),
        req(f"{FLOW_HOST}/faults/redirect-loop"),
    ]
    with LiveResolver(ivr_server) as ivr, LiveResolver(faults_server) as faults:
        routes = RoutingResolver([(f"{FLOW_HOST}/faults", faults)], default=ivr)
        with RecordingResolver(routes, cassette) as recorder:
            recorded = [recorder.resolve(r) for r in [*CALL, *extra]]
    replay = CassetteResolver.load(cassette)
    replayed = [replay.resolve(r) for r in [*CALL, *extra]]
    assert replayed == recorded
    slow, unavailable, looping = recorded[-3:]
    assert slow.error == timeout_text(200)
    assert unavailable.status == 503
    assert looping.error and looping.error.startswith("redirect loop: ")


# --- base URL ------------------------------------------------------------------------------------

paths = st.lists(st.text("abc-_.~%20", min_size=1, max_size=6), max_size=3).map(
    lambda parts: "/" + "/".join(parts)
)
queries = st.dictionaries(st.sampled_from(["dtmf", "from", "tag"]), st.text("0123#+*", max_size=5))


@given(path=paths, query=queries, prefix=st.sampled_from(["", "/api", "/api/v1/"]))
def test_base_url_keeps_path_and_query(path: str, query: dict[str, str], prefix: str) -> None:
    qs = urlencode(query)
    url = f"{FLOW_HOST}{path}" + (f"?{qs}" if qs else "")
    sent, headers = rebase(url, f"http://127.0.0.1:8999{prefix}")
    expected_path = prefix.rstrip("/") + path
    assert sent == f"http://127.0.0.1:8999{expected_path}" + (f"?{qs}" if qs else "")
    assert headers["Host"] == "ivr.example.com" and headers["X-Forwarded-Proto"] == "https"


@pytest.mark.parametrize(
    "bad", ["127.0.0.1:5000", "ftp://127.0.0.1", "http://", "http://h:0", "http://h/?q=1"]
)
def test_bad_base_url_is_refused(bad: str) -> None:
    with pytest.raises(ValueError, match="invalid base URL"):
        LiveResolver(bad)


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        (
            "ftp://127.0.0.1",
            "invalid base URL 'ftp://127.0.0.1': it is not an absolute http(s) URL; "
            "expected http(s)://HOST[:PORT]",
        ),
        ("http://h/?q=1", "invalid base URL 'http://h/?q=1': it may not have a query or fragment"),
        ("http://h/#top", "invalid base URL 'http://h/#top': it may not have a query or fragment"),
    ],
)
def test_a_bad_base_url_is_refused_with_the_whole_reason(bad: str, message: str) -> None:
    with pytest.raises(ValueError) as refused:
        LiveResolver(bad)
    assert str(refused.value) == message


@pytest.mark.parametrize(
    ("url", "base", "sent"),
    [
        (
            "https://ivr.example.com",
            "http://127.0.0.1:8999/api/",
            "http://127.0.0.1:8999/api/",
        ),
        ("https://ivr.example.com/x", "http://127.0.0.1:8999/", "http://127.0.0.1:8999/x"),
        ("https://u:pw@ivr.example.com:8443/x?a=1#f", "http://127.0.0.1:8999", None),
    ],
)
def test_rebase_edges(url: str, base: str, sent: str | None) -> None:
    got, headers = rebase(url, base)
    if sent is not None:
        assert got == sent
        assert headers == {
            "Host": "ivr.example.com",
            "X-Forwarded-Host": "ivr.example.com",
            "X-Forwarded-Proto": "https",
        }
    else:  # credentials never reach the server, in the URL nor in the headers
        assert got == "http://127.0.0.1:8999/x?a=1"
        assert headers == {
            "Host": "ivr.example.com:8443",
            "X-Forwarded-Host": "ivr.example.com:8443",
            "X-Forwarded-Proto": "https",
        }


@contextmanager
def keep_alive_server() -> Iterator[tuple[str, dict[str, bool]]]:
    """One connection on 127.0.0.1 answered with keep-alive; ``seen["eof"]`` says whether the
    client then closed it (within 3 s)."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(1)
    listener.settimeout(5)
    seen = {"eof": False}

    def serve() -> None:
        try:
            conn, _ = listener.accept()
        except OSError:
            return
        with conn:
            conn.settimeout(3)
            data = b""
            try:
                while b"\r\n\r\n" not in data:
                    data += conn.recv(4096)
                body = b"<Response/>"
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body))
                seen["eof"] = conn.recv(4096) == b""
            except OSError:
                return

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}", seen
        thread.join(5)
    finally:
        listener.close()


def test_closing_the_resolver_closes_its_connections() -> None:
    with keep_alive_server() as (base, seen):
        live = LiveResolver()
        assert live.resolve(req(f"{base}/x")).text == "<Response/>"
        live.close()
    assert seen["eof"]


def test_leaving_the_with_block_closes_its_connections() -> None:
    with keep_alive_server() as (base, seen), LiveResolver() as live:
        assert live.resolve(req(f"{base}/x")).text == "<Response/>"
    assert seen["eof"]


def test_leaving_a_routing_block_closes_its_routes_connections() -> None:
    with keep_alive_server() as (base, seen):
        live = LiveResolver()
        with RoutingResolver([(base, live)]) as routes:
            assert routes.resolve(req(f"{base}/x")).text == "<Response/>"
    assert seen["eof"]


def test_proxy_variables_of_the_environment_are_ignored(monkeypatch: pytest.MonkeyPatch) -> None:
    """docs/http-requests.md: the simulator talks to the server it was told to."""
    nowhere = f"http://127.0.0.1:{closed_port()}"
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "http_proxy", "all_proxy"):
        monkeypatch.setenv(name, nowhere)
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    with keep_alive_server() as (base, _), LiveResolver() as live:
        got = live.resolve(req(f"{base}/x"))
    assert (got.status, got.text, got.error) == (200, "<Response/>", None)


@given(base_path=st.text("aX/-", max_size=8), path=st.text("aX/-", max_size=6))
def test_rebase_drops_only_the_bases_trailing_slashes(base_path: str, path: str) -> None:
    base = "http://127.0.0.1:8999" + ("/" + base_path if base_path else "")
    sent, _ = rebase(f"{FLOW_HOST}/{path}", base)
    assert sent == "http://127.0.0.1:8999" + ("/" + base_path).rstrip("/") + "/" + path
