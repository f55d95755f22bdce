"""A simulated call against a hostile backend ends, and says which bound ended what.

Decisions (spec section 3, Callback: "a network error, a timeout, a non-2xx answer or an
invalid document is a failure"):

- An answer over the size bound (1 MiB) or slower than the command's ``timeout`` is a failed
  command: its ``Error`` handler runs (``play`` speaks the reason, which names the bound) and
  the flow goes on. Such a request takes the command's timeout in virtual time, or none.
- The run itself ends as ``limit``, with the bound and the line in ``reason``, only for the
  bounds of the run: steps, virtual time, HTTP hops (a document that calls itself back).

tests/test_resolvers_live.py and tests/test_resolvers_app.py bound the single request; this
module runs whole calls, through the engine and through ``callflow simulate``.
"""

from __future__ import annotations

import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any, cast

import pytest
from werkzeug.serving import make_server

from callflow import parse
from simulator import CallerScript, Canned, CannedResolver, Limits, Press, simulate
from simulator.resolvers import MAX_BYTES, LiveResolver, load_app

WEBAPP = Path(__file__).resolve().parents[1] / "examples" / "webapp"
HOST = "https://ivr.example.com"
HOSTILE_BACKEND = f"""<Response>
  <Say>start</Say>
  <Callback url="{HOST}/faults/stream" timeout="5000">
    <Error play="true"><Say>stream failed</Say></Error>
  </Callback>
  <Callback url="{HOST}/faults/trickle?ms=20" timeout="300">
    <Error play="true"/>
  </Callback>
  <Say>after</Say>
</Response>
"""
SELF_CALLBACK = f'<Response>\n  <Callback url="{HOST}/faults/self-callback"/>\n</Response>\n'
TOO_LARGE = f"response larger than {MAX_BYTES} bytes"
TOO_SLOW = "response took longer than the 300 ms timeout"


@pytest.fixture(scope="module")
def faults_server() -> Iterator[str]:
    """examples/webapp/faults.py served for real on 127.0.0.1."""
    server = make_server("127.0.0.1", 0, cast(Any, load_app("faults:app", WEBAPP)), threaded=True)
    thread = threading.Thread(target=server.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(5)
    server.server_close()


def test_an_endless_and_a_trickling_answer_fail_their_commands_and_the_call_goes_on(
    faults_server: str,
) -> None:
    with LiveResolver(faults_server) as http:
        result = simulate(parse(HOSTILE_BACKEND), http=http)
    assert result.result == "hangup"
    errors = result.of_kind("error")
    assert [(e.line, e.data.get("reason")) for e in errors] == [(3, TOO_LARGE), (6, TOO_SLOW)]
    assert result.said(TOO_LARGE) and result.said("stream failed") and result.said("after")
    requests = result.of_kind("http")
    assert len(requests) == 2
    # The slow one takes its timeout in virtual time; the large one, none.
    assert errors[0].t == requests[0].t
    assert errors[1].t - requests[1].t == 300


def test_a_document_that_calls_itself_back_ends_as_limit_naming_the_bound(
    faults_server: str,
) -> None:
    with LiveResolver(faults_server) as http:
        result = simulate(parse(SELF_CALLBACK), http=http, limits=Limits(max_http_hops=4))
    assert result.result == "limit"
    assert result.reason is not None
    assert result.reason.startswith("max_http_hops=4 reached at line 1 of ")
    assert result.reason.endswith(f"{HOST}/faults/self-callback")
    assert len(result.of_kind("http")) == 5


def test_a_gather_url_answering_itself_ends_as_limit() -> None:
    url = f"{HOST}/menu"
    menu = (
        f"<Response>\n  <Gather url='{url}' dtmf_length='1'><Say>Pick.</Say></Gather>\n</Response>"
    )
    http = CannedResolver({url: Canned(xml=menu)})
    caller = CallerScript(actions=(Press("1"),) * 1000)
    result = simulate(parse(menu), caller=caller, http=http, limits=Limits(max_http_hops=6))
    assert result.result == "limit"
    assert result.reason is not None and result.reason.startswith("max_http_hops=6 reached")


def run_simulate(flow: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``callflow simulate`` as a user runs it, killed if it is not done in 60 s."""
    command = "import sys; from callflow.cli import main; main(sys.argv[1:])"
    return subprocess.run([sys.executable, "-c", command, "simulate", str(flow), *args],
                          cwd=WEBAPP, capture_output=True, text=True, timeout=60)  # fmt: skip


def test_the_cli_against_an_in_process_app_that_streams_forever(tmp_path: Path) -> None:
    flow = tmp_path / "hostile.xml"
    flow.write_text(HOSTILE_BACKEND)
    done = run_simulate(flow, "--app", "faults:app")
    assert done.returncode == 0, done.stderr
    assert f"failed: {TOO_LARGE}" in done.stdout and f"failed: {TOO_SLOW}" in done.stdout
    assert done.stdout.rstrip().splitlines()[-1].startswith("result: hangup after ")


def test_the_cli_reports_a_loop_against_a_live_server_as_limit(
    tmp_path: Path, faults_server: str
) -> None:
    flow = tmp_path / "loop.xml"
    flow.write_text(SELF_CALLBACK)
    done = run_simulate(flow, "--base-url", faults_server)
    assert done.returncode == 0, done.stderr
    last = done.stdout.rstrip().splitlines()[-1]
    assert last.startswith("result: limit after ")
    assert "(max_http_hops=20 reached at line 1 of " in last
