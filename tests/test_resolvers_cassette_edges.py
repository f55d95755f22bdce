"""Cassettes at their edges (#24): the written text as a reviewer reads it, where each error
points, what replaying compares, and that closing a recorder closes what it wraps."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from simulator.http import HttpAnswer, HttpRequest
from simulator.resolvers import CassetteError, CassetteResolver, RecordingResolver
from simulator.resolvers.cassette import Interaction, read_cassette, write_cassette

HOST = "https://ivr.example.com"


def req(url: str, method: str = "GET", body: dict[str, Any] | None = None) -> HttpRequest:
    return HttpRequest(method, url, body, 1000, "Gather")


# --- the written text ----------------------------------------------------------------------------

WRITTEN = (
    "# HTTP cassette of opentact-callflow: recorded requests and answers, in order.\n"
    "version: 1\n"
    "interactions:\n"
    "- request:\n"
    "    method: POST\n"
    "    url: https://ivr.example.com/X?dtmf=1\n"
    "    command: Gather\n"
    "    timeout_ms: 1000\n"
    "    body:\n"
    "      zone: Zürich\n"
    "      amount: 1\n"
    "  answer:\n"
    "    status: 200\n"
    "    elapsed_ms: 5\n"
    "    source: https://ivr.example.com/X\n"
    "    text: a" + " ab" * 30 + "\n"  # folded where the next word would pass column 100
    "      " + "ab " * 10 + "end\n"
    "- request:\n"
    "    method: GET\n"
    "    url: https://ivr.example.com/next\n"
    "    command: Callback\n"
    "    timeout_ms: 1000\n"
    "  answer:\n"
    '    error: "line\\Ltwo"\n'
    "    elapsed_ms: 0\n"
)


def test_a_cassette_is_written_in_recording_order_readable_and_100_wide(tmp_path: Path) -> None:
    """Keys in the order a request is made, text as written (no escapes for é or ü), prose
    folded near 100 columns, and a Unicode line separator quoted so it reads back as itself."""
    recorded = [
        Interaction(
            HttpRequest(
                "POST", f"{HOST}/X?dtmf=1", {"zone": "Zürich", "amount": 1}, 1000, "Gather"
            ),
            HttpAnswer(200, "a" + " ab" * 40 + " end", source=f"{HOST}/X", elapsed_ms=5),
        ),
        Interaction(
            HttpRequest("GET", f"{HOST}/next", None, 1000, "Callback"),
            HttpAnswer(error="line\u2028two"),
        ),
    ]
    path = tmp_path / "c.yaml"
    write_cassette(path, recorded)
    assert path.read_text(encoding="utf-8") == WRITTEN
    assert read_cassette(path) == recorded


def test_the_temporary_file_is_hidden_beside_the_cassette(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A half-written cassette is never picked up by a ``*.yaml`` glob."""
    renamed: list[tuple[str, str]] = []
    real = os.replace

    def watching(src: str, dst: str) -> None:
        renamed.append((src, os.fspath(dst)))
        real(src, dst)

    monkeypatch.setattr("simulator.resolvers.cassette.os.replace", watching)
    write_cassette(tmp_path / "c.yaml", [])
    [(src, dst)] = renamed
    assert Path(src).parent == tmp_path and dst == str(tmp_path / "c.yaml")
    assert Path(src).name.startswith(".c.yaml.") and Path(src).name.endswith(".tmp")
    assert not list(tmp_path.glob("*.yaml.*")) and not list(tmp_path.glob("*.tmp"))


# --- errors: the whole message at the right place ------------------------------------------------


def cassette_error(path: Path, text: str) -> CassetteError:
    path.write_text(text, encoding="utf-8")
    with pytest.raises(CassetteError) as refused:
        read_cassette(path)
    return refused.value


def test_an_unreadable_cassette_is_placed_at_its_start(tmp_path: Path) -> None:
    missing = tmp_path / "missing.yaml"
    with pytest.raises(CassetteError) as refused:
        read_cassette(missing)
    assert (refused.value.line, refused.value.col) == (1, 1)
    assert str(refused.value).startswith(f"{missing}:1:1: cannot read cassette: ")
    assert str(refused.value) == f"{missing}:1:1: {refused.value.message}"


@pytest.mark.parametrize(
    ("text", "where", "message"),
    [
        ("version: 1\n", (1, 1), "'interactions' must be a list"),
        ("version: 1\ninteractions: 5\n", (2, 15), "'interactions' must be a list"),
        (
            "version: 1\ninteractions:\n- request: {method: GET, url: u, body: [1]}\n"
            "  answer: {status: 200}\n",
            (3, 40),
            "interaction 1: request body must be a mapping of JSON data (text keys; no dates)",
        ),
        (
            "version: 1\ninteractions:\n- request: {method: GET, url: u}\n  answer: {text: x}\n",
            (4, 11),
            "interaction 1: answer needs a 'status' or an 'error'",
        ),
        (
            "version: 1\ninteractions:\n- request: {method: GET, url: u, timeout_ms: -5}\n"
            "  answer: {status: 200}\n",
            (3, 46),
            "interaction 1: request 'timeout_ms' -5 is not a duration from 0 to 86400000 ms",
        ),
    ],
)
def test_each_mistake_is_named_whole_at_its_place(
    tmp_path: Path, text: str, where: tuple[int, int], message: str
) -> None:
    path = tmp_path / "c.yaml"
    error = cassette_error(path, text)
    assert ((error.line, error.col), error.message) == (where, message)
    assert str(error) == f"{path}:{where[0]}:{where[1]}: {message}"


# --- what replaying compares ---------------------------------------------------------------------


def replay(recorded: HttpRequest, asked: HttpRequest) -> HttpAnswer:
    return CassetteResolver([Interaction(recorded, HttpAnswer(200, "ok"))]).resolve(asked)


def differs(recorded: HttpRequest, asked: HttpRequest) -> str:
    got = replay(recorded, asked)
    assert got.error is not None
    return got.error.rpartition("differs in: ")[2].removesuffix(")")


def test_host_port_and_body_are_each_compared_and_named() -> None:
    assert differs(req("https://a.test/x"), req("https://b.test/x")) == "host b.test vs a.test"
    assert differs(req("http://a.test/x"), req("http://a.test:8080/x")) == "port 8080 vs 80"
    assert differs(req(f"{HOST}/x", "POST", {"k": 1}), req(f"{HOST}/x", "POST")) == (
        'body (none) vs {"k": 1}'
    )


def test_bodies_compare_by_content_and_show_text_as_written() -> None:
    assert replay(
        req(f"{HOST}/x", "POST", {"b": 1, "a": 2}), req(f"{HOST}/x", "POST", {"a": 2, "b": 1})
    ).ok
    assert differs(
        req(f"{HOST}/x", "POST", {"city": "Zürich"}), req(f"{HOST}/x", "POST", {"city": "Genève"})
    ) == ('body {"city": "Genève"} vs {"city": "Zürich"}')


def test_an_empty_path_is_the_root_path() -> None:
    assert replay(req("https://a.test"), req("https://a.test/")).ok
    assert replay(req("https://a.test/"), req("https://a.test")).ok
    assert differs(req("https://a.test"), req("https://a.test/x")) == "path /x vs /"


def test_query_differences_show_every_value_and_absence() -> None:
    assert differs(req(f"{HOST}/x?a=1&a=2"), req(f"{HOST}/x?b=3")) == (
        "b=3 vs (absent), a=(absent) vs 1 & 2"
    )
    assert differs(req(f"{HOST}/x?a=1"), req(f"{HOST}/x?a=1&a=2")) == "a=1 & 2 vs 1"


def test_a_blank_parameter_is_a_parameter() -> None:
    assert differs(req(f"{HOST}/x?dtmf="), req(f"{HOST}/x")).startswith("dtmf=")
    assert replay(req(f"{HOST}/x?dtmf="), req(f"{HOST}/x?dtmf=")).ok


# --- closing ------------------------------------------------------------------------------------


class Inner:
    def __init__(self) -> None:
        self.closed = 0

    def resolve(self, request: HttpRequest) -> HttpAnswer:
        return HttpAnswer(200, "x", source=request.url)

    def close(self) -> None:
        self.closed += 1


def test_closing_a_recorder_writes_the_cassette_and_closes_its_backend(tmp_path: Path) -> None:
    inner = Inner()
    with RecordingResolver(inner, tmp_path / "c.yaml") as recording:
        recording.resolve(req(f"{HOST}/a"))
    assert inner.closed == 1
    assert [it.request.url for it in read_cassette(tmp_path / "c.yaml")] == [f"{HOST}/a"]


@pytest.mark.parametrize(
    "text",
    [
        # a repeated key: YAML keeps the last value, which has more entries than the first
        "version: 1\ninteractions: [{request: {method: GET, url: a}, answer: {status: 200}}]\n"
        "interactions:\n- request: {method: GET, url: a}\n  answer: {status: 200}\n"
        "- request: {method: GET}\n  answer: {status: 200}\n",
        # a merge key: the interactions are not written under the top mapping at all
        "base: &b\n  interactions:\n  - request: {method: GET}\n    answer: {status: 200}\n"
        "version: 1\n<<: *b\n",
    ],
)
def test_interactions_without_a_node_of_their_own_still_give_a_clean_error(
    tmp_path: Path, text: str
) -> None:
    error = cassette_error(tmp_path / "c.yaml", text)
    assert error.message.startswith("interaction ") and error.message.endswith(": missing 'url'")
