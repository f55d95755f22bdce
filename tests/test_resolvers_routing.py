"""RoutingResolver and for_run: one backend per URL prefix, one backend per run."""

from __future__ import annotations

from dataclasses import dataclass
from functools import partial
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from simulator.http import Canned, CannedResolver, HttpAnswer, HttpRequest, Resolver
from simulator.resolvers import (
    AppResolver,
    CassetteResolver,
    LiveResolver,
    RecordingResolver,
    RoutingResolver,
    RunBackends,
    for_run,
)
from simulator.resolvers.cassette import read_cassette
from simulator.resolvers.routing import prefix_matches

WEBAPP = Path(__file__).resolve().parents[1] / "examples" / "webapp"


def req(url: str) -> HttpRequest:
    return HttpRequest("GET", url, None, 500, "Callback")


@dataclass(frozen=True)
class Named:
    """A backend whose every answer says which one it is, to see where a request went."""

    name: str

    def resolve(self, request: HttpRequest) -> HttpAnswer:
        return HttpAnswer(200, self.name, source=request.url)


def named(name: str) -> Named:
    return Named(name)


def test_longest_prefix_wins_and_default_takes_the_rest() -> None:
    routes = RoutingResolver(
        [
            ("https://a.test", named("a")),
            ("https://a.test/ivr", named("ivr")),
            ("https://a.test/ivr/account", named("account")),
        ],
        default=named("default"),
    )
    got = {
        url: routes.resolve(req(url)).text
        for url in (
            "https://a.test/ivr/account?dtmf=1",
            "https://a.test/ivr/start",
            "https://a.test/ivr",
            "https://a.test/other",
            "https://a.test",
            "https://b.test/ivr",
            "https://a.test.evil.org/",
            "https://a.test/ivr2",
        )
    }
    assert got == {
        "https://a.test/ivr/account?dtmf=1": "account",
        "https://a.test/ivr/start": "ivr",
        "https://a.test/ivr": "ivr",
        "https://a.test/other": "a",
        "https://a.test": "a",
        "https://b.test/ivr": "default",
        "https://a.test.evil.org/": "default",
        "https://a.test/ivr2": "a",
    }


def test_no_route_and_no_default_fails_the_request() -> None:
    answer = RoutingResolver([("https://a.test/", named("a"))]).resolve(req("https://b.test/x"))
    assert answer.error == "no HTTP backend configured for https://b.test/x" and not answer.ok


def test_mixing_canned_answers_with_an_app() -> None:
    canned = CannedResolver({"https://ivr.example.com/ivr/start": Canned(xml="<Response/>")})
    with (
        AppResolver.from_spec("ivr_web:app", path=WEBAPP) as app,
        RoutingResolver([("https://ivr.example.com/ivr/account", app)], canned) as routes,
    ):
        assert routes.resolve(req("https://ivr.example.com/ivr/start?from=1")).text == "<Response/>"
        account = routes.resolve(req("https://ivr.example.com/ivr/account?dtmf=1234"))
    assert account.ok and account.text and "152 dollars" in account.text


def test_close_reaches_every_resolver(tmp_path: Path) -> None:
    first, second = tmp_path / "1.yaml", tmp_path / "2.yaml"
    shared = RecordingResolver(named("x"), first)
    routes = RoutingResolver(
        [("https://a.test", shared), ("https://b.test", shared)],
        default=RecordingResolver(named("y"), second),
    )
    routes.close()
    assert first.exists() and second.exists()


segments = st.text("ab/", min_size=1, max_size=4)


@given(
    prefixes=st.lists(segments.map(lambda s: "https://h.test/" + s), max_size=5, unique=True),
    path=st.text("ab/?", max_size=8),
)
def test_the_chosen_route_is_the_longest_matching_prefix(prefixes: list[str], path: str) -> None:
    url = "https://h.test/" + path
    routes = RoutingResolver([(p, named(p)) for p in prefixes], default=named("default"))
    matching = [p for p in prefixes if prefix_matches(p, url)]
    chosen = routes.resolve(req(url)).text
    if not matching:
        assert chosen == "default"
    else:
        assert chosen is not None and chosen in matching
        assert len(chosen) == max(len(p) for p in matching)
        assert url.startswith(chosen)


# --- for_run -------------------------------------------------------------------------------------


def test_for_run_picks_one_backend(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(WEBAPP)
    app = for_run(app="ivr_web:app")
    assert isinstance(app, AppResolver) and app.kind == "wsgi"
    app.close()
    with pytest.raises(ValueError, match="--app and --base-url cannot be used together"):
        for_run(app="ivr_web:app", base_url="http://127.0.0.1:5000")
    live = for_run(base_url="http://127.0.0.1:5000")
    assert isinstance(live, LiveResolver)
    live.close()
    cassette = tmp_path / "c.yaml"
    recorder = for_run(base_url="http://127.0.0.1:5000", record=cassette)
    assert isinstance(recorder, RecordingResolver) and isinstance(recorder.inner, LiveResolver)
    recorder.close()
    assert isinstance(for_run(replay=cassette), CassetteResolver)
    fallback = CannedResolver()
    assert for_run(fallback=fallback) is fallback
    assert for_run().resolve(req("https://x.test/")).error


# --- RunBackends: the options of one command, applied to each of its runs ------------------------


@dataclass
class Counting:
    """A run's own backend: answers with its number and remembers being closed."""

    number: int
    closed: bool = False

    def resolve(self, request: HttpRequest) -> HttpAnswer:
        return HttpAnswer(200, f"<Response><Say>{self.number}</Say></Response>", source=request.url)

    def close(self) -> None:
        self.closed = True


def identity(resolver: Counting) -> Counting:
    return resolver


def test_run_backends_records_every_run_into_one_cassette(tmp_path: Path) -> None:
    cassette = tmp_path / "all.yaml"
    owns = [Counting(1), Counting(2)]
    with RunBackends(record=cassette) as backends:
        for own in owns:
            with backends.run(partial(identity, own)) as http:
                http.resolve(req(f"https://a.test/{own.number}"))
            assert own.closed
        assert not cassette.exists()  # written once, at the end
    replayed = [i.answer.text for i in read_cassette(cassette)]
    assert replayed == [o.resolve(req("https://a.test/")).text for o in owns]


def never() -> Resolver:
    pytest.fail("the run's own backends were opened although an option replaces them")


def test_run_backends_replays_each_run_from_the_start_of_the_cassette(tmp_path: Path) -> None:
    cassette = tmp_path / "c.yaml"
    with RecordingResolver(Counting(7), cassette) as recorder:
        recorder.resolve(req("https://a.test/x"))
        recorder.inner = Counting(8)
        recorder.resolve(req("https://a.test/x"))
    with RunBackends(replay=cassette) as backends:
        assert backends.replaces
        for _ in range(2):  # each run hears 7 then 8, as recorded
            with backends.run(never) as http:
                texts = [http.resolve(req("https://a.test/x")).text for _ in range(2)]
            assert texts == [Counting(n).resolve(req("https://a.test/")).text for n in (7, 8)]


def test_run_backends_shares_one_app_between_runs(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(WEBAPP)
    with RunBackends(app="ivr_web:app") as backends:
        with backends.run(never) as first, backends.run(never) as second:
            assert isinstance(first, AppResolver) and first is second
        assert backends.shared is first


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"app": "ivr_web:app", "replay": "c.yaml"}, "--app and --replay-http cannot be used"),
        ({"base_url": "ftp://127.0.0.1"}, "invalid base URL"),
        ({"record": "no/such/dir/c.yaml"}, "no such directory"),
        ({"record": "."}, "no such directory"),
    ],
)
def test_run_backends_refuses_bad_options(options: dict[str, str], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        RunBackends(**options)


# --- prefix boundaries and closing (#24) ---------------------------------------------------------


@pytest.mark.parametrize(
    ("prefix", "url", "matches"),
    [
        ("https://a.test/ivr/", "https://a.test/ivr/menu", True),
        ("https://a.test/ivr", "https://a.test/ivr/menu", True),
        ("https://a.test/ivr", "https://a.test/ivr?dtmf=1", True),
        ("https://a.test/ivr", "https://a.test/ivr#top", True),
        ("https://a.test/ivr", "https://a.test/ivr", True),
        ("https://a.test/ivr", "https://a.test/ivrX", False),
        ("https://a.test/ivr", "https://a.test/ivr2", False),
        ("https://a.test/ivr", "https://b.test/ivr", False),
        ("https://a.test/ivr/", "https://a.test/ivr", False),
    ],
)
def test_a_prefix_matches_only_at_a_boundary(prefix: str, url: str, matches: bool) -> None:
    assert prefix_matches(prefix, url) is matches


@dataclass
class Closing:
    """A backend that records its closing, and may fail to close."""

    name: str
    log: list[str]
    fails: bool = False

    def resolve(self, request: HttpRequest) -> HttpAnswer:
        return HttpAnswer(200, self.name, source=request.url)

    def close(self) -> None:
        self.log.append(self.name)
        if self.fails:
            raise OSError(f"{self.name} could not close")


def test_a_failing_close_does_not_keep_the_others_open_and_is_raised() -> None:
    log: list[str] = []
    first = Closing("first", log, fails=True)
    second = Closing("second", log, fails=True)
    routes = RoutingResolver(
        [("https://a.test", first), ("https://b.test", second), ("https://c.test", first)],
        default=Closing("default", log),
    )
    with pytest.raises(OSError, match=r"^first could not close$"):
        routes.close()
    assert sorted(log) == ["default", "first", "second"]


# --- RunBackends and for_run: whole messages, what replaces, what is closed (#24) ----------------


@pytest.mark.parametrize("make", [for_run, RunBackends])
@pytest.mark.parametrize(
    ("options", "message"),
    [
        (
            {"app": "ivr_web:app", "replay": "c.yaml"},
            "--app and --replay-http cannot be used together",
        ),
        (
            {"base_url": "http://127.0.0.1:9", "replay": "c.yaml"},
            "--base-url and --replay-http cannot be used together",
        ),
        (
            {"app": "a:b", "base_url": "http://127.0.0.1:9", "replay": "c.yaml"},
            "--app and --base-url and --replay-http cannot be used together",
        ),
    ],
)
def test_options_that_exclude_each_other_are_named_in_the_message(
    make: object, options: dict[str, str], message: str
) -> None:
    with pytest.raises(ValueError) as refused:
        make(**options)  # type: ignore[operator]
    assert str(refused.value) == message


def test_a_cassette_with_nowhere_to_go_is_refused_with_its_path(tmp_path: Path) -> None:
    target = tmp_path / "no" / "c.yaml"
    with pytest.raises(ValueError) as refused:
        RunBackends(record=target)
    assert str(refused.value) == f"cannot write the cassette {target}: no such directory"


def test_only_an_option_that_answers_every_request_replaces_the_runs_backends(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    tape = tmp_path / "c.yaml"
    RecordingResolver(named("x"), tape).close()
    with RunBackends() as plain, RunBackends(record=tmp_path / "r.yaml") as recording:
        assert not plain.replaces and not recording.replaces
    with RunBackends(replay=tape) as replaying:
        assert replaying.replaces
    closed: list[str | None] = []
    real = LiveResolver.close

    def recorded(self: LiveResolver) -> None:
        closed.append(self.base_url)
        real(self)

    monkeypatch.setattr(LiveResolver, "close", recorded)
    with RunBackends(base_url="http://127.0.0.1:9") as live:
        assert live.replaces
        assert closed == []
    assert closed == ["http://127.0.0.1:9"]
