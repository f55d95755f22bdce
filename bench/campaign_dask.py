"""A campaign on a Dask LocalCluster: ``python -m bench --campaign-dask [--quick | --smoke]``.

The recipients of ``bench.campaign`` (every document different) simulated by
``callflow campaign --scheduler local:N`` for N = 1, 2 and 4 worker processes, each run a new
``callflow`` process, timed from start to end (the cluster's start-up included, about 2 s),
against the process pool (``--jobs 1`` and ``--jobs 2``), each run three times interleaved (the
best counts: the machine may be shared). Every report must equal the one of ``--jobs 1`` byte
for byte. Needs the ``dask`` extra.

On a 2-core machine 4 workers cannot beat 2: the figure shows what the cluster's overhead
costs when workers outnumber cores. Load averages are recorded: other work on the machine
slows every run.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.campaign import EXAMPLE, SEED, recipients_csv

SIZES = {"full": 20_000, "quick": 5_000, "smoke": 300}
CALLFLOW = "import sys; from callflow.cli import main; sys.exit(main())"
REPEATS = {"full": 3, "quick": 1, "smoke": 1}
"""Tries of each run, interleaved; the table shows the best (the least disturbed)."""
WORKERS = {"full": (1, 2, 4), "quick": (1, 2, 4), "smoke": (1, 2)}


def _load() -> list[float] | None:
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None


def _campaign(recipients: Path, out: Path, *extra: str) -> float:
    """Seconds of one ``callflow campaign`` process (exit 0 or 1: findings are no failure)."""
    command = [sys.executable, "-c", CALLFLOW, "campaign", str(EXAMPLE / "reminder.xml"),
               "--recipients", str(recipients), "--behaviour", str(EXAMPLE / "behaviour.yaml"),
               "--seed", str(SEED), "--format", "json", "-o", str(out), *extra]  # fmt: skip
    start = time.perf_counter()
    done = subprocess.run(command, capture_output=True, text=True, timeout=3600, check=False)
    seconds = time.perf_counter() - start
    if done.returncode not in (0, 1):
        raise RuntimeError(f"{' '.join(extra)}: exit {done.returncode}: {done.stderr[-2000:]}")
    return seconds


def run(mode: str) -> dict[str, Any]:
    count = SIZES[mode]
    before = _load()
    runs: list[dict[str, Any]] = []
    with tempfile.TemporaryDirectory() as folder:
        recipients = Path(folder) / "recipients.csv"
        recipients.write_text(recipients_csv(count), encoding="utf-8")
        reference = Path(folder) / "jobs1.json"
        setups = [("--jobs 1", ["--jobs", "1"]), ("--jobs 2", ["--jobs", "2"])]
        setups += [(f"local:{n}", ["--scheduler", f"local:{n}"]) for n in WORKERS[mode]]
        times: dict[str, list[float]] = {name: [] for name, _ in setups}
        same: dict[str, bool] = {}
        for _ in range(REPEATS[mode]):  # interleaved: a busy spell slows one try of each
            for name, extra in setups:
                out = reference if name == "--jobs 1" else Path(folder) / "out.json"
                times[name].append(_campaign(recipients, out, *extra))
                same[name] = same.get(name, True) and out.read_bytes() == reference.read_bytes()
        for name, _ in setups:
            best = min(times[name])
            runs.append(
                {
                    "run": name,
                    "seconds": round(best, 2),
                    "tries_s": [round(t, 2) for t in times[name]],
                    "recipients_per_s": round(count / best),
                    "same_report": same[name],
                }
            )
    return {
        "recipients": count,
        "cores_available": len(os.sched_getaffinity(0))
        if hasattr(os, "sched_getaffinity")
        else os.cpu_count(),
        "runs": runs,
        "load_average_before": before,
        "load_average_after": _load(),
    }


def table(r: dict[str, Any]) -> str:
    lines = [
        "| run | best seconds | recipients/s | every try (s) | same report as --jobs 1 |",
        "|---|---|---|---|---|",
    ]
    for item in r["runs"]:
        same = "yes" if item["same_report"] else "NO"
        lines.append(
            f"| {item['run']} | {item['seconds']:.2f} | {item['recipients_per_s']:,}"
            f" | {', '.join(f'{t:.1f}' for t in item['tries_s'])} | {same} |"
        )
    lines.append("")
    lines.append(
        f"{r['recipients']:,} recipients; {r['cores_available']} cores; load average"
        f" {r['load_average_before']} before, {r['load_average_after']} after"
    )
    return "\n".join(lines)


def main(mode: str, json_file: Path | None = None) -> int:
    results = run(mode)
    print(table(results))
    if json_file is not None:
        json_file.parent.mkdir(parents=True, exist_ok=True)
        json_file.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return 0 if all(item["same_report"] for item in results["runs"]) else 1
