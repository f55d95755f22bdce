"""One decoding for every answer (#15 item 3): live server, in-process app, canned file and
cassette read the same bytes the same way the file parser does (BOM, XML declaration, then the
HTTP charset), and bytes that are not text are a finding, never a replacement character."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from rawserver import answer, raw_server
from strategies import valid_documents
from test_parser import document_order
from test_resolvers_live import loopback_only

from callflow import parse
from callflow.cli import cli
from callflow.decoding import Undecodable, decode, detect
from callflow.parser import load, load_bytes
from simulator import CallContext, simulate
from simulator.documents import answered
from simulator.http import Canned, CannedResolver, HttpAnswer, HttpRequest, answer_of
from simulator.resolvers import AppResolver, CassetteResolver, LiveResolver, RecordingResolver

__all__ = ["loopback_only"]

SAY = "Café ☎ 𝄞"
DOC = f"<Response><Say>{SAY}</Say></Response>"
URL = "https://ivr.example.com/next"
FLOW = (
    f'<Response><Callback url="{URL}" timeout="3000">'
    "<Error><Say>handled</Say></Error></Callback></Response>"
)


# --- the one detection ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "charset", "codec", "why"),
    [
        (b"\xef\xbb\xbf<?xml version='1.0' encoding='latin-1'?>", "ascii", "utf-8-sig", "byte"),
        (b"\xff\xfe<\x00", "latin-1", "utf-16", "byte order mark"),
        (b"\xff\xfe\x00\x00<\x00\x00\x00", None, "utf-32", "byte order mark"),
        (b"<\x00?\x00x\x00", "latin-1", "utf-16-le", "XML declaration"),
        (b"\x00<\x00?\x00x", None, "utf-16-be", "XML declaration"),
        (b"<?xml version='1.0' encoding='ISO-8859-1'?><R/>", "utf-8", "ISO-8859-1", "declaration"),
        (b"<?xml version='1.0'?><R/>", "iso-8859-1", "iso-8859-1", "HTTP charset"),
        (b"<R/>", " windows-1252 ", "windows-1252", "HTTP charset"),
        (b"<R/>", None, "utf-8", "default"),
        (b"<R/>", "", "utf-8", "default"),
    ],
)
def test_bom_then_declaration_then_charset_then_utf8(
    data: bytes, charset: str | None, codec: str, why: str
) -> None:
    found = detect(data, charset)
    assert found.codec == codec and why in found.why


@given(
    st.text(st.characters(codec="utf-8"), max_size=50),
    st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "utf-32", "utf-16-be"]),
)
def test_any_text_with_a_bom_or_in_utf8_decodes_back(text: str, codec: str) -> None:
    text = "<" + text  # a document starts with "<": after a UTF-16 BOM, U+0000 would read as
    data = text.encode(codec)  # the UTF-32 BOM (libxml2 reads FF FE 00 00 the same way)
    assume(not text.startswith("<?"))  # a declaration may name another encoding: tested above
    if codec == "utf-16-be":
        data = b"\xfe\xff" + data
    assert decode(data, "iso-8859-1" if codec != "utf-8" else None) == text


@pytest.mark.parametrize(
    ("data", "charset", "message", "where"),
    [
        (b"<R>\nCaf\xe9</R>", None, "not valid utf-8 (the default: no byte order mark", (2, 4)),
        (
            b"<?xml version='1.0' encoding='UTF-8'?><R>\xe9</R>",
            "latin-1",
            "not valid UTF-8",
            (1, 42),
        ),
        (
            b"<R/>",
            "no-such-codec",
            "unknown encoding 'no-such-codec' (from the HTTP charset)",
            (1, 1),
        ),
        (b"\xff\xfe<\x00\x00\xd8", None, "not valid utf-16 (from the byte order mark)", (1, 5)),
    ],
)
def test_bytes_that_are_not_text_are_refused_saying_where(
    data: bytes, charset: str | None, message: str, where: tuple[int, int]
) -> None:
    with pytest.raises(Undecodable) as caught:
        decode(data, charset)
    assert message in caught.value.message
    assert (caught.value.line, caught.value.col) == where


# --- every backend, the same answer --------------------------------------------------------------

ENCODINGS: dict[str, tuple[bytes, str | None]] = {
    "utf16-bom": (DOC.encode("utf-16"), None),
    "utf8-bom": (DOC.encode("utf-8-sig"), None),
    "latin1-declared": (
        ("<?xml version='1.0' encoding='ISO-8859-1'?>" + DOC.replace(" ☎ 𝄞", "")).encode("latin-1"),
        "utf-8",  # the declaration wins over the HTTP charset
    ),
    "latin1-charset": (DOC.replace(" ☎ 𝄞", "").encode("latin-1"), "ISO-8859-1"),
}


def said(answer: HttpAnswer) -> str:
    doc, reason = answered(answer, URL)
    assert doc is not None, reason
    return str(getattr(doc.children[0], "content", ""))


def expected(case: str) -> str:
    return SAY if "utf" in case else "Café"


def content_type(charset: str | None) -> tuple[str, ...]:
    return (f"Content-Type: text/xml; charset={charset}",) if charset else ()


@pytest.mark.parametrize("case", sorted(ENCODINGS))
def test_a_live_answer_is_decoded_as_a_file_is(case: str) -> None:
    body, charset = ENCODINGS[case]
    with (
        raw_server(lambda seen: [answer(200, body, *content_type(charset))]) as (base, _),
        LiveResolver() as live,
    ):
        got = live.resolve(HttpRequest("GET", f"{base}/x", None, 3000, "Callback"))
    assert got.unreadable is None and said(got) == expected(case)
    if charset is None or "declared" in case:  # a file has no HTTP charset
        assert parse(body).children == parse(DOC.encode() if "utf" in case else body).children


def wsgi_serving(body: bytes, charset: str | None) -> Any:
    def app(environ: dict[str, Any], start_response: Any) -> list[bytes]:
        start_response(
            "200 OK", [("Content-Type", f"text/xml; charset={charset}")] if charset else []
        )
        return [body]

    return app


def asgi_serving(body: bytes, charset: str | None) -> Any:
    async def app(scope: dict[str, Any], receive: Any, send: Any) -> None:
        headers = [(b"content-type", f"text/xml; charset={charset}".encode())] if charset else []
        await send({"type": "http.response.start", "status": 200, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    return app


@pytest.mark.parametrize("kind", ["wsgi", "asgi"])
@pytest.mark.parametrize("case", sorted(ENCODINGS))
def test_an_in_process_answer_is_decoded_as_a_file_is(case: str, kind: str) -> None:
    body, charset = ENCODINGS[case]
    serving = wsgi_serving if kind == "wsgi" else asgi_serving
    with AppResolver(serving(body, charset), kind=kind) as app:  # type: ignore[arg-type]
        got = app.resolve(HttpRequest("GET", URL, None, 3000, "Callback"))
    assert got.unreadable is None and said(got) == expected(case)


@pytest.mark.parametrize("case", [c for c in sorted(ENCODINGS) if ENCODINGS[c][1] is None])
def test_a_canned_file_is_decoded_as_a_file_is(tmp_path: Path, case: str) -> None:
    file = tmp_path / "answer.xml"
    file.write_bytes(ENCODINGS[case][0])
    got = CannedResolver({URL: Canned(file=file)}).resolve(
        HttpRequest("GET", URL, None, 1, "Gather")
    )
    assert said(got) == SAY


LATIN1 = DOC.replace(" ☎ 𝄞", "").encode("latin-1")  # no declaration, no charset: not UTF-8


def test_an_undecodable_live_answer_is_a_finding_not_a_replacement_character() -> None:
    with (
        raw_server(lambda seen: [answer(200, LATIN1, "Content-Type: text/xml")]) as (base, _),
        LiveResolver() as live,
    ):
        got = live.resolve(HttpRequest("GET", f"{base}/x", None, 3000, "Callback"))
    assert got.status == 200 and got.text is None and got.error is None
    assert got.unreadable == (
        f"{base}/x:1:19: CF011 error cannot decode the answer: not valid utf-8 (the default: "
        "no byte order mark, XML declaration or HTTP charset): byte 0xe9"
    )
    doc, reason = answered(got, f"{base}/x")
    assert doc is None and reason == f"the answer is not a valid call flow: {got.unreadable}"


def test_an_undecodable_answer_fails_the_callback_and_its_error_runs(tmp_path: Path) -> None:
    flow = tmp_path / "flow.xml"
    flow.write_text(FLOW)
    with raw_server(lambda seen: [answer(200, LATIN1)]) as (base, _):
        result = CliRunner().invoke(cli, ["simulate", str(flow), "--base-url", base])
    assert "CF011 error cannot decode the answer: not valid utf-8" in result.output
    assert '"handled"' in result.output and "\ufffd" not in result.output


def test_a_curl_does_not_read_its_answer(tmp_path: Path) -> None:
    flow = parse(f'<Response><Curl url="{URL}"/><Say>after</Say></Response>')
    file = tmp_path / "bad.xml"
    file.write_bytes(LATIN1)
    run = simulate(flow, http=CannedResolver({URL: Canned(file=file)}), context=CallContext())
    assert run.said("after") and not run.of_kind("error")


@pytest.mark.parametrize("encoding", ["utf-16", "latin-1"])
def test_http_url_file_never_ends_in_a_traceback(tmp_path: Path, encoding: str) -> None:
    flow = tmp_path / "flow.xml"
    flow.write_text(FLOW)
    file = tmp_path / "answer.xml"
    file.write_bytes(DOC.replace(" ☎ 𝄞", "").encode(encoding))
    result = CliRunner().invoke(cli, ["simulate", str(flow), "--http", f"{URL}={file}"])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    if encoding == "utf-16":
        assert '"Café"' in result.output and "handled" not in result.output
    else:
        assert f"{file}:1:19: CF011 error cannot decode the answer" in result.output
        assert '"handled"' in result.output


def test_a_cassette_replays_an_undecodable_answer_as_the_same_finding(tmp_path: Path) -> None:
    file = tmp_path / "bad.xml"
    file.write_bytes(LATIN1)
    request = HttpRequest("GET", URL, None, 1000, "Callback")
    path = tmp_path / "c.yaml"
    with RecordingResolver(CannedResolver({URL: Canned(file=file)}), path) as recorder:
        recorded = recorder.resolve(request)
    replayed = CassetteResolver.load(path).resolve(request)
    assert replayed == recorded and replayed.unreadable is not None


def test_answer_of_keeps_status_and_time() -> None:
    got = answer_of(201, b"\xff\xfe" + "<Response/>".encode("utf-16-le"), None, URL, 7)
    assert (got.status, got.text, got.elapsed_ms, got.source) == (201, "<Response/>", 7, URL)


@pytest.mark.parametrize("encoding", ["utf-16", "utf-32", "utf-8-sig"])
def test_a_scenario_file_answer_is_decoded_as_a_file_is(tmp_path: Path, encoding: str) -> None:
    (tmp_path / "flow.xml").write_text(FLOW)
    (tmp_path / "answer.xml").write_bytes(DOC.encode(encoding))
    scenario = tmp_path / "s.yaml"
    scenario.write_text(
        f"flow: flow.xml\nhttp:\n  {URL}: {{file: answer.xml}}\nexpect:\n  - say: {SAY}\n"
        "  - not_say: handled\n"
    )
    result = CliRunner().invoke(cli, ["test", str(scenario)])
    assert result.exit_code == 0, result.output


@settings(max_examples=60, deadline=None)
@given(valid_documents(), st.sampled_from(["utf-8", "utf-8-sig", "utf-16", "utf-32"]))
def test_an_answer_reads_as_the_same_bytes_in_a_file(doc: str, codec: str) -> None:
    """The parser and the HTTP side decode alike: a document answered over HTTP gives the
    model the same bytes give as a flow file, positions included (the answered text is read
    as ``simulator.documents`` reads it: UTF-8, the encoding already applied)."""
    data = doc.encode(codec)
    from_file = load(data, "same.xml")
    got = answer_of(200, data, None, "same.xml")
    assert got.text is not None and got.unreadable is None
    from_answer = load_bytes(got.text.encode("utf-8"), "same.xml", "utf-8")
    assert from_file.model is not None and from_answer.model == from_file.model
    assert [n.pos for n in document_order(from_answer.model)] == [
        n.pos for n in document_order(from_file.model)
    ]
