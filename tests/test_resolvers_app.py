"""AppResolver: the user's WSGI/ASGI app called in-process, with the bounds of a live server."""

from __future__ import annotations

import asyncio
import json
import socket
import sys
from collections.abc import Awaitable, Callable, Iterator, MutableMapping
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import pytest

import callflow
from callflow import model as m
from callflow.lint import lint_source
from simulator.http import HttpRequest
from simulator.resolvers import AppLoadError, AppResolver, Limits, load_app
from simulator.resolvers.exchange import timeout_text
from simulator.resolvers.loader import app_kind

WEBAPP = Path(__file__).resolve().parents[1] / "examples" / "webapp"
FLOW_HOST = "https://ivr.example.com"
Message = MutableMapping[str, Any]


def req(
    url: str, method: str = "GET", body: dict[str, Any] | None = None, timeout_ms: int = 1000
) -> HttpRequest:
    return HttpRequest(method, url, body, timeout_ms, "Callback")


def spoken(doc: m.Response) -> list[str]:
    """Every Say text of the document, depth first."""
    out: list[str] = []

    def walk(node: Any) -> None:
        if isinstance(node, m.Say):
            out.append(node.text or node.content or "")
        for child in getattr(node, "children", ()):
            walk(child)

    walk(doc)
    return out


def top(doc: m.Response, kind: type[Any]) -> list[Any]:
    return [c for c in doc.children if isinstance(c, kind)]


@pytest.fixture(autouse=True)
def no_sockets(monkeypatch: pytest.MonkeyPatch) -> None:
    """In-process means no network at all: any outgoing connection fails the test."""

    def refuse(address: Any, *args: Any, **kwargs: Any) -> socket.socket:
        raise AssertionError(f"in-process test opened a connection to {address}")

    monkeypatch.setattr(socket, "create_connection", refuse)


@pytest.fixture(scope="module")
def ivr() -> Iterator[AppResolver]:
    with AppResolver.from_spec("ivr_web:app", path=WEBAPP) as resolver:
        yield resolver


@pytest.fixture(scope="module")
def faults() -> Iterator[AppResolver]:
    with AppResolver.from_spec("faults:app", path=WEBAPP) as resolver:
        yield resolver


# --- the example app, in-process --------------------------------------------------------------


def test_menu_depends_on_the_caller_number(ivr: AppResolver) -> None:
    known = ivr.resolve(req(f"{FLOW_HOST}/ivr/start?from=%2B12125550100&tn=%2B18005550199"))
    stranger = ivr.resolve(req(f"{FLOW_HOST}/ivr/start?from=%2B14155550000"))
    withheld = ivr.resolve(req(f"{FLOW_HOST}/ivr/start"))
    assert known.ok and stranger.ok and withheld.ok
    assert known.text and stranger.text and withheld.text
    known_doc, stranger_doc = callflow.parse(known.text), callflow.parse(stranger.text)
    assert "Welcome back, Alice." in spoken(known_doc)
    assert "Welcome to Example Bank." in spoken(stranger_doc)
    (known_gather,) = top(known_doc, m.Gather)
    (stranger_gather,) = top(stranger_doc, m.Gather)
    assert known_gather.attempts > stranger_gather.attempts
    assert known_gather.dtmf_length == 4
    assert known_gather.url == f"{FLOW_HOST}/ivr/account"
    withheld_doc = callflow.parse(withheld.text)
    assert top(withheld_doc, m.Gather) == [] and top(withheld_doc, m.Hangup)


def test_known_account_hears_balance_and_is_put_through(ivr: AppResolver) -> None:
    answer = ivr.resolve(req(f"{FLOW_HOST}/ivr/account?dtmf=1234&attempts=1&success=true"))
    assert (
        answer.ok
        and answer.text
        and answer.source == f"{FLOW_HOST}/ivr/account?dtmf=1234&attempts=1&success=true"
    )
    doc = callflow.parse(answer.text)
    assert any("152 dollars and 30 cents" in s for s in spoken(doc))
    (dial,) = top(doc, m.Dial)
    assert [c.content for c in dial.children if isinstance(c, m.To)] == ["+12125550142"]


def test_unknown_account_is_sent_back_to_start_on_the_request_host(ivr: AppResolver) -> None:
    for host in (FLOW_HOST, "http://localhost:8080"):
        answer = ivr.resolve(req(f"{host}/ivr/account?dtmf=9999"))
        assert answer.ok and answer.text
        doc = callflow.parse(answer.text)
        assert any("9 9 9 9" in s for s in spoken(doc))
        (callback,) = top(doc, m.Callback)
        assert callback.url == f"{host}/ivr/start"


@pytest.mark.parametrize(
    "path",
    [
        "/ivr/start?from=%2B12125550100",
        "/ivr/start?from=%2B14155550000",
        "/ivr/start",
        "/ivr/account?dtmf=1234",
        "/ivr/account?dtmf=0000",
    ],
)
def test_every_document_of_the_example_lints_clean(ivr: AppResolver, path: str) -> None:
    answer = ivr.resolve(req(FLOW_HOST + path))
    assert answer.ok and answer.text
    assert [f.render() for f in lint_source(answer.text, answer.source)] == []


def test_request_reaches_the_app_as_sent(faults: AppResolver) -> None:
    body = {"call": {"uuid": "00000000-0000-0000-0000-000000000001"}, "meta": {"n": 2}}
    answer = faults.resolve(req(f"{FLOW_HOST}/faults/echo?lang=en&dtmf=12", "POST", body))
    assert answer.ok and answer.text
    seen = json.loads(answer.text)
    assert seen["method"] == "POST"
    assert seen["url"].startswith(f"{FLOW_HOST}/faults/echo?")
    assert seen["args"] == {"lang": ["en"], "dtmf": ["12"]}
    assert seen["json"] == body
    assert seen["headers"]["host"] == "ivr.example.com"


def test_see_other_turns_post_into_bodiless_get(faults: AppResolver) -> None:
    answer = faults.resolve(req(f"{FLOW_HOST}/faults/see-other", "POST", {"a": 1}))
    assert answer.ok and answer.text
    seen = json.loads(answer.text)
    assert (seen["method"], seen["json"]) == ("GET", None)


# --- failures, in-process ---------------------------------------------------------------------


def test_app_slower_than_timeout_fails_as_a_timeout(faults: AppResolver) -> None:
    answer = faults.resolve(req(f"{FLOW_HOST}/faults/slow?ms=1500", timeout_ms=200))
    assert not answer.ok and answer.status is None
    assert answer.error == timeout_text(200)
    assert answer.elapsed_ms == 200


def test_app_within_timeout_answers(faults: AppResolver) -> None:
    answer = faults.resolve(req(f"{FLOW_HOST}/faults/slow?ms=10", timeout_ms=2000))
    assert answer.ok and answer.text and callflow.parse(answer.text)


@pytest.mark.parametrize("code", [404, 500, 503])
def test_error_status_is_an_answer_not_ok(faults: AppResolver, code: int) -> None:
    answer = faults.resolve(req(f"{FLOW_HOST}/faults/status?code={code}"))
    assert (answer.status, answer.error, answer.ok) == (code, None, False)


def test_flask_view_crash_is_a_500(faults: AppResolver) -> None:
    answer = faults.resolve(req(f"{FLOW_HOST}/faults/crash"))
    assert answer.status == 500 and not answer.ok


def test_non_xml_body_passes_through_for_the_engine_to_refuse(faults: AppResolver) -> None:
    answer = faults.resolve(req(f"{FLOW_HOST}/faults/not-xml"))
    assert answer.ok and answer.text == "Hello, this is not XML."
    loaded = callflow.load(answer.text.encode(), answer.source)
    assert loaded.model is None and loaded.findings[0].code == "CF001"


def test_endless_body_is_cut_at_the_size_bound() -> None:
    limits = Limits(max_bytes=200_000)
    with AppResolver.from_spec("faults:app", path=WEBAPP, limits=limits) as faults:
        answer = faults.resolve(req(f"{FLOW_HOST}/faults/stream", timeout_ms=5000))
    assert answer.error == "response larger than 200000 bytes" and answer.status is None


def test_trickling_body_is_cut_at_the_timeout(faults: AppResolver) -> None:
    answer = faults.resolve(req(f"{FLOW_HOST}/faults/trickle?ms=20", timeout_ms=200))
    assert answer.error == timeout_text(200, started=True)


def test_redirects_followed_up_to_the_bound(faults: AppResolver) -> None:
    assert faults.resolve(req(f"{FLOW_HOST}/faults/redirect?n=3")).ok
    too_many = faults.resolve(req(f"{FLOW_HOST}/faults/redirect?n=9"))
    assert too_many.error and too_many.error.startswith("too many redirects (more than 5)")
    loop = faults.resolve(req(f"{FLOW_HOST}/faults/redirect-loop"))
    url = f"{FLOW_HOST}/faults/redirect-loop"
    assert loop.error == f"redirect loop: {url} -> {url}"


def _raising_wsgi(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
    raise RuntimeError("boom in WSGI")


def _exiting_wsgi(environ: dict[str, Any], start_response: Callable[..., Any]) -> list[bytes]:
    raise SystemExit(3)


@pytest.mark.parametrize(
    ("app", "reason"),
    [(_raising_wsgi, "RuntimeError: boom in WSGI"), (_exiting_wsgi, "SystemExit: 3")],
)
def test_exception_in_a_raw_wsgi_app_is_a_500(app: Any, reason: str) -> None:
    with AppResolver(app) as resolver:
        answer = resolver.resolve(req("http://app.test/x"))
    assert answer.status == 500 and answer.error == f"the app raised {reason}"


# --- an ASGI app (a raw callable; FastAPI and Starlette apps are the same to httpx) -----------


async def tiny_asgi(
    scope: Message,
    receive: Callable[[], Awaitable[Message]],
    send: Callable[[Message], Awaitable[None]],
) -> None:
    """Routes by path: /doc answers a document naming the dtmf it got; others misbehave."""
    assert scope["type"] == "http"
    path, query = scope["path"], parse_qs(scope["query_string"].decode())
    request = await receive()
    if path == "/boom":
        raise ValueError("boom in ASGI")
    if path == "/sleep":
        await asyncio.sleep(5)
    headers = [(b"content-type", b"application/xml")]
    await send({"type": "http.response.start", "status": 200, "headers": headers})
    if path == "/stream":
        while True:
            await send({"type": "http.response.body", "body": b"x" * 65536, "more_body": True})
    if path == "/trickle":
        while True:
            await asyncio.sleep(0.02)
            await send({"type": "http.response.body", "body": b"x", "more_body": True})
    dtmf = query.get("dtmf", ["none"])[0]
    got = json.loads(request["body"]) if request.get("body") else None
    text = f"<Response><Say>You pressed {dtmf} with {scope['method']} {got}</Say></Response>"
    await send({"type": "http.response.body", "body": text.encode()})


class AsgiObject:
    """An ASGI app as an object with an async ``__call__`` (how FastAPI and Starlette look)."""

    async def __call__(self, scope: Message, receive: Any, send: Any) -> None:
        await tiny_asgi(scope, receive, send)


@pytest.fixture(scope="module")
def asgi() -> Iterator[AppResolver]:
    with AppResolver(tiny_asgi, limits=Limits(max_bytes=300_000)) as resolver:
        yield resolver


def test_asgi_app_answers_in_process(asgi: AppResolver) -> None:
    assert asgi.kind == "asgi"
    answer = asgi.resolve(req("https://ivr.example.com/doc?dtmf=42", "POST", {"k": 1}))
    assert answer.ok and answer.text
    assert spoken(callflow.parse(answer.text)) == ["You pressed 42 with POST {'k': 1}"]


def test_asgi_object_app_is_detected_and_answers() -> None:
    with AppResolver(AsgiObject()) as resolver:
        assert resolver.kind == "asgi"
        answer = resolver.resolve(req("https://ivr.example.com/doc?dtmf=7"))
    assert answer.ok and answer.text and "You pressed 7 with GET" in answer.text


def test_asgi_exception_is_a_500(asgi: AppResolver) -> None:
    answer = asgi.resolve(req("https://ivr.example.com/boom"))
    assert answer.status == 500 and answer.error == "the app raised ValueError: boom in ASGI"


def test_asgi_slower_than_timeout_is_cancelled(asgi: AppResolver) -> None:
    answer = asgi.resolve(req("https://ivr.example.com/sleep", timeout_ms=200))
    assert answer.error == timeout_text(200) and answer.elapsed_ms == 200
    assert asgi.resolve(req("https://ivr.example.com/doc?dtmf=1")).ok  # the loop still serves


def test_asgi_endless_body_is_bounded(asgi: AppResolver) -> None:
    answer = asgi.resolve(req("https://ivr.example.com/stream", timeout_ms=5000))
    assert answer.error == "response larger than 300000 bytes"


def test_asgi_trickle_is_cut_at_the_timeout(asgi: AppResolver) -> None:
    answer = asgi.resolve(req("https://ivr.example.com/trickle", timeout_ms=200))
    assert answer.error == timeout_text(200, started=True)


def test_asgi_resolver_works_from_inside_a_running_event_loop(asgi: AppResolver) -> None:
    async def inside() -> bool:
        return asgi.resolve(req("https://ivr.example.com/doc?dtmf=5")).ok

    assert asyncio.run(inside())


# --- loading MODULE:ATTR ----------------------------------------------------------------------


def test_app_imported_from_the_current_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "cwd_only_app.py").write_text(
        "def app(environ, start_response):\n"
        "    start_response('200 OK', [('Content-Type', 'application/xml')])\n"
        "    return [b'<Response><Say>' + environ['PATH_INFO'].encode() + b'</Say></Response>']\n"
        "def make():\n"
        "    return app\n"
    )
    monkeypatch.chdir(tmp_path)
    monkeypatch.delitem(sys.modules, "cwd_only_app", raising=False)
    before = list(sys.path)
    with AppResolver.from_spec("cwd_only_app:app") as resolver:
        assert (
            resolver.resolve(req("http://x.test/hello")).text
            == "<Response><Say>/hello</Say></Response>"
        )
    assert sys.path == before
    assert load_app("cwd_only_app:make()") is load_app("cwd_only_app:app")


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("no_colon_here", "expected MODULE:ATTR"),
        ("surely_missing_module_xyz:app", "app module 'surely_missing_module_xyz' not found"),
        ("ivr_web:nope", "module ivr_web has no attribute nope"),
        ("ivr_web:SUPPORT", "is not a WSGI or ASGI app (got str)"),
        ("ivr_web:start", "is not a WSGI or ASGI app: it does not take"),
        ("ivr_web:SUPPORT()", "SUPPORT is not callable"),
    ],
)
def test_clear_errors_when_the_app_cannot_be_loaded(spec: str, message: str) -> None:
    with pytest.raises(AppLoadError) as caught:
        AppResolver.from_spec(spec, path=WEBAPP)
    assert message in str(caught.value)


def test_import_failure_inside_the_module_is_named(tmp_path: Path) -> None:
    (tmp_path / "needs_missing_dep.py").write_text("import surely_missing_dep_abc\napp = None\n")
    (tmp_path / "raises_on_import.py").write_text("raise RuntimeError('bad config')\n")
    with pytest.raises(AppLoadError) as missing:
        load_app("needs_missing_dep:app", tmp_path)
    assert "importing needs_missing_dep failed" in str(missing.value)
    assert "surely_missing_dep_abc" in str(missing.value)
    with pytest.raises(AppLoadError) as raising:
        load_app("raises_on_import:app", tmp_path)
    assert "RuntimeError: bad config" in str(raising.value)


def test_kind_detection() -> None:
    def wsgi(environ: Any, start_response: Any) -> list[bytes]:
        return []

    def asgi_sync_def(scope: Any, receive: Any, send: Any) -> Any:
        return tiny_asgi(scope, receive, send)

    assert app_kind(wsgi) == "wsgi"
    assert app_kind(tiny_asgi) == "asgi"
    assert app_kind(AsgiObject()) == "asgi"
    assert app_kind(asgi_sync_def) == "asgi"
    assert app_kind(load_app("ivr_web:app", WEBAPP)) == "wsgi"
    for not_an_app in (42, AsgiObject, lambda: None, sys):
        with pytest.raises(AppLoadError):
            app_kind(not_an_app)
