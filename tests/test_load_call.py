"""The parts of ``callflow load`` that need no Locust: the real-time driver of the machine,
Opentact's judgement of an answer, request names, seeded callers and the per-command stats.

Importing Locust monkey-patches the whole process (gevent), so nothing here imports it; the
runs with Locust are in tests/test_load_locust.py, each in a subprocess.
"""

from __future__ import annotations

import random
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

import callflow
from callflow import model as m
from simulator.caller import CallerScript, Press
from simulator.campaign.behaviour import parse_behaviour
from simulator.http import HttpAnswer, HttpRequest
from simulator.load.call import (
    Caller,
    Send,
    Sleep,
    call_rng,
    decode_body,
    ended_in_error_branch,
    judge,
    live_call,
    request_name,
)
from simulator.load.stats import Collector, first_over, percentile
from simulator.machine import Machine
from simulator.scenario import load_flow

DOC = '<?xml version="1.0"?>\n<Response>\n  <Say>Hello.</Say>\n</Response>\n'
FLOW = """<?xml version="1.0" encoding="UTF-8"?>
<Response>
  <Say>Welcome to the shop.</Say>
  <Gather url="https://shop.example.com/pin" method="GET" dtmf_length="4" timeout="5000" tag="pin">
    <Say>Enter your pin.</Say>
  </Gather>
</Response>
"""
SLOW = """<?xml version="1.0" encoding="UTF-8"?>
<Response>
  <Callback url="https://shop.example.com/order" method="GET" timeout="200" tag="order">
    <Error>
      <Say>Sorry, our system is slow.</Say>
      <Hangup/>
    </Error>
  </Callback>
</Response>
"""


def _caller(tmp_path: Path, text: str, **kw: object) -> Caller:
    path = tmp_path / "flow.xml"
    path.write_text(text, encoding="utf-8")
    flow = callflow.parse(path)
    return Caller(flow, str(path), **kw)  # type: ignore[arg-type]


def test_the_commands_lines_are_the_flow_as_the_parser_read_it(tmp_path: Path) -> None:
    """A Latin-1 flow (XML declaration): each command's line text, the label a campaign
    report shows, comes from the text the parser decoded, not the bytes read as UTF-8."""
    path = tmp_path / "flow.xml"
    text = FLOW.replace("UTF-8", "ISO-8859-1").replace("Welcome to the shop.", "Gr\u00fc\u00dfe!")
    path.write_bytes(text.encode("latin-1"))
    flow = load_flow(path)
    assert flow.model is not None
    behaviour = parse_behaviour(MODEL, str(tmp_path / "b.yaml"))
    caller = Caller(flow.model, str(path), behaviour, source=flow.source)
    sites = caller._flow_map(behaviour)[0].sites.values()
    assert next(s.text for s in sites if s.command == "Say") == "Gr\u00fc\u00dfe!"


def _req(command: str = "Callback", timeout_ms: int = 1000) -> HttpRequest:
    return HttpRequest("GET", "https://shop.example.com/x?from=1", None, timeout_ms, command)


def _drive(caller: Caller, answer: HttpAnswer, rng: random.Random) -> tuple[list[object], Machine]:
    machine, before = caller.machine(rng)
    steps = live_call(machine, before)
    seen: list[object] = []
    try:
        step = next(steps)
        while True:
            seen.append(step)
            step = steps.send(answer) if isinstance(step, Send) else next(steps)
    except StopIteration as stop:
        return seen, stop.value


# ---- Opentact's judgement ---------------------------------------------------------------------


def test_a_late_answer_fails_even_though_it_arrived() -> None:
    answer, kind, reason = judge(_req(timeout_ms=100), 200, DOC, 150, None)
    assert kind == "late"
    assert reason is not None and "150 ms" in reason and "100 ms" in reason
    assert answer.elapsed_ms == 150  # the machine turns it into a timeout itself


def test_non_2xx_and_no_answer_fail() -> None:
    assert judge(_req(), 503, "", 5, None)[1] == "status 503"
    assert judge(_req(), 302, "", 5, None)[1] == "status 302"
    assert judge(_req(), None, None, 5, "cannot connect")[1] == "no answer"
    assert judge(_req(), None, None, 1000, "timed out", timed_out=True)[1] == "late"


def test_a_backend_body_is_decoded_as_every_answer_is() -> None:
    """One decoding for every answer (as ``simulate`` reads them): a byte order mark or the
    XML declaration wins, and bytes that are not text fail the request, never replaced."""
    utf16 = DOC.replace('<?xml version="1.0"?>', '<?xml version="1.0" encoding="UTF-16"?>')
    text, unreadable = decode_body(200, utf16.encode("utf-16"), "text/xml", "http://t/a")
    assert unreadable is None and text is not None and "<Say>Hello.</Say>" in text
    assert judge(_req(), 200, text, 5, None, unreadable=unreadable)[1] is None
    latin = DOC.replace("Hello.", "Caf\u00e9.").encode("latin-1")  # no declaration, no charset
    text, unreadable = decode_body(200, latin, "text/xml", "http://t/a")
    assert unreadable is not None and "cannot decode" in unreadable
    _, kind, reason = judge(_req(), 200, text, 5, None, unreadable=unreadable)
    assert kind == "invalid document" and reason and "cannot decode" in reason
    named = decode_body(200, latin, "text/xml; charset=ISO-8859-1", "http://t/a")
    assert named == (DOC.replace("Hello.", "Caf\u00e9."), None)


def test_an_invalid_document_fails_a_callback_but_not_a_curl() -> None:
    _, kind, reason = judge(_req(), 200, "<Response><Bogus/></Response>", 5, None)
    assert kind == "invalid document" and reason
    assert judge(_req("Curl"), 200, "not xml at all", 5, None)[1] is None
    assert judge(_req("Gather"), 200, DOC, 5, None)[1] is None


# ---- names ----------------------------------------------------------------------------------


def test_requests_are_named_by_command_line_and_tag(tmp_path: Path) -> None:
    caller = _caller(tmp_path, FLOW)
    gather = next(c for c in caller.flow.children if isinstance(c, m.Gather))
    assert request_name(gather, caller.file, caller.file) == "L4 Gather url tag=pin"
    fetched_name = request_name(gather, "https://shop.example.com/menu", caller.file)
    assert fetched_name == "/menu L4 Gather url tag=pin"


# ---- the real-time driver -------------------------------------------------------------------


@settings(max_examples=30, deadline=None)
@given(elapsed=st.integers(0, 8000))
def test_sleeps_plus_request_time_make_the_whole_call(tmp_path_factory: object, elapsed: int
                                                      ) -> None:  # fmt: skip
    """The driver sleeps the call's own time and never sleeps again what the network took."""
    tmp = tmp_path_factory.mktemp("flow")  # type: ignore[attr-defined]
    caller = _caller(tmp, FLOW, script=CallerScript((Press("1234", 700),)))
    steps, machine = _drive(caller, HttpAnswer(200, DOC, elapsed_ms=elapsed), random.Random(1))
    sends = [s for s in steps if isinstance(s, Send)]
    assert [s.name for s in sends] == ["L4 Gather url tag=pin"]
    slept = sum(s.ms for s in steps if isinstance(s, Sleep))
    assert machine.result is not None
    assert slept + min(elapsed, 10_000) == machine.result.duration_ms
    assert "dtmf=1234" in sends[0].point.request.url


def test_a_late_answer_takes_the_error_branch(tmp_path: Path) -> None:
    caller = _caller(tmp_path, SLOW)
    late = HttpAnswer(200, DOC, elapsed_ms=450)
    steps, machine = _drive(caller, late, random.Random(1))
    assert machine.result is not None
    send = next(s for s in steps if isinstance(s, Send))
    failed = {(send.file, send.point.node.pos.line if send.point.node.pos else None)}
    assert ended_in_error_branch(machine.result, failed)
    said = [e.data["text"] for e in machine.result.events if e.kind == "say"]
    assert said == ["Sorry, our system is slow."]
    on_time = _drive(caller, HttpAnswer(200, DOC, elapsed_ms=50), random.Random(1))[1]
    assert on_time.result is not None and not ended_in_error_branch(on_time.result, set())
    assert [e.data["text"] for e in on_time.result.events if e.kind == "say"] == ["Hello."]


MODEL = """
call: {answer: 0.5}
gathers:
  pin:
    keys: {"1234": 0.4, "9999": 0.3}
    hangup: 0.1
    after_ms: 1500
"""


@settings(max_examples=20, deadline=None)
@given(seed=st.integers(0, 2**32), user=st.sampled_from(["0.0", "0.1", "2.7"]))
def test_seeded_callers_repeat_their_calls(tmp_path_factory: object, seed: int, user: str
                                           ) -> None:  # fmt: skip
    """The sequence of calls a user places depends on (seed, user, call number) only."""
    tmp = tmp_path_factory.mktemp("flow")  # type: ignore[attr-defined]
    behaviour = parse_behaviour(MODEL, str(tmp / "b.yaml"))
    caller = _caller(tmp, FLOW, behaviour=behaviour, outbound=True)

    def calls() -> list[tuple[bool, tuple[str, ...], str | None]]:
        out = []
        for n in range(6):
            rng = call_rng(seed, user, n)
            if not caller.answers(rng):
                out.append((False, (), None))
                continue
            steps, machine = _drive(caller, HttpAnswer(200, DOC), rng)
            urls = tuple(s.point.request.url for s in steps if isinstance(s, Send))
            out.append((True, urls, machine.ending))
        return out

    assert calls() == calls()


def test_different_seeds_place_different_calls(tmp_path: Path) -> None:
    behaviour = parse_behaviour(MODEL, str(tmp_path / "b.yaml"))
    caller = _caller(tmp_path, FLOW, behaviour=behaviour)
    answers = HttpAnswer(200, DOC)

    def urls(seed: int) -> list[tuple[str, ...]]:
        out = []
        for n in range(20):
            steps = _drive(caller, answers, call_rng(seed, "0.0", n))[0]
            out.append(tuple(s.point.request.url for s in steps if isinstance(s, Send)))
        return out

    assert urls(1) != urls(2)


# ---- stats ----------------------------------------------------------------------------------

SAMPLE = st.tuples(
    st.sampled_from(["L4 Callback", "L9 Gather url tag=pin", "/next L2 Curl"]),
    st.floats(0, 30),
    st.integers(0, 3000),
    st.sampled_from([None, "late", "status 500"]),
)


@settings(max_examples=50, deadline=None)
@given(parts=st.lists(st.lists(SAMPLE, max_size=20), min_size=1, max_size=4))
def test_merged_worker_reports_equal_one_process_collecting_everything(
    parts: list[list[tuple[str, float, int, str | None]]],
) -> None:
    """What workers drain (in several reports each) adds up on the master to the report one
    process would have made."""
    alone, master = Collector(), Collector()
    for part in parts:
        worker = Collector()
        for i, (name, at, ms, kind) in enumerate(part):
            for c in (alone, worker):
                c.request(name, 200, 1000.0 + at, ms, kind)
            if i % 3 == 0:
                master.merge(worker.drain())
        worker.call(answered=True, ending="hangup", backend_failed=True, error_branch=True)
        alone.call(answered=True, ending="hangup", backend_failed=True, error_branch=True)
        master.merge(worker.drain())
        master.merge(worker.drain())  # nothing new: adds nothing
    assert master.report(1000.0) == alone.report(1000.0)
    assert master.requests == alone.requests == sum(len(p) for p in parts)


def test_report_counts_add_up() -> None:
    c = Collector()
    for ms, kind in ((10, None), (20, None), (500, "late")):
        c.request("L4 Callback", 100, 5.0, ms, kind)
    c.call(answered=True, ending="hangup", backend_failed=True, error_branch=True)
    c.call(answered=True, ending=None, backend_failed=False, error_branch=False)
    c.call(answered=False, ending=None, backend_failed=False, error_branch=False)
    report = c.report(5.0)
    (command,) = report["commands"]
    assert (command["requests"], command["failures"], command["failures_by_kind"]) == (
        3, 1, {"late": 1},
    )  # fmt: skip
    assert command["p50_ms"] == 20 and command["p99_ms"] == 500
    calls = report["calls"]
    assert (calls["started"], calls["completed"], calls["cut_short"], calls["not_answered"]) == (
        3, 1, 1, 1,
    )  # fmt: skip


def test_percentile_is_nearest_rank() -> None:
    values = list(range(1, 101))
    assert percentile(values, 50) == 50 and percentile(values, 95) == 95
    assert percentile([], 50) is None


def test_first_second_where_p95_crossed_the_timeout() -> None:
    fast = [(100.0 + s + 0.1 * i, 50) for s in range(3) for i in range(5)]
    slow = [(103.5, 400), (103.6, 450)]
    assert first_over(fast + slow, 300, 100.0) == 3
    assert first_over(fast, 300, 100.0) is None


def test_the_core_and_the_cli_command_do_not_import_locust() -> None:
    """Locust (and gevent's monkey-patching) load only when a load test runs."""
    import subprocess
    import sys

    code = (
        "import sys, callflow, callflow.cli, callflow.cli.load, simulator, simulator.load, "
        "simulator.load.call, simulator.load.stats\n"
        "from callflow.cli import cli\n"
        "leaked = sorted(m for m in ('locust', 'gevent') if m in sys.modules)\n"
        "assert not leaked, leaked\n"
    )
    root = Path(__file__).resolve().parents[1]
    done = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True,
                          check=False, timeout=60)  # fmt: skip
    assert done.returncode == 0, done.stderr
