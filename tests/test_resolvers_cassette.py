"""Cassettes: record what a backend answered, replay it offline with the same answers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simulator.http import Canned, CannedResolver, HttpAnswer, HttpRequest
from simulator.resolvers import AppResolver, CassetteError, CassetteResolver, RecordingResolver
from simulator.resolvers.cassette import Interaction, read_cassette, write_cassette

WEBAPP = Path(__file__).resolve().parents[1] / "examples" / "webapp"
HOST = "https://ivr.example.com"


def req(url: str, method: str = "GET", body: dict[str, Any] | None = None) -> HttpRequest:
    return HttpRequest(method, url, body, 1000, "Gather")


# --- round trip ----------------------------------------------------------------------------------

texts = st.text(st.characters(codec="utf-8"), max_size=200)
json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | texts,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(texts, inner, max_size=3),
    max_leaves=8,
)
requests = st.builds(
    HttpRequest,
    method=st.sampled_from(["GET", "POST", "PATCH", "DELETE"]),
    url=texts.map(lambda t: f"{HOST}/x?q={t}"),
    body=st.none() | st.dictionaries(texts, json_values, max_size=4),
    timeout_ms=st.integers(0, 120_000),
    command=st.sampled_from(["Callback", "Curl", "Gather"]),
)
answers = st.builds(
    HttpAnswer,
    status=st.none() | st.integers(100, 599),
    text=st.none() | texts,
    error=st.none() | texts,
    elapsed_ms=st.integers(0, 10**6),
    source=st.none() | texts,
).filter(lambda a: a.status is not None or a.error is not None)


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(st.builds(Interaction, requests, answers), max_size=5))
def test_a_cassette_reads_back_what_was_written(
    tmp_path: Path, recorded: list[Interaction]
) -> None:
    path = tmp_path / "c.yaml"
    write_cassette(path, recorded)
    assert read_cassette(path) == recorded


def test_recording_writes_only_on_close_and_leaves_no_temp_files(tmp_path: Path) -> None:
    path = tmp_path / "rec.yaml"
    canned = CannedResolver({f"{HOST}/a": Canned(xml="<Response/>")})
    recorder = RecordingResolver(canned, path)
    first = recorder.resolve(req(f"{HOST}/a?dtmf=1"))
    second = recorder.resolve(req(f"{HOST}/b"))
    assert not path.exists()
    recorder.close()
    assert [p.name for p in tmp_path.iterdir()] == ["rec.yaml"]
    assert [it.answer for it in read_cassette(path)] == [first, second]


def test_recording_an_in_process_app_replays_identically(tmp_path: Path) -> None:
    path = tmp_path / "app.yaml"
    calls = [
        req(f"{HOST}/ivr/start?from=%2B12125550100"),
        req(f"{HOST}/ivr/account?dtmf=1234", "POST", {"meta": {"vip": True}}),
        req(f"{HOST}/ivr/account?dtmf=0000"),
        req(f"{HOST}/missing"),
    ]
    with (
        AppResolver.from_spec("ivr_web:app", path=WEBAPP) as app,
        RecordingResolver(app, path) as recorder,
    ):
        recorded = [recorder.resolve(r) for r in calls]
    replay = CassetteResolver.load(path)
    assert [replay.resolve(r) for r in calls] == recorded
    assert [a.status for a in recorded] == [200, 200, 200, 404]
    # the XML lines are in the file as written, so a reviewer can read the cassette
    assert recorded[0].text and all(
        line in path.read_text() for line in recorded[0].text.splitlines() if line
    )


# --- matching ------------------------------------------------------------------------------------


def cassette(*pairs: tuple[HttpRequest, HttpAnswer]) -> CassetteResolver:
    return CassetteResolver([Interaction(r, a) for r, a in pairs])


def test_exact_match_uses_the_body_and_the_query() -> None:
    replay = cassette(
        (req(f"{HOST}/n?dtmf=1", "POST", {"a": 1}), HttpAnswer(200, "one-a")),
        (req(f"{HOST}/n?dtmf=1", "POST", {"a": 2}), HttpAnswer(200, "one-b")),
        (req(f"{HOST}/n?dtmf=2", "POST", {"a": 2}), HttpAnswer(200, "two")),
    )
    assert replay.resolve(req(f"{HOST}/n?dtmf=1", "POST", {"a": 2})).text == "one-b"
    assert replay.resolve(req(f"{HOST}/n?dtmf=2", "POST", {"a": 2})).text == "two"
    assert replay.resolve(req(f"{HOST}/n?dtmf=1", "post", {"a": 1})).text == "one-a"


def test_without_exact_match_the_url_without_query_is_used_in_order() -> None:
    replay = cassette(
        (req(f"{HOST}/n?call=old-1"), HttpAnswer(200, "first")),
        (req(f"{HOST}/n?call=old-2"), HttpAnswer(200, "second")),
    )
    got = [replay.resolve(req(f"{HOST}/n?call=new")).text for _ in range(3)]
    assert got == ["first", "second", "second"]


def test_repeated_exact_requests_get_successive_answers() -> None:
    replay = cassette(
        (req(f"{HOST}/poll"), HttpAnswer(503)),
        (req(f"{HOST}/poll"), HttpAnswer(200, "ready")),
    )
    got = [replay.resolve(req(f"{HOST}/poll")).status for _ in range(3)]
    assert got == [503, 200, 200]


def test_unmatched_request_fails_naming_it() -> None:
    replay = cassette((req(f"{HOST}/a"), HttpAnswer(200, "a")))
    for method, url in (("GET", f"{HOST}/b?x=1"), ("POST", f"{HOST}/a")):
        answer = replay.resolve(req(url, method))
        assert answer.error == f"no recorded answer for {method} {url}"
        assert not answer.ok


# --- unreadable cassettes ------------------------------------------------------------------------


def test_errors_name_the_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("version: 1\ninteractions:\n  - request: {method: GET\n")
    with pytest.raises(CassetteError) as caught:
        CassetteResolver.load(path)
    assert caught.value.file == str(path) and caught.value.line >= 3
    assert "not valid YAML" in str(caught.value)

    path.write_text(
        "version: 1\ninteractions:\n"
        "- request: {method: GET, url: 'https://a.test/'}\n  answer: {status: 200}\n"
        "- request: {method: GET}\n  answer: {status: 200}\n"
    )
    with pytest.raises(CassetteError) as caught:
        CassetteResolver.load(path)
    assert (caught.value.line, caught.value.message) == (5, "interaction 2: missing 'url'")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("- 1\n", "not a cassette"),
        ("version: 2\ninteractions: []\n", "not a cassette"),
        ("version: 1\ninteractions: {}\n", "'interactions' must be a list"),
        (
            "version: 1\ninteractions: [{request: {method: GET, url: u}, answer: {}}]\n",
            "answer needs a 'status' or an 'error'",
        ),
        (
            "version: 1\ninteractions: [{request: {method: GET, url: u}, answer: {status: 'x'}}]\n",
            "'status' must be int, not str",
        ),
        (
            "version: 1\ninteractions: [{request: {method: GET, url: u, body: [1]}, answer: {}}]\n",
            "request body must be a mapping",
        ),
    ],
)
def test_malformed_cassettes_are_refused(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(text)
    with pytest.raises(CassetteError) as caught:
        read_cassette(path)
    assert message in caught.value.message


def test_missing_cassette_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(CassetteError, match="cannot read cassette"):
        CassetteResolver.load(tmp_path / "none.yaml")
