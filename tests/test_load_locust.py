"""``callflow load`` and ``CallflowUser`` on Locust, against the example web app on 127.0.0.1.

Each run is a subprocess (Locust monkey-patches the process it is imported in), bounded by its
run time (a few seconds), a few users, and ``--max-requests``. The app is served by this test
on 127.0.0.1 only; the flows' own host (ivr.example.com) is replaced by ``--base-url``.
"""

from __future__ import annotations

import importlib.util
import json
import os
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from werkzeug.serving import make_server

from simulator.resolvers import load_app

pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("locust") is None,
    reason="Locust is not installed (pip install 'opentact-callflow[load]')",
)

ROOT = Path(__file__).resolve().parents[1]
WEBAPP = ROOT / "examples" / "webapp"
CALLFLOW = [sys.executable, "-c", "import sys; from callflow.cli import main; main(sys.argv[1:])"]
SLOW = """<?xml version="1.0" encoding="UTF-8"?>
<Response>
  <Say>Checking your order.</Say>
  <Callback url="https://ivr.example.com/faults/slow?ms=700" method="GET" timeout="150" tag="order">
    <Error>
      <Say>Sorry, our system is slow.</Say>
      <Hangup/>
    </Error>
  </Callback>
</Response>
"""


SEEN: set[str] = set()
"""Every path the backend was asked for, in this module."""
LOG: list[str] = []
"""Every query string the backend got, in order."""


@pytest.fixture(scope="module")
def backend() -> Iterator[str]:
    """The bank IVR (/ivr/...) and the faulty endpoints (/faults/...) on one local port."""
    ivr, faults = load_app("ivr_web:app", WEBAPP), load_app("faults:app", WEBAPP)

    def both(environ: dict[str, Any], start: Any) -> Any:
        SEEN.add(environ.get("PATH_INFO", ""))
        LOG.append(environ.get("QUERY_STRING", ""))
        app = faults if environ.get("PATH_INFO", "").startswith("/faults/") else ivr
        return app(environ, start)

    server = make_server("127.0.0.1", 0, both, threaded=True)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(5)
        server.server_close()


def _run(*args: str, timeout: float = 60) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run([*CALLFLOW, "load", *args], cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout, env=env, check=False)  # fmt: skip


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def test_ten_users_at_speed_50_report_each_command(backend: str, tmp_path: Path) -> None:
    report_file = tmp_path / "report.json"
    done = _run("examples/webapp/flow.xml", "--base-url", backend, "--digits", "1234",
                "--users", "10", "--spawn-rate", "10", "--run-time", "4s", "--speed", "50",
                "--json", str(report_file), "--csv", str(tmp_path / "run"),
                "--max-requests", "5000")  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads(report_file.read_text())
    names = {c["name"]: c for c in report["commands"]}
    assert set(names) == {"L4 Callback", "/ivr/start L4 Gather url"}
    assert all(c["requests"] > 0 and c["failures"] == 0 for c in names.values())
    assert report["requests"] == sum(c["requests"] for c in report["commands"])
    assert report["requests"] == report["locust"]["requests"]
    calls = report["calls"]
    assert calls["started"] == calls["completed"] + calls["cut_short"] + calls["not_answered"]
    assert calls["completed"] > 0 and calls["endings"] == {"hangup": calls["completed"]}
    assert "L4 Callback" in done.stdout and "total:" in done.stdout
    commands_csv = (tmp_path / "run_commands.csv").read_text()
    assert "/ivr/start L4 Gather url" in commands_csv
    assert "L4 Callback" in (tmp_path / "run_stats.csv").read_text()


def test_a_route_slower_than_its_timeout_fails_and_callers_hear_the_error_branch(
    backend: str, tmp_path: Path
) -> None:
    flow = tmp_path / "slow.xml"
    flow.write_text(SLOW, encoding="utf-8")
    report_file = tmp_path / "report.json"
    done = _run(str(flow), "--base-url", backend, "--users", "3", "--spawn-rate", "10",
                "--run-time", "3s", "--speed", "50", "--json", str(report_file))  # fmt: skip
    assert done.returncode == 1, done.stdout + done.stderr
    assert "FAIL L4 Callback tag=order" in done.stderr
    report = json.loads(report_file.read_text())
    (command,) = report["commands"]
    assert command["name"] == "L4 Callback tag=order"
    assert command["failures"] == command["requests"] > 0
    assert command["failures_by_kind"] == {"late": command["requests"]}
    assert command["p95_over_timeout_at_s"] is not None
    calls = report["calls"]
    assert calls["error_branch_by_backend"] == calls["completed"] > 0
    assert report["locust"]["failures"] == command["failures"]


def test_fail_ratio_allows_some_failures(backend: str, tmp_path: Path) -> None:
    flow = tmp_path / "slow.xml"
    flow.write_text(SLOW, encoding="utf-8")
    done = _run(str(flow), "--base-url", backend, "--users", "1", "--run-time", "2s",
                "--speed", "50", "--fail-ratio", "1")  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["examples/webapp/flow.xml", "--run-time", "2s"], "--base-url"),
        (["examples/webapp/flow.xml", "--base-url", "http://127.0.0.1:9"], "--run-time"),
        (["examples/webapp/flow.xml", "--base-url", "ftp://x", "--run-time", "1s"], "base URL"),
        (
            [
                "examples/webapp/flow.xml",
                "--base-url",
                "http://127.0.0.1:9",
                "--run-time",
                "1s",
                "--shape",
                "campaign",
            ],
            "--recipients",
        ),
        (
            ["examples/webapp/flow.xml", "--base-url", "http://127.0.0.1:9", "--run-time", "soon"],
            "--run-time",
        ),
    ],
)
def test_usage_mistakes_exit_2_before_any_request(args: list[str], message: str) -> None:
    done = _run(*args)
    assert done.returncode == 2, done.stdout + done.stderr
    assert message in done.stderr


def test_a_flow_with_lint_errors_is_not_called(tmp_path: Path) -> None:
    flow = tmp_path / "bad.xml"
    flow.write_text("<Response><Bogus/></Response>", encoding="utf-8")
    done = _run(str(flow), "--base-url", "http://127.0.0.1:9", "--run-time", "1s")
    assert done.returncode == 2
    assert str(flow) in done.stderr and "Traceback" not in done.stderr


def test_campaign_shape_dials_every_recipient_once_and_ends_by_itself(
    backend: str, tmp_path: Path
) -> None:
    model = tmp_path / "behaviour.yaml"
    model.write_text("call: {answer: 1}\n", encoding="utf-8")
    report_file = tmp_path / "report.json"
    done = _run("examples/webapp/flow.xml", "--base-url", backend, "--behaviour", str(model),
                "--shape", "campaign", "--recipients", "6", "--calls-per-second", "6",
                "--run-time", "30s", "--speed", "200", "--json", str(report_file),
                timeout=45)  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    report = json.loads(report_file.read_text())
    assert report["calls"]["started"] == 6
    assert report["calls"]["completed"] == 6
    assert report["commands"][0]["requests"] == 6


def test_callflow_user_in_a_locustfile_run_by_locust(backend: str, tmp_path: Path) -> None:
    locustfile = tmp_path / "locustfile.py"
    locustfile.write_text(
        "from simulator.load import CallflowUser\n\n"
        "class Caller(CallflowUser):\n"
        f"    flow = {str(WEBAPP / 'flow.xml')!r}\n"
        "    digits = ('1234',)\n"
        "    speed = 50\n",
        encoding="utf-8",
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    locust = [sys.executable, "-m", "locust", "-f", str(locustfile), "--headless", "-u", "3",
              "-r", "3", "-t", "3s", "--host", backend, "--csv", str(tmp_path / "own"),
              "--only-summary"]  # fmt: skip
    done = subprocess.run(locust, cwd=tmp_path, capture_output=True, text=True, timeout=60,
                          env=env, check=False)  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    stats = (tmp_path / "own_stats.csv").read_text()
    assert "L4 Callback" in stats and "/ivr/start L4 Gather url" in stats
    assert "calls: " in done.stdout and "/ivr/start L4 Gather url" in done.stdout


def test_redirects_are_not_followed(backend: str, tmp_path: Path) -> None:
    """A 302 (even to the same host) is a failure that says so; the target is never asked."""
    flow = tmp_path / "redirect.xml"
    flow.write_text(SLOW.replace("slow?ms=700", "redirect?n=0").replace('timeout="150"',
                    'timeout="2000"'), encoding="utf-8")  # fmt: skip
    report_file = tmp_path / "report.json"
    done = _run(str(flow), "--base-url", backend, "--users", "2", "--run-time", "2s",
                "--speed", "50", "--json", str(report_file))  # fmt: skip
    assert done.returncode == 1, done.stdout + done.stderr
    (command,) = json.loads(report_file.read_text())["commands"]
    assert command["failures_by_kind"] == {"status 302": command["requests"]}
    assert command["requests"] > 0
    assert "/faults/redirect" in SEEN and "/faults/ok" not in SEEN


def test_master_totals_equal_the_worker_requests(backend: str, tmp_path: Path) -> None:
    port = str(_free_port())
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    common = ["examples/webapp/flow.xml", "--base-url", backend, "--digits", "1234",
              "--speed", "50", "--master-port", port]  # fmt: skip
    master = subprocess.Popen(
        [*CALLFLOW, "load", *common, "--master", "--expect-workers", "1", "--users", "4",
         "--spawn-rate", "10", "--run-time", "5s", "--json", str(tmp_path / "master.json")],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    worker = subprocess.Popen(
        [*CALLFLOW, "load", *common, "--worker", "--master-host", "127.0.0.1",
         "--json", str(tmp_path / "worker.json")],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        m_out, m_err = master.communicate(timeout=60)
        w_out, w_err = worker.communicate(timeout=30)
    finally:
        for proc in (master, worker):
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    assert master.returncode == 0, m_out + m_err
    assert worker.returncode == 0, w_out + w_err
    ours = json.loads((tmp_path / "master.json").read_text())
    theirs = json.loads((tmp_path / "worker.json").read_text())
    assert theirs["requests"] > 0
    assert ours["requests"] == theirs["requests"] == ours["locust"]["requests"]
    assert ours["calls"] == theirs["calls"]


def test_web_ui_runs_and_its_host_field_cannot_redirect_the_requests(
    backend: str, tmp_path: Path
) -> None:
    """--web serves Locust's UI on 127.0.0.1; a swarm started there with another host still
    sends every request to --base-url, and --run-time still ends the run."""
    import time
    import urllib.parse
    import urllib.request

    port = _free_port()
    report_file = tmp_path / "report.json"
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [*CALLFLOW, "load", "examples/webapp/flow.xml", "--base-url", backend, "--digits", "1234",
         "--web", "--web-port", str(port), "--run-time", "5s", "--speed", "50",
         "--json", str(report_file)],
        cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip
    try:
        form = urllib.parse.urlencode(
            {"user_count": 2, "spawn_rate": 2, "host": f"http://127.0.0.1:{_free_port()}"}
        ).encode()
        deadline = time.monotonic() + 15
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/swarm", form, 5) as answer:
                    assert json.loads(answer.read())["success"]
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        out, err = proc.communicate(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert proc.returncode == 0, out + err
    report = json.loads(report_file.read_text())
    assert report["requests"] > 0 and report["failures"] == 0


def test_the_same_seed_places_the_same_calls(backend: str, tmp_path: Path) -> None:
    """With --seed, the calls a user places (their ids, the keys drawn) repeat run after run,
    though how many fit in the run time does not."""
    model = tmp_path / "behaviour.yaml"
    model.write_text(
        'call: {answer: 1}\ngathers:\n  default: {keys: {"1234": 0.5, "5678": 0.3}, hangup: 0.1}\n',
        encoding="utf-8",
    )

    def queries(seed: str) -> list[str]:
        LOG.clear()
        done = _run("examples/webapp/flow.xml", "--base-url", backend, "--behaviour", str(model),
                    "--users", "1", "--run-time", "3s", "--speed", "200", "--seed", seed,
                    "--fail-ratio", "1")  # fmt: skip
        assert done.returncode == 0, done.stdout + done.stderr
        return list(LOG)

    first, again, other = queries("3"), queries("3"), queries("4")
    common = min(len(first), len(again))
    assert common >= 10
    assert first[:common] == again[:common]
    assert first[:common] != other[:common]
    assert any("dtmf=1234" in q for q in first) and any("dtmf=5678" in q for q in first)


def test_max_requests_ends_the_run_before_its_run_time(backend: str, tmp_path: Path) -> None:
    import time

    report_file = tmp_path / "report.json"
    began = time.monotonic()
    done = _run("examples/webapp/flow.xml", "--base-url", backend, "--digits", "1234",
                "--users", "2", "--spawn-rate", "10", "--run-time", "60s", "--speed", "50",
                "--max-requests", "6", "--json", str(report_file), timeout=50)  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    assert time.monotonic() - began < 40
    report = json.loads(report_file.read_text())
    assert 6 <= report["requests"] <= 6 + 2  # the users' requests in flight when it stopped


def test_every_caller_can_follow_a_scenario(backend: str, tmp_path: Path) -> None:
    """--scenario: the scenario's caller, call fields and flow (its http: and expect: are not
    used; the backend under test answers)."""
    report_file = tmp_path / "report.json"
    LOG.clear()
    done = _run("--scenario", "examples/webapp/scenarios/alice-balance.yaml", "--base-url",
                backend, "--users", "2", "--run-time", "3s", "--speed", "50",
                "--json", str(report_file))  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    names = {c["name"] for c in json.loads(report_file.read_text())["commands"]}
    assert names == {"L4 Callback", "/ivr/start L4 Gather url"}
    accounts = [q for q in LOG if "dtmf=" in q]
    assert accounts and all("dtmf=1234" in q and "from=%2B12125550100" in q for q in accounts)


@pytest.mark.parametrize(
    ("files", "attributes", "where"),
    [
        ({"bad.xml": "<Response>\n  <Say>unclosed\n</Response>\n"},
         "flow = 'bad.xml'\n    digits = ('1',)\n", r"bad\.xml:3:12: CF001 "),
        ({"behaviour.yaml": "seed: 1\ncall: [1, 2\n"},
         f"flow = {str(WEBAPP / 'flow.xml')!r}\n    behaviour = 'behaviour.yaml'\n",
         r"behaviour\.yaml:3:1: CP021 "),
    ],
    ids=["flow", "behaviour"],
)  # fmt: skip
def test_a_locustfile_with_a_broken_file_says_where_in_one_line(
    tmp_path: Path, files: dict[str, str], attributes: str, where: str
) -> None:
    """``locust -f`` with a user whose flow or behaviour file cannot be used: one line
    ``file:line:col: CODE message`` (no traceback), no request, exit status 2, well before the
    run time is over."""
    import re
    import time

    for name, text in files.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    locustfile = tmp_path / "locustfile.py"
    locustfile.write_text("from simulator.load import CallflowUser\n\n"
                          f"class Caller(CallflowUser):\n    {attributes}    speed = 50\n",
                          encoding="utf-8")  # fmt: skip
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    locust = [sys.executable, "-m", "locust", "-f", str(locustfile), "--headless", "-u", "3",
              "-r", "3", "-t", "20s", "--host", "http://127.0.0.1:9", "--only-summary"]  # fmt: skip
    began = time.monotonic()
    done = subprocess.run(locust, cwd=tmp_path, capture_output=True, text=True, timeout=60,
                          env=env, check=False)  # fmt: skip
    output = done.stdout + done.stderr
    assert done.returncode == 2, output
    assert time.monotonic() - began < 15, "the run went on to its run time"
    assert "Traceback" not in output
    said = [line for line in output.splitlines() if re.match(where, line)]
    assert len(said) == 1, output
    assert said[0].endswith("(user class Caller)")
    assert "total: 0 requests" in output
