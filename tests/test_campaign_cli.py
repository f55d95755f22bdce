"""``callflow campaign`` as a user runs it: the dry run's request bodies, the simulated
funnel's formats and chart, findings on stderr, exit codes."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from lxml import etree

from callflow.cli import cli
from callflow.parser import parse
from simulator.campaign.chart import png_available

EXAMPLES = Path(__file__).resolve().parents[1] / "examples" / "campaign"
PROFILE = "60f98be5-1c4e-4d2c-b144-55fb9b4c79fd"
LEASE = "2ed01387-cf80-4c09-b62a-00e170796b84"
OTHER_LEASE = "3fa85f64-5717-4562-b3fc-2c963f66afa6"

FLOW = """<?xml version="1.0" encoding="UTF-8"?>
<Response>
  <Say>Hello {name}, your code is {code}.</Say>
  <Hangup/>
</Response>
"""


def run(*args: str | Path) -> Result:
    return CliRunner().invoke(cli, [str(a) for a in args])


@pytest.fixture
def files(tmp_path: Path) -> Path:
    (tmp_path / "flow.xml").write_text(FLOW, encoding="utf-8")
    (tmp_path / "r.csv").write_text(
        "to,from,name,code\n"
        "+12125550100,,Ann,1234\n"
        "+12125550101,,Ann,1234\n"
        "+12125550102,+16125550140,Ann,1234\n"
        '+12125550103,,Bo <&> "B",99\n'
        "+1555,,Cy,1\n",
        encoding="utf-8",
    )
    return tmp_path


def bodies(text: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in text.splitlines()]


def test_dry_run_writes_one_request_per_distinct_document_and_lease(files: Path) -> None:
    result = run("campaign", files / "flow.xml", "--recipients", files / "r.csv", "--dry-run",
                 "--profile-id", PROFILE.upper(), "--lease-id", LEASE,
                 "--lease-id", f"+16125550140={OTHER_LEASE}")  # fmt: skip
    assert result.exit_code == 1  # row 6 is bad; the others are written
    assert "r.csv:6:1: CP010 error row 6" in result.stderr
    requests = bodies(result.stdout)
    assert [list(r) for r in requests] == [
        ["outbound_voice_profile", "phones", "xml", "tn_lease"]
    ] * 3
    assert [(r["phones"], r["tn_lease"]) for r in requests] == [
        ([12125550100, 12125550101], LEASE),
        ([12125550102], OTHER_LEASE),
        ([12125550103], LEASE),
    ]
    assert all(r["outbound_voice_profile"] == PROFILE for r in requests)
    say = parse(str(requests[2]["xml"])).children[0]
    assert say.spoken == 'Hello Bo <&> "B", your code is 99.'  # type: ignore[attr-defined]
    assert requests[0]["xml"] == requests[1]["xml"]
    assert "Ann" in str(requests[0]["xml"])


def test_dry_run_to_a_file_without_ids_notes_what_is_left_out(files: Path) -> None:
    out = files / "requests.jsonl"
    result = run("campaign", files / "flow.xml", "--recipients", files / "r.csv", "--dry-run",
                 "-o", out)  # fmt: skip
    assert result.stdout == ""
    assert "outbound_voice_profile is left out" in result.stderr
    assert "tn_lease is left out" in result.stderr
    assert all(list(r) == ["phones", "xml"] for r in bodies(out.read_text(encoding="utf-8")))


def test_dry_run_lints_every_rendered_document(tmp_path: Path) -> None:
    (tmp_path / "flow.xml").write_text(
        '<Response>\n  <Gather timeout="{t}"><Say>Pick</Say>\n'
        '    <DTMF value="1"><Say>x</Say></DTMF></Gather>\n</Response>\n',
        encoding="utf-8",
    )
    (tmp_path / "r.csv").write_text(
        "to,t,extra\n+12125550100,5000,a\n+12125550101,soon,b\n+12125550102,,c\n",
        encoding="utf-8",
    )
    result = run("campaign", tmp_path / "flow.xml", "--recipients", tmp_path / "r.csv",
                 "--dry-run")  # fmt: skip
    assert result.exit_code == 1
    assert "flow.xml:2:11: CF006 error row 3: Gather timeout: 'soon'" in result.stderr
    assert "flow.xml:2:20: CP001 error row 4: no value for {t} (Gather timeout)" in result.stderr
    assert "r.csv:1:1: CP002 warning column 'extra' is used by no placeholder" in result.stderr
    assert [r["phones"] for r in bodies(result.stdout)] == [[12125550100]]


def test_usage_errors(files: Path) -> None:
    base = ("campaign", files / "flow.xml", "--recipients", files / "r.csv")
    assert run(*base).exit_code == 2
    assert run(*base, "--dry-run", "--profile-id", "nope").exit_code == 2
    assert run(*base, "--dry-run", "--seed", "1").exit_code == 2
    assert run(*base, "--behaviour", files / "missing.yaml").exit_code == 2
    assert run(*base[:2], "--recipients", files / "none.csv", "--dry-run").exit_code == 2
    assert run(*base, "--dry-run", "--lease-id", LEASE, "--lease-id", LEASE).exit_code == 2


def test_a_broken_template_stops_before_any_row(files: Path) -> None:
    (files / "flow.xml").write_text("<Response><Say>{name}</Response>", encoding="utf-8")
    result = run("campaign", files / "flow.xml", "--recipients", files / "r.csv", "--dry-run")
    assert result.exit_code == 1
    assert "CF001 error" in result.stderr and result.stdout == ""


def example(tmp_path: Path) -> Path:
    for name in ("reminder.xml", "recipients.csv", "behaviour.yaml"):
        shutil.copy(EXAMPLES / name, tmp_path / name)
    return tmp_path


def test_the_example_campaign_simulates_with_findings_a_report_and_a_chart(tmp_path: Path) -> None:
    folder = example(tmp_path)
    chart = folder / "funnel.html"
    result = run("campaign", folder / "reminder.xml", "--recipients", folder / "recipients.csv",
                 "--behaviour", folder / "behaviour.yaml", "--chart", chart)  # fmt: skip
    assert result.exit_code == 1  # the example has bad rows on purpose
    for row in (5, 8):
        assert f"recipients.csv:{row}:1: CP010 error row {row}:" in result.stderr
    assert "CP001 error row 6: no value for {first_name}" in result.stderr
    assert "funnel (answered calls)" in result.stdout and "Gather confirm" in result.stdout
    assert "billed minutes" in result.stdout
    page = chart.read_text(encoding="utf-8")
    svg = etree.fromstring(page[page.index("<svg") : page.index("</svg>") + 6])
    labels = [t.text for t in svg.iter("{http://www.w3.org/2000/svg}text")]
    assert "answered" in labels and any(str(t).startswith("line 10 Say greeting") for t in labels)


def test_json_is_the_same_for_one_or_two_processes(tmp_path: Path) -> None:
    folder = example(tmp_path)
    rows = "to,first_name,date,time,appointment_id,max_retries\n" + "".join(
        f"+1612555{i:04d},Name{i},May 4,9:30 AM,A-{i},1\n" for i in range(600)
    )
    (folder / "many.csv").write_text(rows, encoding="utf-8")
    reports = []
    for jobs in ("1", "2"):
        result = run("campaign", folder / "reminder.xml", "--recipients", folder / "many.csv",
                     "--behaviour", folder / "behaviour.yaml", "--seed", "11", "--jobs", jobs,
                     "--format", "json")  # fmt: skip
        assert result.exit_code == 0, result.stderr
        reports.append(result.stdout)
    assert reports[0] == reports[1]
    data = json.loads(reports[0])
    assert data["seed"] == 11 and data["recipients"]["simulated"] == 600
    assert len(data["billing"]["per_recipient"]) == 600
    assert data["calls"]["answered"] == sum(data["calls"]["answered_by"].values())


def test_a_png_chart_without_matplotlib_is_a_clear_usage_error(files: Path) -> None:
    if png_available():
        pytest.skip("matplotlib is installed here")
    (files / "m.yaml").write_text("call: {answer: 1}\n", encoding="utf-8")
    result = run("campaign", files / "flow.xml", "--recipients", files / "r.csv",
                 "--behaviour", files / "m.yaml", "--chart", files / "f.png")  # fmt: skip
    assert result.exit_code == 2 and "needs matplotlib" in result.stderr
