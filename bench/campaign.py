"""A campaign at scale: ``python -m bench --campaign [--quick | --smoke]``.

The example reminder campaign (``examples/campaign``: a template with placeholders in text
and in URLs, the behaviour model) sent to a generated recipients file where every row has
its own values, so every recipient's document is rendered, parsed and linted on its own (the
worst case: no two documents alike), with a fallback number and up to two retries.

Measured, each once (seconds of wall time; the target is "100,000 recipients in a few
minutes on 2 cores"):

- reading and checking the recipients file (CSV parse, E.164 validation with phonenumbers);
- the dry run: every document rendered and linted, grouped into bulk-call request bodies;
- the simulation on one process and on ``JOBS`` processes, and whether both reports are
  identical (they must be: each recipient's draws come from (seed, row)).
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path
from typing import Any

from callflow.campaign.bulk import Leases, plan
from callflow.campaign.documents import Documents
from callflow.campaign.recipients import parse_recipients
from simulator.campaign.behaviour import load_behaviour
from simulator.campaign.funnel import Job, flow_map, simulate_campaign
from simulator.campaign.report import report

EXAMPLE = Path(__file__).resolve().parents[1] / "examples" / "campaign"
SIZES = {"full": 100_000, "quick": 10_000, "smoke": 300}
JOBS = 2
SEED = 7
AREAS = ("212", "312", "415", "612", "646", "718", "917", "202", "305", "617", "713", "206")


def recipients_csv(count: int) -> str:
    """``count`` rows, every number and every set of values different."""
    lines = ["to,first_name,date,time,appointment_id,fallback1,max_retries"]
    for i in range(count):
        to = f"+1{AREAS[i // 10_000 % len(AREAS)]}555{i % 10_000:04d}"
        fallback = f"+1{AREAS[(i // 10_000 + 1) % len(AREAS)]}555{(i * 7) % 10_000:04d}"
        lines.append(
            f"{to},Name{i},May {i % 28 + 1},{9 + i % 8}:{i % 60:02d},A-{i},{fallback},{i % 3}"
        )
    return "\n".join(lines) + "\n"


def _timed(work: Any) -> tuple[float, Any]:
    start = time.perf_counter()
    out = work()
    return time.perf_counter() - start, out


def _load() -> list[float] | None:
    """Load averages: other work on the machine slows every step."""
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None


def run(count: int) -> dict[str, Any]:
    before = _load()
    text = recipients_csv(count)
    template = (EXAMPLE / "reminder.xml").read_text(encoding="utf-8")
    behaviour = load_behaviour(EXAMPLE / "behaviour.yaml")
    load_s, recipients = _timed(lambda: parse_recipients(text, "recipients.csv"))
    rows = recipients.rows
    assert len(rows) == count and not recipients.findings, recipients.findings[:3]

    def dry_run() -> int:
        docs = Documents(template, "reminder.xml")
        return len(plan((docs.prepare(r) for r in rows), Leases()).requests)

    dry_s, requests = _timed(dry_run)
    docs = Documents(template, "reminder.xml")
    sites = flow_map(docs, rows, behaviour)
    assert sites is not None
    job = Job(template, "reminder.xml", behaviour, sites, SEED)
    reports = {}
    seconds = {}
    for jobs in (1, JOBS):
        seconds[jobs], part = _timed(lambda jobs=jobs: simulate_campaign(job, rows, jobs))
        reports[jobs] = json.dumps(
            report(
                part,
                sites,
                behaviour,
                flow_file="reminder.xml",
                recipients_file="recipients.csv",
                seed=SEED,
                rows=count,
                bad_rows=0,
            )
        )
    data = json.loads(reports[1])
    return {
        "recipients": count,
        "cores_available": len(os.sched_getaffinity(0))
        if hasattr(os, "sched_getaffinity")
        else os.cpu_count(),
        "load_s": round(load_s, 2),
        "dry_run_s": round(dry_s, 2),
        "requests": requests,
        "simulate_jobs1_s": round(seconds[1], 2),
        f"simulate_jobs{JOBS}_s": round(seconds[JOBS], 2),
        f"recipients_per_s_jobs{JOBS}": round(count / seconds[JOBS]),
        "identical_reports": reports[1] == reports[JOBS],
        "calls_placed": data["calls"]["placed"],
        "calls_answered": data["calls"]["answered"],
        "billed_minutes": data["billing"]["total_minutes"],
        "load_average_before": before,
        "load_average_after": _load(),
    }


def table(r: dict[str, Any]) -> str:
    """The results as a Markdown table."""
    total = r["load_s"] + r[f"simulate_jobs{JOBS}_s"]
    rows = [
        ("step", "seconds", "note"),
        ("read + check recipients", f"{r['load_s']:.2f}", f"{r['recipients']:,} rows"),
        (
            "dry run (render, lint, group)",
            f"{r['dry_run_s']:.2f}",
            f"{r['requests']:,} requests (every document differs)",
        ),
        (
            "simulate, --jobs 1",
            f"{r['simulate_jobs1_s']:.2f}",
            f"{r['calls_placed']:,} calls placed, {r['calls_answered']:,} answered",
        ),
        (
            f"simulate, --jobs {JOBS}",
            f"{r[f'simulate_jobs{JOBS}_s']:.2f}",
            f"{r[f'recipients_per_s_jobs{JOBS}']:,} recipients/s; same report as --jobs 1: "
            f"{'yes' if r['identical_reports'] else 'NO'}",
        ),
        ("read + simulate on both cores", f"{total:.2f}", "target: a few minutes for 100,000"),
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    lines = [
        "| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |"
        for row in rows
    ]
    lines.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
    lines.append("")
    lines.append(
        f"{r['cores_available']} cores; load average {r['load_average_before']} before,"
        f" {r['load_average_after']} after"
    )
    return "\n".join(lines)


def main(mode: str, json_file: Path | None = None) -> int:
    results = run(SIZES[mode])
    print(table(results))
    if json_file is not None:
        json_file.parent.mkdir(parents=True, exist_ok=True)
        json_file.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return 0 if results["identical_reports"] else 1
