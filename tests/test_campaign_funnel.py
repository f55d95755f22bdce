"""The simulated funnel against its analytic expectation, and its repeatability.

Tolerance: a count that is Binomial(n, p) (n the calls that reached the choice, p the model's
probability) must fall within 4 standard deviations, 4 * sqrt(n p (1 - p)), of n p. For one
count that fails by chance about once in 16,000 runs; the seeds are fixed, so a run either
always passes or always fails.
"""

from __future__ import annotations

import math
from pathlib import Path

import pytest

from callflow.campaign.documents import Documents
from callflow.campaign.recipients import Recipient, parse_recipients
from simulator.campaign.behaviour import parse_behaviour
from simulator.campaign.funnel import Job, Part, flow_map, simulate_campaign
from simulator.campaign.report import report
from simulator.speech import speech_ms

N = 10_000
SIGMAS = 4

MENU = """<?xml version="1.0" encoding="UTF-8"?>
<Response>
  <Say tag="hello">Hello {name}, this is a test call.</Say>
  <Gather attempts="1" timeout="5000" tag="menu">
    <Say>Press 1 or 2.</Say>
    <DTMF value="1"><Say>One.</Say></DTMF>
    <DTMF value="2"><Say>Two.</Say></DTMF>
  </Gather>
  <Say>Goodbye.</Say>
</Response>
"""
MENU_MODEL = """
call: {answer: 0.6, busy: 0.15}
prompts: {by: {hello: 0.1}}
gathers:
  menu: {keys: {"1": 0.5, "2": 0.3}, hangup: 0.05}
"""


def within(count: int, n: int, p: float) -> None:
    """``count`` is a plausible Binomial(n, p) draw: within SIGMAS standard deviations."""
    sigma = math.sqrt(n * p * (1 - p))
    assert abs(count - n * p) <= SIGMAS * sigma + 1e-9, (count, n, p)


def run(flow: str, model: str, recipients: list[Recipient], seed: int = 1, jobs: int = 1
        ) -> tuple[Part, dict[str, object]]:  # fmt: skip
    docs = Documents(flow, "flow.xml")
    behaviour = parse_behaviour(model, "model.yaml", Path("."))
    sites = flow_map(docs, recipients, behaviour)
    assert sites is not None
    part = simulate_campaign(Job(flow, "flow.xml", behaviour, sites, seed), recipients, jobs)
    data = report(part, sites, behaviour, flow_file="flow.xml", recipients_file="r.csv",
                  seed=seed, rows=len(recipients), bad_rows=0)  # fmt: skip
    return part, data


def people(n: int, **row: object) -> list[Recipient]:
    return [Recipient(i + 2, f"+1212555{i % 10000:04d}", values={"name": "Ann"}, **row)  # type: ignore[arg-type]
            for i in range(n)]  # fmt: skip


def site(data: dict[str, object], tag: str) -> str:
    stages = data["stages"]
    assert isinstance(stages, list)
    return next(s["id"] for s in stages if s["tag"] == tag)


def test_the_funnel_matches_the_analytic_expectation() -> None:
    part, data = run(MENU, MENU_MODEL, people(N))
    assert part.placed == N  # no retries: one attempt each
    within(part.answered, N, 0.6)
    within(part.busy, N, 0.15)
    assert part.answered + part.busy + part.no_answer == N
    hello, menu = site(data, "hello"), site(data, "menu")
    assert part.reach[hello] == part.answered
    within(part.hung_up[hello], part.answered, 0.1)
    reached_menu = part.answered - part.hung_up[hello]
    assert part.reach[menu] == part.visits[menu] == reached_menu
    taken = {label: part.branches[(menu, label)] for label in ("1", "2", "hang-up", "no input")}
    for label, p in (("1", 0.5), ("2", 0.3), ("hang-up", 0.05), ("no input", 0.15)):
        within(taken[label], reached_menu, p)
    assert sum(taken.values()) == reached_menu
    assert part.hung_up[menu] == taken["hang-up"]
    # silence at the only attempt: the Gather fails and nothing handles it
    assert part.failed_calls == taken["no input"]
    [failure] = data["unhandled_failures"]["items"]  # type: ignore[index]
    assert failure["line"] == 4 and failure["calls"] == taken["no input"]
    assert part.endings["caller-hangup"] == part.hung_up[hello] + taken["hang-up"]


def test_retries_and_fallbacks_follow_the_row() -> None:
    """Rounds of (to, fallback1), two rounds: P(answered) = 1 - 0.7^4; to answers at attempt 1
    or 3, the fallback at attempt 2 or 4."""
    model = "call: {answer: 0.3, busy: 0.2}\n"
    part, _ = run("<Response><Say>Hi</Say></Response>", model,
                  people(N, fallbacks=("+16125550140",), max_retries=1))  # fmt: skip
    within(part.answered, N, 1 - 0.7**4)
    within(part.answered_by[0], N, 0.3 + 0.7**2 * 0.3)
    within(part.answered_by[1], N, 0.7 * 0.3 + 0.7**3 * 0.3)
    assert part.attempts[4] == N - sum(part.attempts[k] for k in (1, 2, 3))
    within(part.attempts[1], N, 0.3)
    assert max(part.attempts) == 4


def test_billing_is_per_started_increment_of_answered_time() -> None:
    flow = "<Response><Say>Hi there</Say></Response>"
    length = speech_ms("Hi there")
    for increment, minimum in ((60, 60), (6, 0), (1, 0)):
        model = (
            f"call: {{answer: 0.5}}\nbilling: {{increment_s: {increment}, minimum_s: {minimum}}}\n"
        )
        part, data = run(flow, model, people(1000))
        each = max(minimum, math.ceil(length / 1000 / increment) * increment)
        assert part.billed_s == part.answered * each
        billing = data["billing"]
        assert isinstance(billing, dict)
        billed = [r["billed_minutes"] for r in billing["per_recipient"]]
        assert sorted(set(billed)) == sorted({0.0, round(each / 60, 2)})


def test_a_hang_up_during_a_prompt_ends_the_call_inside_it() -> None:
    flow = "<Response><Say tag='long'>" + "words " * 50 + "</Say><Say>After.</Say></Response>"
    part, data = run(flow, "call: {answer: 1}\nprompts: {by: {long: 1}}\n", people(200))
    long = site(data, "long")
    assert part.hung_up[long] == part.answered == 200
    assert part.endings == {"caller-hangup": 200}
    billing = data["billing"]
    assert isinstance(billing, dict)
    spoken = speech_ms(("words " * 50).strip())
    times = [r["answered_s"] * 1000 for r in billing["per_recipient"]]
    assert all(0 <= t < spoken for t in times)
    assert len(set(times)) > 100  # a moment drawn for each call, not always the same


def test_same_seed_same_report_across_jobs_and_runs() -> None:
    rows = "to,name\n" + "".join(f"+1212555{i:04d},Name {i}\n" for i in range(700))
    recipients = parse_recipients(rows, "r.csv").rows
    model = MENU_MODEL + "dial: {answer: 0.5}\n"
    _, one = run(MENU, model, recipients, seed=5, jobs=1)
    _, two = run(MENU, model, recipients, seed=5, jobs=2)
    _, again = run(MENU, model, recipients, seed=5, jobs=1)
    _, other = run(MENU, model, recipients, seed=6, jobs=1)
    assert one == two == again
    assert one != other


@pytest.mark.parametrize("jobs", [1, 2])
def test_recipients_with_bad_rows_and_bad_documents_still_run_the_good_ones(jobs: int) -> None:
    flow = '<Response><Say>Hi {name}</Say><Gather timeout="{t}"><Say>x</Say></Gather></Response>'
    text = "to,name,t\n+12125550100,Ann,5000\nnope,Bob,5000\n+12125550101,,5000\n" \
           "+12125550102,Cy,soon\n+12125550103,Di,6000\n"  # fmt: skip
    loaded = parse_recipients(text, "r.csv")
    assert [f.line for f in loaded.findings] == [3]
    part, _ = run(flow, "call: {answer: 1}\n", loaded.rows, jobs=jobs)
    assert part.recipients == 2 and part.not_run == 2
    assert [r[0] for r in part.per_recipient] == [2, 6]
    errors = [f for f in part.findings.findings() if f.severity == "error"]
    rows = {f.message.split(":")[0]: f.code for f in errors}
    assert rows == {"row 4": "CP001", "row 5": "CF006"}


def test_a_call_that_hits_a_bound_counts_as_a_failure(tmp_path: Path) -> None:
    flow = '<Response><Say>Again</Say><Callback url="https://a.example.com/again"/></Response>'
    (tmp_path / "again.xml").write_text(flow, encoding="utf-8")
    model = 'call: {answer: 1}\nhttp: {documents: {"https://a.example.com/again": again.xml}}\n'
    docs = Documents(flow, "flow.xml")
    behaviour = parse_behaviour(model, "model.yaml", tmp_path)
    recipients = people(5)
    sites = flow_map(docs, recipients, behaviour)
    assert sites is not None
    part = simulate_campaign(Job(flow, "flow.xml", behaviour, sites, 1), recipients)
    assert part.endings == {"limit": 5} and part.failed_calls == 5
    [(where, calls)] = part.unhandled.items()
    assert calls == 5 and "max_http_hops" in where[2]
