"""``callflow serve``'s JSON endpoints through Starlette's test client: a call placed, keys
pressed, a Dial answered, a scenario saved that passes ``callflow test``; and the guards (Host
header, paths outside the served folder, bounded calls)."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

pytest.importorskip("starlette", reason="the serve extra (starlette) is not installed")
pytest.importorskip("httpx", reason="Starlette's test client needs httpx")

from starlette.testclient import TestClient

from callflow.cli import cli
from simulator.web.app import create_app
from simulator.web.calls import Calls
from simulator.web.phone import Phone

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
HOST = "testserver"


@pytest.fixture
def served(tmp_path: Path) -> Path:
    root = tmp_path / "flows"
    root.mkdir()
    for name in ("main-menu.xml", "callback-flow.xml", "voicemail.xml"):
        shutil.copy(EXAMPLES / name, root / name)
    (root / "sub").mkdir()
    (root / "sub" / "broken.xml").write_text("<Response><Say>unclosed</Response>", "utf-8")
    (tmp_path / "secret.xml").write_text("<Response><Say>secret</Say></Response>", "utf-8")
    return root


def client(root: Path, calls: Calls | None = None) -> TestClient:
    return TestClient(create_app([root], [HOST], calls))


def post(c: TestClient, url: str, **data: Any) -> Any:
    return c.post(url, json=data)


def place(c: TestClient, flow: str = "main-menu.xml") -> dict[str, Any]:
    response = post(c, "/api/calls", flow=flow)
    assert response.status_code == 201, response.text
    data: dict[str, Any] = response.json()
    return data


def act(c: TestClient, call: str, kind: str, value: str = "") -> dict[str, Any]:
    response = post(c, f"/api/calls/{call}/act", kind=kind, value=value)
    assert response.status_code == 200, response.text
    data: dict[str, Any] = response.json()
    return data


def test_lists_the_flows_with_their_lint_status(served: Path) -> None:
    flows = {f["name"]: f for f in client(served).get("/api/flows").json()["flows"]}
    assert set(flows) == {"callback-flow.xml", "main-menu.xml", "sub/broken.xml", "voicemail.xml"}
    assert flows["main-menu.xml"]["errors"] == 0
    assert flows["sub/broken.xml"]["errors"] >= 1


def test_lint_status_and_findings_follow_the_project_settings(served: Path) -> None:
    """The page lints as `callflow lint` does: the nearest config above each file counts."""
    (served / "warned.xml").write_text(
        '<Response><Dial timeout="20000"><To>+15550100</To></Dial></Response>', "utf-8"
    )
    c = client(served)

    def warnings() -> tuple[int, list[str]]:
        row = {f["name"]: f for f in c.get("/api/flows").json()["flows"]}["warned.xml"]
        page = c.get("/api/flow", params={"name": "warned.xml"}).json()
        return row["warnings"], [f["code"] for f in page["findings"]]

    assert warnings() == (1, ["CF161"])
    (served / "callflow.toml").write_text('ignore = ["CF161"]\n', "utf-8")
    assert warnings() == (0, [])
    (served / "callflow.toml").write_text("ignore = [\n", "utf-8")  # broken TOML
    refused = c.get("/api/flows")
    assert refused.status_code == 400 and "callflow.toml" in refused.json()["error"]


def test_the_page_shows_the_source_as_the_parser_read_it(served: Path) -> None:
    """A UTF-16 flow (byte order mark, declaration) is shown as its text, not as bytes read
    as UTF-8 with replacement characters."""
    text = '<?xml version="1.0" encoding="UTF-16"?>\n<Response><Say>Caf\u00e9</Say></Response>\n'
    (served / "wide.xml").write_bytes(text.encode("utf-16"))
    page = client(served).get("/api/flow", params={"name": "wide.xml"}).json()
    assert page["source"] == text
    assert [f for f in page["findings"] if f["severity"] == "error"] == []


@pytest.mark.parametrize(
    ("declared", "codec"),
    [("UTF-16", "utf-16"), ("ISO-8859-1", "latin-1")],
    ids=["utf-16", "latin-1"],
)
def test_the_phone_debugs_the_source_as_the_parser_read_it(
    served: Path, declared: str, codec: str
) -> None:
    """The call a tab places reads its lines (``where``, a refused ``break``) as the parser
    read the file: byte order mark, XML declaration."""
    text = (
        f'<?xml version="1.0" encoding="{declared}"?>\n<Response>\n'
        "  <Say>Gr\u00fc\u00dfe aus K\u00f6ln</Say>\n  <Hangup/>\n</Response>\n"
    )
    (served / "greeting.xml").write_bytes(text.encode(codec))
    phone = Phone(served / "greeting.xml", "greeting.xml")
    try:
        shown = [line.text for line in phone.session.execute("where").lines]
        refused = phone.session.execute("break 1").lines[0].text
    finally:
        phone.close()
    assert "      3    <Say>Gr\u00fc\u00dfe aus K\u00f6ln</Say>" in shown
    assert f'(it holds \'<?xml version="1.0" encoding="{declared}"?>\')' in refused


def test_a_flow_page_has_source_findings_and_graph(served: Path) -> None:
    page = client(served).get("/api/flow", params={"name": "main-menu.xml"}).json()
    assert page["source"] == (served / "main-menu.xml").read_text("utf-8")
    assert 'id="step-call_start"' in page["svg"]
    gathers = [s for s in page["steps"] if s["kind"] == "Gather"]
    assert [s["line"] for s in gathers] == [6, 20, 24]
    assert any(e["handler"] for e in page["edges"])
    broken = client(served).get("/api/flow", params={"name": "sub/broken.xml"}).json()
    assert broken["svg"] is None and broken["findings"][0]["line"] == 1


def test_keys_walk_the_menu_as_simulate_does(served: Path) -> None:
    c = client(served)
    call = place(c)
    steps = c.get("/api/flow", params={"name": "main-menu.xml"}).json()["steps"]
    at_line = {s["line"]: s["id"] for s in steps}
    assert call["waiting"] == "keys" and call["line"] == 6 and call["step"] == at_line[6]
    act(c, call["call"], "keys", "2")
    state = act(c, call["call"], "keys", "1")
    assert state["waiting"] == "keys" and state["line"] == 24 and state["step"] == at_line[24]
    state = act(c, call["call"], "silence")
    state = act(c, call["call"], "silence")
    assert state["waiting"] is None and state["result"].startswith("result: hangup after 00:47.165")
    run = CliRunner().invoke(cli, ["simulate", str(served / "main-menu.xml"), "--digits", "2,1",
                                   "--format", "json"])  # fmt: skip
    scripted = json.loads(run.output)
    assert [(e["t"], e["line"], e["kind"]) for e in state["transcript"]] == [
        (e["t"], e["line"], e["kind"]) for e in scripted["events"]
    ]


def test_reach_a_dial_answer_it_and_save_a_scenario_that_passes(served: Path) -> None:
    c = client(served)
    call = place(c)["call"]
    state = act(c, call, "keys", "1")
    assert state["waiting"] == "dial" and state["targets"] == ["+15035550141"]
    assert state["line"] == 10
    state = act(c, call, "dial", "answer")
    assert state["waiting"] is None
    assert [e["kind"] for e in state["transcript"]].count("bridge") == 1
    saved = post(c, f"/api/calls/{call}/save", name="leasing.yaml").json()
    assert saved["passed"], saved
    assert saved["file"] == "leasing.yaml" and "press: '1'" in saved["yaml"]
    result = CliRunner().invoke(cli, ["test", str(served / "leasing.yaml")])
    assert result.exit_code == 0, result.output
    again = post(c, f"/api/calls/{call}/save", name="leasing.yaml")
    assert again.status_code == 409 and "exists" in again.json()["error"]


def test_busy_then_step_back_and_restart(served: Path) -> None:
    c = client(served)
    call = place(c)["call"]
    act(c, call, "keys", "1")
    busy = act(c, call, "dial", "busy")
    assert any("other callers" in e["text"] for e in busy["transcript"])
    back = act(c, call, "back")
    assert back["waiting"] == "dial" and back["answers"] == [{"kind": "keys", "value": "1"}]
    assert not any("other callers" in e["text"] for e in back["transcript"])
    fresh = act(c, call, "restart")
    assert fresh["answers"] == [] and fresh["line"] == 6


def test_http_outcomes(served: Path) -> None:
    c = client(served)
    call = place(c, "callback-flow.xml")
    state = call
    while state["waiting"] == "keys":
        state = act(c, call["call"], "keys", "1")
    assert state["waiting"] == "http" and state["url"]
    failed = act(c, call["call"], "http", "status 500")
    assert any(e["kind"] == "http" and "500" in e["text"] for e in failed["transcript"])


def test_answers_the_call_does_not_wait_for_are_refused(served: Path) -> None:
    c = client(served)
    call = place(c)["call"]
    for kind, value, why in [("dial", "answer", "waits for keys"), ("keys", "12a", "0-9"),
                             ("keys", "save /etc/x", "0-9"), ("http", "status 99", "status"),
                             ("nope", "", "unknown action")]:  # fmt: skip
        response = post(c, f"/api/calls/{call}/act", kind=kind, value=value)
        assert response.status_code == 409 and why in response.json()["error"], response.text
    refused = post(c, f"/api/calls/{call}/act", kind="back")
    assert refused.status_code == 409


def test_a_dropped_call_is_gone(served: Path) -> None:
    c = client(served)
    call = place(c)["call"]
    assert c.delete(f"/api/calls/{call}").json() == {"dropped": True}
    assert c.get(f"/api/calls/{call}").status_code == 404
    assert c.delete(f"/api/calls/{call}").status_code == 404


def test_a_flow_with_errors_places_no_call(served: Path) -> None:
    response = post(client(served), "/api/calls", flow="sub/broken.xml")
    assert response.status_code == 409 and "lint errors" in response.json()["error"]


# ---- security ----------------------------------------------------------------------------


def test_a_foreign_host_header_is_refused(served: Path) -> None:
    c = client(served)
    assert c.get("/api/flows").status_code == 200
    for host in ("evil.example.com", "evil.example.com:80", "127.0.0.1.evil.com", ""):
        response = c.get("/api/flows", headers={"Host": host})
        assert response.status_code == 421, host
    assert c.get("/", headers={"Host": "attacker.test"}).status_code == 421


def test_a_cross_origin_or_non_json_post_is_refused(served: Path) -> None:
    c = client(served)
    response = c.post("/api/calls", json={"flow": "main-menu.xml"},
                      headers={"Origin": "http://evil.example.com"})  # fmt: skip
    assert response.status_code == 403
    form = c.post("/api/calls", data={"flow": "main-menu.xml"})
    assert form.status_code == 409 and "JSON" in form.json()["error"]


@pytest.mark.parametrize("name", [
    "../secret.xml", "/etc/passwd",
    "sub/../../secret.xml", "..%2Fsecret.xml", "main-menu.xml/..", "", "sub",
])  # fmt: skip
def test_a_flow_name_cannot_escape_the_served_folder(served: Path, name: str) -> None:
    c = client(served)
    for given in (name, str(served.parent / "secret.xml"), str(served / "main-menu.xml")):
        assert c.get("/api/flow", params={"name": given}).status_code == 404
        assert post(c, "/api/calls", flow=given).status_code == 404


def test_a_link_leading_out_is_not_served(served: Path) -> None:
    (served / "link.xml").symlink_to(served.parent / "secret.xml")
    c = client(served)
    assert "link.xml" not in {f["name"] for f in c.get("/api/flows").json()["flows"]}
    assert c.get("/api/flow", params={"name": "link.xml"}).status_code == 404


def test_static_files_come_from_the_package_only(served: Path) -> None:
    c = client(served)
    assert c.get("/static/app.js").status_code == 200
    for url in ("/static/../app.py", "/static/%2e%2e/app.py", "/main-menu.xml",
                "/static/../../flows/main-menu.xml"):  # fmt: skip
        assert c.get(url).status_code == 404, url


@pytest.mark.parametrize("name", ["../x.yaml", "/tmp/x.yaml", ".hidden.yaml", "x.xml", "a/b.yaml"])
def test_a_scenario_is_saved_beside_its_flow_only(served: Path, name: str) -> None:
    c = client(served)
    call = place(c)["call"]
    response = post(c, f"/api/calls/{call}/save", name=name)
    assert response.status_code == 404 and "file name" in response.json()["error"]


def test_calls_are_bounded_in_number_and_idle_time(served: Path) -> None:
    now = [0.0]
    calls = Calls(max_calls=2, idle_s=60, clock=lambda: now[0])
    c = client(served, calls)
    first = place(c)["call"]
    now[0] = 1
    second = place(c)["call"]
    now[0] = 2
    third = place(c)["call"]
    assert len(calls) == 2
    assert c.get(f"/api/calls/{first}").status_code == 404
    assert c.get(f"/api/calls/{second}").status_code == 200
    now[0] = 100
    assert c.get(f"/api/calls/{third}").status_code == 404
    assert len(calls) == 0


# ---- the command ---------------------------------------------------------------------------


def test_the_command_listens_on_loopback_and_refuses_other_hosts(served: Path) -> None:
    """The real server: the URL printed is on 127.0.0.1, a request naming another host (a
    DNS-rebinding page) gets 421, and the listing is served to the printed host."""
    import subprocess
    import sys
    import threading

    import httpx

    process = subprocess.Popen(
        [sys.executable, "-c", "from callflow.cli import main; main()", "serve", str(served)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        first: list[str] = []
        reader = threading.Thread(target=lambda: first.append(process.stdout.readline()))  # type: ignore[union-attr]
        reader.start()
        reader.join(timeout=30)
        assert first and "on http://127.0.0.1:" in first[0], first
        url = first[0].split(" on ", 1)[1].split()[0]
        port = url.rsplit(":", 1)[1].strip("/")
        with httpx.Client(timeout=10, trust_env=False) as http:
            assert http.get(url + "api/flows").status_code == 200
            local = http.get(
                f"http://127.0.0.1:{port}/api/flows", headers={"Host": f"localhost:{port}"}
            )
            assert local.status_code == 200
            for host in ("rebind.example.com", f"rebind.example.com:{port}", "127.0.0.1"):
                refused = http.get(url + "api/flows", headers={"Host": host})
                assert refused.status_code == 421, host
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_serve_help_and_allowed_hosts() -> None:
    from callflow.cli.serve import allowed_hosts

    result = CliRunner().invoke(cli, ["serve", "--help"])
    assert result.exit_code == 0 and "--host" in result.output
    assert allowed_hosts("127.0.0.1", 8765, ()) == ["127.0.0.1:8765", "localhost:8765"]
    assert allowed_hosts("::1", 80, ("ivr.test",)) == ["[::1]:80", "ivr.test:80"]
    assert "--scenario" in result.output
    missing = CliRunner().invoke(cli, ["serve", "/no/such/folder"])
    assert missing.exit_code == 2


def test_serve_refuses_a_scenario_it_cannot_read(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("flow: x.xml\ncall: [not, a, mapping]\n", "utf-8")
    for given in (bad, tmp_path / "missing.yaml"):
        result = CliRunner().invoke(cli, ["serve", str(tmp_path), "--scenario", str(given)])
        assert result.exit_code == 2, result.output
        assert given.name in result.output and "Traceback" not in result.output


# ---- explore: coverage and the paths of problems; live reload ------------------------------

PROBLEMS = """<?xml version="1.0" encoding="UTF-8"?>
<Response>
  <Gather dtmf_length="1" timeout="3000" attempts="1">
    <Say>Press 1 for sales.</Say>
    <DTMF value="1">
      <Dial timeout="20000"><To>+15035550100</To></Dial>
    </DTMF>
  </Gather>
  <Say>Goodbye.</Say>
</Response>
"""


def test_explore_colours_the_graph_and_a_problem_replays_on_the_phone(served: Path) -> None:
    (served / "problems.xml").write_text(PROBLEMS, "utf-8")
    c = client(served)
    found = c.get("/api/flow/explore", params={"name": "problems.xml"}).json()
    page = c.get("/api/flow", params={"name": "problems.xml"}).json()
    assert found["complete"] and found["paths"] == 6
    assert set(found["steps"]) == {s["id"] for s in page["steps"] if s["line"] is not None}
    drawn = set(re.findall(r'data-branch="([^"]+)"', page["svg"]))
    assert drawn == {"0|1", "0|other", "0|no input", "0.1.0|answer", "0.1.0|busy",
                     "0.1.0|no answer"}  # fmt: skip
    assert drawn <= set(found["branches"]) and "0|hang-up" in found["branches"]
    busy = next(p for p in found["problems"] if "busy" in p["message"])
    assert (busy["code"], busy["line"], busy["whole"]) == ("EX004", 6, True)
    assert busy["actions"] == [{"kind": "keys", "value": "1"}, {"kind": "dial", "value": "busy"}]
    call = place(c, "problems.xml")["call"]
    replayed = post(c, f"/api/calls/{call}/replay", actions=busy["actions"]).json()
    assert replayed["kept"] == 2
    errors = [e for e in replayed["transcript"] if e["kind"] == "error"]
    assert errors and errors[0]["line"] == 6 and errors[0]["data"]["handled"] is False
    bad = post(c, f"/api/calls/{call}/replay", actions=[{"kind": "back"}])
    assert bad.status_code == 409


def test_explore_of_a_flow_with_errors_is_refused(served: Path) -> None:
    response = client(served).get("/api/flow/explore", params={"name": "sub/broken.xml"})
    assert response.status_code == 400 and "lint errors" in response.json()["error"]


def test_live_reload_keeps_the_answers_that_still_hold(served: Path) -> None:
    c = client(served)
    call = place(c)["call"]
    act(c, call, "keys", "2")
    act(c, call, "keys", "1")
    flow = served / "main-menu.xml"
    before = c.get("/api/flow/digest", params={"name": "main-menu.xml"}).json()["digest"]
    text = flow.read_text("utf-8")
    flow.write_text(text.replace("For maintenance, press 1.", "Maintenance: press 1."), "utf-8")
    after = c.get("/api/flow/digest", params={"name": "main-menu.xml"}).json()["digest"]
    assert after != before
    kept = post(c, f"/api/calls/{call}/reload").json()
    assert kept["kept"] == 2 and kept["line"] == 24
    assert any("Maintenance: press 1." in e["text"] for e in kept["transcript"])
    # the residents' menu loses its DTMF 1: the second answer no longer reaches a Gather
    flow.write_text(text.replace('<DTMF value="2">\n      <!-- Second', '<DTMF value="9">\n'
                                 "      <!-- Second"), "utf-8")  # fmt: skip
    shorter = post(c, f"/api/calls/{call}/reload").json()
    assert shorter["kept"] == 1 and shorter["answers"] == [{"kind": "keys", "value": "2"}]


def test_the_page_needs_no_internet() -> None:
    """Every script and style ships in the package: no URL leaves the server (no CDN)."""
    from simulator.web.app import STATIC

    shipped = {p.name for p in STATIC.iterdir()}
    assert {"index.html", "app.js", "style.css"} <= shipped
    html = (STATIC / "index.html").read_text("utf-8")
    for link in re.findall(r'(?:src|href)="([^"]*)"', html):
        assert link.startswith("/"), link
        if link.startswith("/static/"):
            assert link.removeprefix("/static/") in shipped
    for name in shipped:
        text = (STATIC / name).read_text("utf-8")
        assert not re.search(r"(?:https?:)?//[a-z0-9.-]+\.[a-z]{2,}/", text), name


def test_a_scenario_gives_the_http_answers_and_the_call_fields(served: Path) -> None:
    from simulator.scenario import load_scenario

    (served / "answers.yaml").write_text(
        """flow: callback-flow.xml
call: {from: "+13125550100"}
http:
  https://crm.lakesidepharmacy.example.com/hooks/call-started: {status: 204}
  https://ivr.lakesidepharmacy.example.com/refills/lookup:
    xml: <Response><Say>Your refill is ready.</Say><Hangup/></Response>
""",
        "utf-8",
    )
    scenario = load_scenario(served / "answers.yaml")
    c = TestClient(create_app([served], [HOST], scenario=scenario))
    call = place(c, "callback-flow.xml")
    state = act(c, call["call"], "http", "default")
    assert any(e["kind"] == "http" and "204" in e["text"] for e in state["transcript"])
    state = act(c, call["call"], "keys", "4821937#")
    assert state["waiting"] == "http" and "refills/lookup" in state["url"]
    state = act(c, call["call"], "http", "default")
    assert any("Your refill is ready." in e["text"] for e in state["transcript"])
    assert state["waiting"] is None
    plain = client(served)
    alone = act(plain, place(plain, "callback-flow.xml")["call"], "http", "default")
    assert any(e["kind"] == "http" and "failed" in e["text"] for e in alone["transcript"])


# ---- coverage of a test run: callflow serve --coverage FILE --------------------------------


def _tested(served: Path, tmp_path: Path) -> Path:
    """A coverage report of two scenarios (main menu key 3, voicemail) run on the served
    copies of the examples."""
    scenarios = served / "scenarios"
    scenarios.mkdir()
    for name in ("main-menu-accounting-answers.yaml", VOICEMAIL_SCENARIO):
        shutil.copy(EXAMPLES / "scenarios" / name, scenarios / name)
    report = tmp_path / "cov.json"
    run = CliRunner().invoke(cli, ["test", str(scenarios), "--coverage-json", str(report)])
    assert run.exit_code == 0, run.output
    return report


VOICEMAIL_SCENARIO = sorted(p.name for p in (EXAMPLES / "scenarios").glob("voicemail*.yaml"))[0]


def test_the_graph_is_coloured_by_a_test_runs_coverage(served: Path, tmp_path: Path) -> None:
    report = _tested(served, tmp_path)
    c = TestClient(create_app([served], [HOST], coverage=report))
    page = c.get("/api/flow", params={"name": "main-menu.xml"}).json()
    assert page["coverage"] == "cov.json"
    got = c.get("/api/flow/coverage", params={"name": "main-menu.xml"})
    assert got.status_code == 200, got.text
    tested = got.json()
    commands = {s["id"] for s in page["steps"] if s["line"] is not None}
    # the walk of key 3: its steps and edges are exactly what a simulated call runs
    assert "step-" + tested["steps"][0] in page["svg"]
    assert set(tested["steps"]) < commands and tested["warning"] is None
    edges = {f"{e['source']}>{e['target']}" for e in page["edges"]}
    assert edges and 0 < tested["commands_percent"] < 100
    assert any(b.endswith("|3") for b in tested["branches"])
    assert not any(b.endswith("|1") for b in tested["branches"])
    for branch in tested["branches"]:
        assert f'data-branch="{branch}"' in page["svg"]
    call = place(c)
    done = act(c, call["call"], "keys", "3")
    ran = {s for s in commands if s in tested["steps"]}
    assert done["step"] in ran


def test_coverage_without_a_report_or_an_entry_says_why(served: Path, tmp_path: Path) -> None:
    plain = client(served)
    assert plain.get("/api/flow", params={"name": "main-menu.xml"}).json()["coverage"] is None
    missing = plain.get("/api/flow/coverage", params={"name": "main-menu.xml"})
    assert missing.status_code == 404 and "--coverage" in missing.json()["error"]
    c = TestClient(create_app([served], [HOST], coverage=_tested(served, tmp_path)))
    other = c.get("/api/flow/coverage", params={"name": "callback-flow.xml"})
    assert other.status_code == 400
    assert "cov.json" in other.json()["error"] and "no entry" in other.json()["error"]
    assert "no entry for callback-flow.xml" in other.json()["error"]


def test_serve_refuses_a_coverage_file_it_cannot_read(tmp_path: Path) -> None:
    bad = tmp_path / "cov.json"
    bad.write_text("{not json", "utf-8")
    for given in (bad, tmp_path / "missing.json"):
        result = CliRunner().invoke(cli, ["serve", str(tmp_path), "--coverage", str(given)])
        assert result.exit_code == 2, result.output
        assert given.name in result.output and "Traceback" not in result.output


# ---- typed answers: an XML document for a request, Dial times ------------------------------

FETCHES = """<?xml version="1.0" encoding="UTF-8"?>
<Response>
  <Callback url="https://ivr.example.com/next" method="POST" timeout="3000">
    <Error><Say>The service failed.</Say></Error>
  </Callback>
  <Say>Not reached: the answer replaces the document.</Say>
</Response>
"""
TYPED = (
    "xml <Response>\n  <Say>Typed answer.</Say>\n"
    '  <Dial timeout="20000"><To>+15035550100</To></Dial>\n</Response>'
)


def test_a_typed_xml_answer_and_dial_times_save_a_passing_scenario(served: Path) -> None:
    (served / "fetches.xml").write_text(FETCHES, "utf-8")
    c = client(served)
    call = place(c, "fetches.xml")
    assert call["waiting"] == "http"
    empty = post(c, f"/api/calls/{call['call']}/act", kind="http", value="xml  ")
    assert empty.status_code == 409 and "xml DOCUMENT" in empty.json()["error"]
    fetched = act(c, call["call"], "http", TYPED)
    heard = [e["text"] for e in fetched["transcript"] if e["kind"] == "say"]
    assert any("Typed answer." in h for h in heard) and fetched["waiting"] == "dial"
    answered = act(c, call["call"], "dial", "answer:4000:9000")
    at = {e["kind"]: e["t"] for e in answered["transcript"]}
    assert at["bridge"] - at["dial"] == 4000 and at["hangup"] - at["bridge"] == 9000
    assert answered["waiting"] is None
    saved = post(c, f"/api/calls/{call['call']}/save", name="typed.yaml").json()
    assert saved["passed"], saved
    assert "Typed answer." in saved["yaml"] and "4000" in saved["yaml"]
    result = CliRunner().invoke(cli, ["test", str(served / "typed.yaml")])
    assert result.exit_code == 0, result.output


def test_the_printed_url_accepts_connections_before_uvicorn_runs(
    served: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The URL is printed before the server loop starts: the socket must already listen, so
    a client that connects at once (a test, a browser) waits instead of being refused."""
    import socket

    import uvicorn

    seen: list[bool] = []

    def run(self: Any, sockets: list[socket.socket]) -> None:
        port = sockets[0].getsockname()[1]
        with socket.socket() as client:
            seen.append(client.connect_ex(("127.0.0.1", port)) == 0)

    monkeypatch.setattr(uvicorn.Server, "run", run)
    result = CliRunner().invoke(cli, ["serve", str(served)])
    assert result.exit_code == 0, result.output
    assert seen == [True]
