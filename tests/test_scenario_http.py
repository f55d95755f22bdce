"""The ``http:`` section of a scenario: canned answers by URL and backends by URL prefix.

Reading a scenario only records the backends (and reports mistakes at their YAML line);
``resolver`` opens them for a call, with exact canned URLs winning over a prefix.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from test_resolvers_live import WEBAPP, loopback_only

from simulator.http import Canned, HttpRequest
from simulator.resolvers import (
    AppResolver,
    Backend,
    CassetteResolver,
    LiveResolver,
    close_resolver,
)
from simulator.resolvers.backends import CannedFirst
from simulator.scenario import ScenarioError, load_scenario, parse_scenario, resolver

__all__ = ["loopback_only"]  # an autouse fixture: nothing here may reach beyond 127.0.0.1

FLOW = "<Response><Say>Hello</Say></Response>\n"
CASSETTE = "version: 1\ninteractions: []\n"


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "flow.xml").write_text(FLOW, encoding="utf-8")
    (tmp_path / "tape.yaml").write_text(CASSETTE, encoding="utf-8")
    (tmp_path / "web").mkdir()
    return tmp_path


def scenario_text(http: str) -> str:
    return f"flow: flow.xml\nhttp:\n{http}"


def parse(folder: Path, http: str) -> tuple[dict[str, Canned], tuple[Backend, ...]]:
    scn = parse_scenario(scenario_text(http), str(folder / "s.yaml"))
    return scn.http, scn.backends


def test_backends_are_read_with_where_they_are_named(folder: Path) -> None:
    canned, backends = parse(
        folder,
        "  https://a.test/next: {xml: '<Response/>'}\n"
        "  https://a.test: {app: 'ivr_web:app', path: web}\n"
        "  https://b.test/api:\n"
        "    live: http://127.0.0.1:5000\n"
        "  https://c.test: {cassette: tape.yaml}\n"
        "  https://d.test: {app: 'mod:make_app()'}\n",
    )
    assert list(canned) == ["https://a.test/next"]
    assert backends == (
        Backend("https://a.test", "app", "ivr_web:app", folder / "web", 4, 25),
        Backend("https://b.test/api", "live", "http://127.0.0.1:5000", None, 6, 11),
        Backend("https://c.test", "cassette", str(folder / "tape.yaml"), None, 7, 30),
        Backend("https://d.test", "app", "mod:make_app()", folder, 8, 25),
    )


def test_reading_a_scenario_imports_nothing(folder: Path) -> None:
    _, backends = parse(folder, "  https://a.test: {app: 'not_a_module_anywhere:app'}\n")
    assert backends[0].target == "not_a_module_anywhere:app"


@pytest.mark.parametrize(
    ("http", "line", "col", "code", "message"),
    [
        ("  https://a.test: {app: nocolon}\n", 3, 25, "SC004", "is not MODULE:ATTR"),
        ("  https://a.test: {app: ':app'}\n", 3, 25, "SC004", "is not MODULE:ATTR"),
        ("  https://a.test: {live: 'ftp://x'}\n", 3, 26, "SC004", "invalid base URL"),
        ("  https://a.test: {live: 'http://h/?q=1'}\n", 3, 26, "SC004", "query or fragment"),
        ("  https://a.test: {cassette: nope.yaml}\n", 3, 30, "SC005", "no such file 'nope.yaml'"),
        ("  https://a.test: {app: 'm:a', path: nowhere}\n", 3, 38, "SC005", "no such directory"),
        ("  https://a.test: {app: 'm:a', live: 'http://h'}\n", 3, 19, "SC004", "not app and live"),
        ("  https://a.test: {path: web}\n", 3, 19, "SC004", "app, live or cassette"),
        ("  https://a.test: {app: 'm:a', status: 200}\n", 3, 32, "SC004", "is for canned answers"),
        ("  https://a.test: {live: 'http://h', path: web}\n", 3, 38, "SC004", "goes with app"),
        ("  https://a.test: {apps: 'm:a'}\n", 3, 20, "SC003", "did you mean 'app'"),
        ("  a.test: {app: 'm:a'}\n", 3, 3, "SC004", "is not an http(s) URL"),
        ("  https://a.test/?x=1: {app: 'm:a'}\n", 3, 3, "SC004", "without their query"),
    ],
)
def test_mistakes_are_reported_at_their_line(
    folder: Path, http: str, line: int, col: int, code: str, message: str
) -> None:
    with pytest.raises(ScenarioError) as caught:
        parse(folder, http)
    finding = caught.value.finding
    assert (finding.line, finding.col, finding.code) == (line, col, code), finding.render()
    assert message in finding.render()


def test_an_empty_answer_names_both_kinds_of_entry(folder: Path) -> None:
    with pytest.raises(ScenarioError) as caught:
        parse(folder, "  https://a.test: {}\n")
    rendered = caught.value.finding.render()
    assert "needs xml, file, status or timeout" in rendered
    assert "app, live or cassette for a backend" in rendered


# --- opening the backends for a call --------------------------------------------------------


def req(url: str) -> HttpRequest:
    return HttpRequest("GET", url, None, 2000, "Callback")


def write(folder: Path, http: str) -> Path:
    path = folder / "s.yaml"
    path.write_text(scenario_text(http), encoding="utf-8")
    return path


def test_resolver_routes_by_prefix_and_canned_urls_win(folder: Path) -> None:
    path = write(
        folder,
        f"  https://ivr.example.com: {{app: 'ivr_web:app', path: '{WEBAPP}'}}\n"
        "  https://ivr.example.com/ivr/account: {status: 503}\n"
        "  https://other.test/next: {xml: '<Response/>'}\n",
    )
    http = resolver(load_scenario(path))
    try:
        assert isinstance(http, CannedFirst)
        start = http.resolve(req("https://ivr.example.com/ivr/start?from=anonymous"))
        assert start.status == 200 and "withheld" in (start.text or "")
        assert http.resolve(req("https://ivr.example.com/ivr/account?dtmf=1")).status == 503
        assert http.resolve(req("https://other.test/next")).text == "<Response/>"
        unknown = http.resolve(req("https://nobody.test/x"))
        assert unknown.status is None and "connection refused" in (unknown.error or "")
    finally:
        close_resolver(http)


def test_each_kind_opens_its_resolver_and_one_app_serves_two_prefixes(folder: Path) -> None:
    path = write(
        folder,
        f"  https://a.test: {{app: 'faults:app', path: '{WEBAPP}'}}\n"
        f"  https://b.test: {{app: 'faults:app', path: '{WEBAPP}'}}\n"
        "  https://c.test: {live: 'http://127.0.0.1:9'}\n"
        "  https://d.test: {cassette: tape.yaml}\n",
    )
    http = resolver(load_scenario(path))
    try:
        assert isinstance(http, CannedFirst)
        picked = [http.routes.pick(f"https://{h}.test/x") for h in "abcd"]
        assert isinstance(picked[0], AppResolver) and picked[0] is picked[1]
        assert isinstance(picked[2], LiveResolver) and picked[2].base_url == "http://127.0.0.1:9"
        assert isinstance(picked[3], CassetteResolver) and picked[3].interactions == []
    finally:
        close_resolver(http)


def test_without_backends_the_canned_table_answers_alone(folder: Path) -> None:
    path = write(folder, "  https://a.test/x: {status: 204}\n")
    http = resolver(load_scenario(path))
    assert http.resolve(req("https://a.test/x?from=1")).status == 204


def test_an_app_that_does_not_import_is_reported_at_its_scenario_line(folder: Path) -> None:
    path = write(
        folder,
        "  https://a.test: {cassette: tape.yaml}\n"
        "  https://b.test:\n"
        "    app: no_such_mod_xyz:app\n",
    )
    scenario = load_scenario(path)
    with pytest.raises(ScenarioError) as caught:
        resolver(scenario)
    finding = caught.value.finding
    assert (finding.file, finding.line, finding.col, finding.code) == (str(path), 5, 10, "SC006")
    assert "no_such_mod_xyz" in finding.message


def test_a_broken_cassette_is_reported_in_the_cassette(folder: Path) -> None:
    tape = folder / "tape.yaml"
    tape.write_text("version: 1\ninteractions:\n  - 42\n", encoding="utf-8")
    scenario = load_scenario(write(folder, "  https://a.test: {cassette: tape.yaml}\n"))
    with pytest.raises(ScenarioError) as caught:
        resolver(scenario)
    finding = caught.value.finding
    assert (finding.file, finding.line, finding.code) == (str(tape), 3, "SC006")
    assert "interaction 1" in finding.message
