"""A scenario's per-prefix backends put together (#24): exact canned URLs beat a prefix, what
was opened is closed when a later backend fails, and every failure names where it is."""

from __future__ import annotations

from pathlib import Path

import pytest

from simulator.http import Canned, CannedResolver, HttpAnswer, HttpRequest
from simulator.resolvers import Backend, BackendError, LiveResolver
from simulator.resolvers.backends import build
from simulator.resolvers.cassette import Interaction, write_cassette

WEBAPP = Path(__file__).resolve().parents[1] / "examples" / "webapp"


def req(url: str) -> HttpRequest:
    return HttpRequest("GET", url, None, 500, "Callback")


def cassette(tmp_path: Path, url: str, text: str) -> Path:
    path = tmp_path / "tape.yaml"
    write_cassette(path, [Interaction(req(url), HttpAnswer(200, text, source=url))])
    return path


def test_an_exact_canned_url_beats_the_backend_of_its_prefix(tmp_path: Path) -> None:
    tape = cassette(tmp_path, "https://ivr.example.com/ivr/menu", "<Response>tape</Response>")
    canned = CannedResolver(
        {
            "https://ivr.example.com/ivr/start": Canned(xml="<Response>plain</Response>"),
            "https://ivr.example.com/ivr/pin?dtmf=1": Canned(xml="<Response>exact</Response>"),
        }
    )
    resolver = build(
        [Backend("https://ivr.example.com/ivr", "cassette", str(tape))], canned, "s.yaml"
    )
    try:
        texts = [
            resolver.resolve(req(url)).text
            for url in (
                "https://ivr.example.com/ivr/start?from=1",
                "https://ivr.example.com/ivr/pin?dtmf=1",
                "https://ivr.example.com/ivr/menu",
            )
        ]
    finally:
        resolver.close()  # type: ignore[attr-defined]
    assert texts == [
        "<Response>plain</Response>",
        "<Response>exact</Response>",
        "<Response>tape</Response>",
    ]


def test_closing_the_scenarios_resolver_closes_its_backends(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    closed: list[str | None] = []
    real = LiveResolver.close

    def recording(self: LiveResolver) -> None:
        closed.append(self.base_url)
        real(self)

    monkeypatch.setattr(LiveResolver, "close", recording)
    resolver = build(
        [Backend("https://a.test", "live", "http://127.0.0.1:9")], CannedResolver(), "s.yaml"
    )
    assert closed == []
    resolver.close()  # type: ignore[attr-defined]
    assert closed == ["http://127.0.0.1:9"]


def test_a_backend_that_fails_to_open_closes_those_already_open(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    closed: list[str | None] = []
    real = LiveResolver.close

    def recording(self: LiveResolver) -> None:
        closed.append(self.base_url)
        real(self)

    monkeypatch.setattr(LiveResolver, "close", recording)
    backends = [
        Backend("https://a.test", "live", "http://127.0.0.1:9"),
        Backend("https://b.test", "app", "no_colon", WEBAPP, line=7, col=10),
    ]
    with pytest.raises(BackendError) as refused:
        build(backends, CannedResolver(), "s.yaml")
    assert closed == ["http://127.0.0.1:9"]
    assert str(refused.value) == (
        "s.yaml:7:10: app 'no_colon': expected MODULE:ATTR, for example mypkg.web:app"
    )
    assert (refused.value.file, refused.value.line, refused.value.col) == ("s.yaml", 7, 10)


def test_a_backend_without_a_position_is_placed_at_the_scenarios_start() -> None:
    with pytest.raises(BackendError) as refused:
        build([Backend("https://a.test", "live", "ftp://x")], CannedResolver(), "s.yaml")
    assert str(refused.value) == (
        "s.yaml:1:1: invalid base URL 'ftp://x': it is not an absolute http(s) URL; "
        "expected http(s)://HOST[:PORT]"
    )


def test_a_broken_cassette_backend_is_reported_at_its_own_line(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text(
        "version: 1\ninteractions:\n  - request: {method: GET}\n    answer: {status: 200}\n",
        encoding="utf-8",
    )
    with pytest.raises(BackendError) as refused:
        build([Backend("https://a.test", "cassette", str(broken))], CannedResolver(), "s.yaml")
    assert (refused.value.file, refused.value.line, refused.value.col) == (str(broken), 3, 14)
    assert str(refused.value) == f"{broken}:3:14: interaction 1: missing 'url'"


def test_a_scenario_names_a_cassette_backend_by_its_key(tmp_path: Path) -> None:
    from simulator.resolvers import close_resolver
    from simulator.scenario import load_scenario, resolver

    tape = cassette(tmp_path, "https://ivr.example.com/ivr/menu", "<Response>tape</Response>")
    path = tmp_path / "s.yaml"
    path.write_text(
        f"flow: {WEBAPP / 'flow.xml'}\nhttp:\n  https://ivr.example.com:\n"
        f"    cassette: {tape}\nexpect:\n  - ends: hangup\n",
        encoding="utf-8",
    )
    scenario = load_scenario(path)
    assert [(b.prefix, b.kind, Path(b.target)) for b in scenario.backends] == [
        ("https://ivr.example.com", "cassette", tape)
    ]
    http = resolver(scenario)
    try:
        assert http.resolve(req("https://ivr.example.com/ivr/menu")).text == (
            "<Response>tape</Response>"
        )
    finally:
        close_resolver(http)
