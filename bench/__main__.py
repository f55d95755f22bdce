"""``python -m bench [--quick | --smoke] [--json FILE]``: run every benchmark, print a table.
``--campaign`` and ``--load`` run only that benchmark, in the same three sizes.

Full mode is what docs/benchmarks.md reports; ``--quick`` is a shorter run (under 30 s) with a
smaller corpus; ``--smoke`` only proves that every benchmark still runs (CI), its numbers mean
nothing. Every ratio comes from one process run.
"""

from __future__ import annotations

import argparse
import datetime
import importlib.metadata
import json
import os
import platform
import subprocess
import sys
from pathlib import Path
from typing import Any

from bench import builder, explore, graph, lint, simulate
from bench.timing import Plan

MODES: dict[str, dict[str, Any]] = {
    "full": {"plan": Plan(7, 1.0), "valid": 10_000, "invalid": 1_000, "passes": 5, "levels": 3},
    "quick": {"plan": Plan(3, 0.2), "valid": 1_000, "invalid": 100, "passes": 3, "levels": 3},
    "smoke": {"plan": Plan(1, 0.005), "valid": 12, "invalid": 3, "passes": 1, "levels": 2},
}

STARTUP_FILE = Path(__file__).resolve().parents[1] / "examples" / "main-menu.xml"
"""The one file linted by the start-up benchmark (a pre-commit run on one changed flow)."""

TARGETS = {
    "builder": "ours >= 2x the faster peer",
    "lint": "one core within 2x of the baseline (>= 0.5x); --jobs 2 faster than it (> 1x)",
    "lint_cached": "warm cache >= 3x the baseline; >= 1.5x with 1% of files changed",
    "startup": "a new process linting one file within 2x the CPU of a bare lxml script",
    "simulate": ">= 10,000 calls/s on one core",
    "explore": "1,000-leaf tree in < 1 s",
    "graph": "99,990-Say Response drawn in < 5 s, linear (doubling the size <= 2.5x the time)",
}


def _version(dist: str) -> str | None:
    try:
        return importlib.metadata.version(dist)
    except importlib.metadata.PackageNotFoundError:
        return None


def _cpu_model() -> str | None:
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as handle:
            for line in handle:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or None


def _commit() -> str | None:
    try:
        done = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            capture_output=True, text=True, check=False, cwd=Path(__file__).parent,
        )  # fmt: skip
    except OSError:
        return None
    return done.stdout.strip() or None


def _load() -> list[float] | None:
    """1, 5 and 15 minute load averages: other work on the machine skews every number."""
    try:
        return [round(x, 2) for x in os.getloadavg()]
    except OSError:
        return None


def machine() -> dict[str, Any]:
    """Where and when the numbers were taken."""
    from lxml import etree

    try:
        cores = len(os.sched_getaffinity(0))
    except AttributeError:
        cores = os.cpu_count() or 1
    return {
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "platform": platform.platform(),
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "cpu": _cpu_model(),
        "cpu_count": os.cpu_count(),
        "cores_available": cores,
        "lxml": ".".join(map(str, etree.LXML_VERSION)),
        "libxml2": ".".join(map(str, etree.LIBXML_VERSION)),
        "twilio": _version("twilio"),
        "plivo": _version("plivo"),
        "commit": _commit(),
        "load_average": _load(),
    }


def run(mode: str) -> dict[str, Any]:
    cfg = MODES[mode]
    plan: Plan = cfg["plan"]
    out: dict[str, Any] = {"mode": mode, "machine": machine(), "targets": TARGETS}
    out["builder"] = builder.run(plan)
    out["lint"] = lint.run(cfg["valid"], cfg["invalid"], cfg["passes"], cli=mode == "full")
    out["startup"] = lint.startup(STARTUP_FILE, cfg["passes"])
    out["simulate"] = simulate.run(plan)
    out["explore"] = explore.run(cfg["passes"], cfg["levels"])
    out["graph"] = graph.run(mode, cfg["passes"])
    out["met"] = met(out)
    out["load_average_after"] = _load()
    return out


def met(r: dict[str, Any]) -> dict[str, bool | None]:
    """Whether each target was reached in this run (None: not measured)."""
    b, li, s, e = r["builder"], r["lint"], r["simulate"], r["explore"]
    jobs = li.get(f"ours_jobs{lint.JOBS}_vs_baseline")
    return {
        "builder": None if b["ratio_vs_fastest_peer"] is None else b["ratio_vs_fastest_peer"] >= 2,
        "builder_fresh": None
        if b["fresh_ratio_vs_fastest_peer"] is None
        else b["fresh_ratio_vs_fastest_peer"] >= 2,
        "lint_one_core": li["ours_vs_baseline"] >= 0.5,
        "lint_jobs": None if jobs is None else jobs > 1,
        "lint_cached": li["cached_vs_baseline"] >= 3,
        "lint_cached_1pct": li["cached_1pct_vs_baseline"] >= 1.5,
        "startup": r["startup"]["ours_s"] <= 2 * r["startup"]["baseline_s"],
        "simulate": s["calls_per_s"] >= 10_000,
        "explore": None if e["seconds"] is None else e["seconds"] < 1,
        "graph": _graph_met(r.get("graph")),
    }


def _graph_met(gr: dict[str, Any] | None) -> bool | None:
    if gr is None or gr["growth_when_doubled"] is None:
        return None
    linear = gr["growth_when_doubled"] <= 2.5
    return linear and (gr["seconds"] < 5 if gr["says"] >= graph.SAYS["full"] else True)


def _n(value: float | None, unit: str = "") -> str:
    if value is None:
        return "n/a"
    return f"{value:,.0f}{unit}" if value >= 100 else f"{value:,.2f}{unit}"


def _x(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.2f}x"


def _yes(value: bool | None) -> str:
    return "n/a" if value is None else ("yes" if value else "NO")


def table(r: dict[str, Any]) -> str:
    """The results as a Markdown table (the same text goes into docs/benchmarks.md)."""
    b, li, s, e, ok = r["builder"], r["lint"], r["simulate"], r["explore"], r["met"]
    st = r["startup"]
    jobs = lint.JOBS
    rows = [
        ("benchmark", "ours", "compared with", "ratio", "target", "met"),
        (
            "builder, same strings (docs/s)", _n(b["ours_per_s"]),
            f"twilio {_n(b['twilio_per_s'])}, plivo {_n(b['plivo_per_s'])}",
            _x(b["ratio_vs_fastest_peer"]), ">= 2x faster peer", _yes(ok["builder"]),
        ),
        (
            "builder, fresh strings (docs/s)", _n(b["ours_fresh_per_s"]),
            f"twilio {_n(b['twilio_fresh_per_s'])}, plivo {_n(b['plivo_fresh_per_s'])}",
            _x(b["fresh_ratio_vs_fastest_peer"]), ">= 2x faster peer", _yes(ok["builder_fresh"]),
        ),
        (
            "lint, 1 core (files/s)", _n(li["ours_files_per_s"]),
            f"lxml parse + XSD {_n(li['baseline_files_per_s'])}",
            _x(li["ours_vs_baseline"]), ">= 0.5x", _yes(ok["lint_one_core"]),
        ),
        (
            f"lint, --jobs {jobs} (files/s)", _n(li[f"ours_jobs{jobs}_files_per_s"]),
            f"lxml parse + XSD {_n(li['baseline_files_per_s'])}",
            _x(li[f"ours_jobs{jobs}_vs_baseline"]), "> 1x", _yes(ok["lint_jobs"]),
        ),
        (
            "lint, warm cache (files/s)", _n(li["cached_files_per_s"]),
            f"lxml parse + XSD {_n(li['baseline_files_per_s'])}",
            _x(li["cached_vs_baseline"]), ">= 3x", _yes(ok["lint_cached"]),
        ),
        (
            "lint, warm cache, 1% changed (files/s)", _n(li["cached_1pct_files_per_s"]),
            f"lxml parse + XSD {_n(li['baseline_files_per_s'])}",
            _x(li["cached_1pct_vs_baseline"]), ">= 1.5x", _yes(ok["lint_cached_1pct"]),
        ),
        (
            "start-up, lint one file (CPU s)", f"{st['ours_s']:.3f} s",
            f"bare lxml script {st['baseline_s']:.3f} s",
            _x(st["ours_s"] / st["baseline_s"] if st["baseline_s"] else None), "<= 2x its CPU",
            _yes(ok["startup"]),
        ),
        (
            "simulate, 3-level menu (calls/s)", _n(s["calls_per_s"]), "", "",
            ">= 10,000/s", _yes(ok["simulate"]),
        ),
        (
            f"explore, {e.get('leaves') or 1000:,}-leaf tree (s)",
            "n/a" if e["seconds"] is None else f"{e['seconds']:.3f} s, {e['paths']} paths",
            e["reason"] or "", "", "< 1 s", _yes(ok["explore"]),
        ),
        (
            f"graph, {r['graph']['says']:,}-Say Response (s)", f"{r['graph']['seconds']:.3f} s",
            f"half the size: {r['graph']['seconds_half']:.3f} s",
            _x(r["graph"]["growth_when_doubled"]), "< 5 s, doubling <= 2.5x", _yes(ok["graph"]),
        ),
    ]  # fmt: skip
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["| " + " | ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)) + " |"
             for row in rows]  # fmt: skip
    lines.insert(1, "|" + "|".join("-" * (w + 2) for w in widths) + "|")
    missing = b["missing_peers"]
    notes = [f"not installed, so not measured: {', '.join(missing)}"] if missing else []
    m = r["machine"]
    notes.append(
        f"{r['mode']} run, {m['date']}, {m['cpu']} ({m['cores_available']} cores), "
        f"{m['python']}, {m['platform']}; lint corpus {li['files']:,} files "
        f"({li['invalid']:,} invalid, {li['bytes_per_file']} bytes each on average); "
        f"load average {m['load_average']} before, {r['load_average_after']} after"
    )
    cpu = li["cpu_us_per_file"]
    notes.append(
        f"lint CPU time per file, all processes: baseline {cpu['baseline']} us, ours "
        f"{cpu['ours']} us, ours --jobs {jobs} {cpu['ours_jobs']} us"
    )
    return "\n".join([*lines, "", *notes])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    size = ap.add_mutually_exclusive_group()
    size.add_argument("--quick", action="store_true", help="a shorter run (under 30 s)")
    size.add_argument("--smoke", action="store_true", help="a tiny run that only proves it works")
    ap.add_argument("--json", metavar="FILE", type=Path, help="also write the results as JSON")
    ap.add_argument("--campaign", action="store_true", help="only the campaign benchmark "
                    "(bench/campaign.py: 100,000 recipients in full mode)")  # fmt: skip
    ap.add_argument("--campaign-dask", action="store_true", help="only the campaign on a"
                    " Dask LocalCluster of 1, 2, 4 workers (bench/campaign_dask.py)")  # fmt: skip
    ap.add_argument("--load", action="store_true", help="only the load benchmark (bench/load.py: "
                    "concurrent calls one core holds; needs the load extra)")  # fmt: skip
    args = ap.parse_args(argv)
    mode = "smoke" if args.smoke else "quick" if args.quick else "full"
    if args.campaign_dask:
        from bench import campaign_dask

        return campaign_dask.main(mode, args.json)
    if args.campaign:
        from bench import campaign

        return campaign.main(mode, args.json)
    if args.load:
        from bench import load

        return load.main(mode, args.json)
    results = run(mode)
    print(table(results))
    if args.json is not None:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
