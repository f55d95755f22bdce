"""Cassettes: record what a backend answered, replay it offline with the same answers."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simulator.http import Canned, CannedResolver, HttpAnswer, HttpRequest
from simulator.resolvers import AppResolver, CassetteError, CassetteResolver, RecordingResolver
from simulator.resolvers.cassette import Interaction, read_cassette, read_tape, write_cassette

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
    unreadable=st.none() | texts,
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


def test_another_callers_request_is_not_answered_with_the_recording() -> None:
    """#15: replay fell back to the URL without its query and served Alice's balance to Bob."""
    alice = f"{HOST}/ivr/account?dtmf=1234&from=%2B12125550100"
    bob = f"{HOST}/ivr/account?dtmf=9999&from=%2B12125550100"
    replay = cassette((req(alice), HttpAnswer(200, "<Response><Say>Hello Alice</Say></Response>")))
    answer = replay.resolve(req(bob))
    assert not answer.ok and answer.text is None
    assert answer.error == (
        f"no recorded answer for GET {bob} (nearest recorded: GET {alice}; "
        "differs in: dtmf=9999 vs 1234)"
    )


def test_loose_matching_only_when_the_cassette_asks_for_it() -> None:
    recorded = [
        Interaction(req(f"{HOST}/n?call=old-1"), HttpAnswer(200, "first")),
        Interaction(req(f"{HOST}/n?call=old-2"), HttpAnswer(200, "second")),
    ]
    loose = CassetteResolver(list(recorded), match=("method", "path"))
    got = [loose.resolve(req(f"{HOST}/n?call=new")).text for _ in range(3)]
    assert got == ["first", "second", "second"]
    assert loose.resolve(req(f"{HOST}/n?call=new", "POST")).error is not None
    assert loose.resolve(req(f"{HOST}/m?call=old-1")).error is not None
    strict = CassetteResolver(list(recorded))
    assert strict.resolve(req(f"{HOST}/n?call=new")).error is not None


@pytest.mark.parametrize(
    ("recorded", "asked", "differs"),
    [
        (req(f"{HOST}/a?x=1"), req(f"{HOST}/a?x=1", "POST"), "method POST vs GET"),
        (req(f"{HOST}/a"), req("http://ivr.example.com/a"), "scheme http vs https, port 80 vs 443"),
        (req(f"{HOST}/a"), req("https://other.example.com/a"), "host other.example.com vs ivr"),
        (req(f"{HOST}/a"), req("https://ivr.example.com:8443/a"), "port 8443 vs 443"),
        (req(f"{HOST}/a?x=1&y=2"), req(f"{HOST}/a?y=2"), "x=(absent) vs 1"),
        (req(f"{HOST}/a?y=2"), req(f"{HOST}/a?y=2&y=3"), "y=2 & 3 vs 2"),
        (req(f"{HOST}/a", "POST", {"a": 1}), req(f"{HOST}/a", "POST", {"a": 2}), 'body {"a": 2}'),
        (req(f"{HOST}/a", "POST", {"a": 1}), req(f"{HOST}/a", "POST"), "body (none) vs"),
    ],
)
def test_each_difference_is_named(recorded: HttpRequest, asked: HttpRequest, differs: str) -> None:
    answer = cassette((recorded, HttpAnswer(200, "x"))).resolve(asked)
    assert answer.error is not None and f"differs in: {differs}" in answer.error


@pytest.mark.parametrize("key", ["method", "scheme", "host", "port", "path", "query", "body"])
def test_each_match_key_is_compared_only_when_listed(key: str) -> None:
    recorded = req(f"{HOST}/a?x=1", "GET")
    changed = {
        "method": req(f"{HOST}/a?x=1", "DELETE"),
        "scheme": req("http://ivr.example.com:443/a?x=1"),
        "host": req("https://IVR2.example.com/a?x=1"),
        "port": req("https://ivr.example.com:444/a?x=1"),
        "path": req(f"{HOST}/b?x=1"),
        "query": req(f"{HOST}/a?x=2"),
        "body": req(f"{HOST}/a?x=1", "GET", {"k": 1}),
    }[key]
    others = tuple(
        k for k in ("method", "scheme", "host", "port", "path", "query", "body") if k != key
    )
    loose = CassetteResolver([Interaction(recorded, HttpAnswer(200, "x"))], match=others)
    assert loose.resolve(changed).text == "x"
    strict = CassetteResolver([Interaction(recorded, HttpAnswer(200, "x"))])
    error = strict.resolve(changed).error
    assert error is not None and "differs in: " in error


def test_the_nearest_recording_is_the_one_with_fewest_differences() -> None:
    replay = cassette(
        (req(f"{HOST}/b?dtmf=1&from=x"), HttpAnswer(200, "b")),
        (req(f"{HOST}/a?dtmf=1&from=y"), HttpAnswer(200, "a1")),
        (req(f"{HOST}/a?dtmf=1&from=x"), HttpAnswer(200, "a2")),
    )
    error = replay.resolve(req(f"{HOST}/a?dtmf=2&from=x")).error
    assert error is not None
    assert f"nearest recorded: GET {HOST}/a?dtmf=1&from=x; differs in: dtmf=2 vs 1)" in error


def test_an_empty_cassette_says_so() -> None:
    error = CassetteResolver([]).resolve(req(f"{HOST}/a")).error
    assert error == f"no recorded answer for GET {HOST}/a (the cassette is empty)"


def test_match_is_read_from_the_cassette(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(
        "version: 1\nmatch: [path, method]\ninteractions:\n"
        "- request: {method: GET, url: 'https://a.test/n?call=1'}\n"
        "  answer: {status: 200, text: hi}\n"
    )
    replay = CassetteResolver.load(path)
    assert replay.match == ("method", "path")
    assert replay.resolve(req("https://a.test/n?call=2")).text == "hi"


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
        assert answer.error is not None
        assert answer.error.startswith(f"no recorded answer for {method} {url} (nearest recorded:")
        assert not answer.ok


# --- unreadable cassettes ------------------------------------------------------------------------


def test_errors_name_the_file_and_line(tmp_path: Path) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text("version: 1\ninteractions:\n  - request: {method: GET\n")
    with pytest.raises(CassetteError) as caught:
        CassetteResolver.load(path)
    assert caught.value.file == str(path) and caught.value.line >= 3
    assert "invalid YAML" in str(caught.value)

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
        ("- 1\n", "not a cassette (expected 'version: 1' at the top)"),
        ("version: 2\ninteractions: []\n", "not a cassette (expected 'version: 1' at the top)"),
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
        (
            "version: 1\ninteractions: [{request: {method: GET, url: u, body: {a: 2026-01-01}}, "
            "answer: {status: 200}}]\n",
            "request body must be a mapping of JSON data",
        ),
        (
            "version: 1\ninteractions: [{request: {method: GET, url: u, body: {a: [{1: x}]}}, "
            "answer: {status: 200}}]\n",
            "request body must be a mapping of JSON data",
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


# --- values refused at their line (#15 item 6, #16, #24) -----------------------------------------

ENTRY = "- request: {method: GET, url: 'https://a.test/'}\n  answer: {%s}\n"


@pytest.mark.parametrize(
    ("answer", "message", "col"),
    [
        ("status: 200, elapsed_ms: -5", "answer 'elapsed_ms' -5 is not a duration", 37),
        ("status: 200, elapsed_ms: 86400001", "answer 'elapsed_ms' 86400001 is not a duration", 37),
        ("status: 99", "'status' 99 is not an HTTP status (100 to 599)", 20),
        ("status: 600", "'status' 600 is not an HTTP status", 20),
        ("status: 200000", "'status' 200000 is not an HTTP status", 20),
    ],
)
def test_negative_durations_and_absurd_statuses_are_refused_at_their_line(
    tmp_path: Path, answer: str, message: str, col: int
) -> None:
    path = tmp_path / "c.yaml"
    path.write_text("version: 1\ninteractions:\n" + ENTRY % "status: 200" + ENTRY % answer)
    with pytest.raises(CassetteError) as caught:
        read_cassette(path)
    assert caught.value.message.startswith(f"interaction 2: {message}")
    assert (caught.value.line, caught.value.col) == (6, col)


def test_a_negative_request_timeout_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(
        "version: 1\ninteractions:\n"
        "- request: {method: GET, url: u, timeout_ms: -1}\n  answer: {status: 200}\n"
    )
    with pytest.raises(CassetteError, match="'timeout_ms' -1 is not a duration") as caught:
        read_cassette(path)
    assert caught.value.line == 3


@pytest.mark.parametrize(
    ("value", "ok"), [(0, True), (86_400_000, True), (-1, False), (86_400_001, False)]
)
def test_elapsed_bounds_are_inclusive(tmp_path: Path, value: int, ok: bool) -> None:
    path = tmp_path / "c.yaml"
    path.write_text("version: 1\ninteractions:\n" + ENTRY % f"status: 200, elapsed_ms: {value}")
    if ok:
        assert read_cassette(path)[0].answer.elapsed_ms == value
    else:
        with pytest.raises(CassetteError):
            read_cassette(path)


@pytest.mark.parametrize("status", [100, 599])
def test_status_bounds_are_inclusive(tmp_path: Path, status: int) -> None:
    path = tmp_path / "c.yaml"
    path.write_text("version: 1\ninteractions:\n" + ENTRY % f"status: {status}")
    assert read_cassette(path)[0].answer.status == status


def test_elapsed_and_timeout_default_to_zero(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text("version: 1\ninteractions:\n" + ENTRY % "status: 204")
    (it,) = read_cassette(path)
    assert (it.answer.elapsed_ms, it.request.timeout_ms, it.request.command) == (0, 0, "")
    assert (it.answer.text, it.answer.error, it.answer.source) == (None, None, None)


@pytest.mark.parametrize(
    "entry", ["- 42\n", "- [request, answer]\n", "- {request: 1, answer: {}}\n"]
)
def test_an_entry_that_is_not_a_request_answer_mapping_is_refused(
    tmp_path: Path, entry: str
) -> None:
    path = tmp_path / "c.yaml"
    path.write_text("version: 1\ninteractions:\n" + ENTRY % "status: 200" + entry)
    with pytest.raises(CassetteError) as caught:
        read_cassette(path)
    assert caught.value.message == "interaction 2: expected a mapping with 'request' and 'answer'"
    assert caught.value.line == 5


@pytest.mark.parametrize("opening", ["[", "{a: ", "- "])
def test_a_cassette_nested_ten_thousand_deep_is_a_clean_error(tmp_path: Path, opening: str) -> None:
    path = tmp_path / "deep.yaml"
    closing = {"[": "]", "{a: ": "}", "- ": ""}[opening]
    body = opening * 10_000 + "x" + closing * 10_000
    if opening == "- ":
        body = "".join("  " * i + "-\n" for i in range(10_000)) + "  " * 10_000 + "x\n"
    path.write_text("version: 1\ninteractions:\n" + body)
    with pytest.raises(CassetteError) as caught:
        read_cassette(path)
    assert caught.value.file == str(path)
    assert "nested" in caught.value.message or "invalid YAML" in caught.value.message


def test_the_cli_reports_a_deep_cassette_without_a_traceback(tmp_path: Path) -> None:
    from click.testing import CliRunner

    from callflow.cli import cli

    path = tmp_path / "deep.yaml"
    path.write_text("version: 1\ninteractions: " + "[" * 10_000 + "]" * 10_000 + "\n")
    flow = WEBAPP / "flow.xml"
    result = CliRunner().invoke(cli, ["simulate", str(flow), "--replay-http", str(path)])
    assert result.exit_code == 2
    assert "nested" in result.output and "Traceback" not in result.output


@pytest.mark.parametrize("match", ["[]", "[path, verb]", "path", "[1]"])
def test_a_bad_match_list_is_refused_at_its_line(tmp_path: Path, match: str) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(f"version: 1\nmatch: {match}\ninteractions: []\n")
    with pytest.raises(CassetteError, match="'match' must be a list of method, scheme") as caught:
        read_cassette(path)
    assert caught.value.line == 2


# --- writing -------------------------------------------------------------------------------------


def test_a_failed_write_leaves_no_temporary_file(tmp_path: Path) -> None:
    target = tmp_path / "taken"
    target.mkdir()
    (target / "inside").write_text("keep")  # os.replace cannot put a file over a full directory
    with pytest.raises(OSError):
        write_cassette(target, [Interaction(req(f"{HOST}/a"), HttpAnswer(200, "x"))])
    assert sorted(p.name for p in tmp_path.iterdir()) == ["taken"]
    assert (target / "inside").read_text() == "keep"


def test_a_failed_write_keeps_the_old_cassette(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "c.yaml"
    write_cassette(path, [Interaction(req(f"{HOST}/a"), HttpAnswer(200, "old"))])
    before = path.read_text()

    def full_disk(src: str, dst: str) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr("simulator.resolvers.cassette.os.replace", full_disk)
    with pytest.raises(OSError, match="No space left"):
        write_cassette(path, [Interaction(req(f"{HOST}/a"), HttpAnswer(200, "new"))])
    assert path.read_text() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["c.yaml"]


@pytest.mark.parametrize("value", ["9" * 5000, "2026-02-30"])
def test_a_value_python_cannot_hold_is_a_clean_error(tmp_path: Path, value: str) -> None:
    path = tmp_path / "c.yaml"
    path.write_text("version: 1\ninteractions:\n" + ENTRY % f"status: {value}")
    with pytest.raises(CassetteError) as caught:
        read_cassette(path)
    assert caught.value.file == str(path) and caught.value.message


yaml_trees = st.recursive(
    st.none() | st.booleans() | st.integers(-(10**6), 10**6) | st.text(max_size=8)
    | st.dates() | st.floats(allow_nan=True)
    | st.sampled_from(["GET", "https://a.test/x?q=1", 200, -5, 600, "status", "url"]),
    lambda inner: st.lists(inner, max_size=3)
    | st.dictionaries(
        st.sampled_from(["request", "answer", "method", "url", "body", "status", "error",
                         "elapsed_ms", "timeout_ms", "text", "source", "command", "match"]),
        inner,
        max_size=4,
    ),
    max_leaves=10,
)  # fmt: skip


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=150)
@given(st.one_of(
    yaml_trees.map(lambda tree: {"version": 1, "interactions": [tree]}),
    yaml_trees.map(lambda tree: {"version": 1, "match": tree, "interactions": []}),
    yaml_trees,
))  # fmt: skip
def test_any_yaml_is_a_cassette_or_a_cassette_error(tmp_path: Path, doc: object) -> None:
    import yaml

    path = tmp_path / "c.yaml"
    path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    try:
        tape = read_tape(path)
    except CassetteError as exc:
        assert exc.file == str(path) and exc.line >= 1 and exc.col >= 1 and exc.message
    else:
        for it in tape.interactions:
            assert it.answer.elapsed_ms >= 0 and it.request.timeout_ms >= 0
            assert it.answer.status is None or 100 <= it.answer.status <= 599
        replay = CassetteResolver(list(tape.interactions), match=tape.match)
        for asked in (req("https://a.test/x?q=1"), req("u", "POST", {"a": [1, None]})):
            assert isinstance(replay.resolve(asked), HttpAnswer)


@settings(suppress_health_check=[HealthCheck.function_scoped_fixture], max_examples=150)
@given(st.text(max_size=200))
def test_any_text_is_a_cassette_or_a_cassette_error(tmp_path: Path, text: str) -> None:
    path = tmp_path / "c.yaml"
    path.write_bytes(("version: 1\ninteractions:\n" + text).encode("utf-8", "surrogatepass"))
    try:
        read_tape(path)
    except CassetteError as exc:
        assert exc.file == str(path) and exc.message
