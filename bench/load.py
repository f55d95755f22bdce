"""How many concurrent simulated calls one core sustains: ``python -m bench --load [--quick |
--smoke]`` (or ``python -m bench.load [--quick]``).

Needs the ``load`` extra. The example bank IVR (``examples/webapp/ivr_web.py``) is served on
127.0.0.1 by a separate process; ``callflow load`` (one process, so at most one core) places
calls of ``examples/webapp/flow.xml`` pressing 1234: a Callback, a Gather url, the balance, a
Dial that talks for 60 s, about 72 s of call in all. Every user holds one call at a time.

For each (users, speed) the run's CPU time (user + system of the load process alone) divided
by its wall time is the share of one core it needed. The work of a call does not depend on the
speed, only how fast it comes, so at real speed (1) one core holds about
``users * speed / share`` concurrent calls: that figure is printed, with the requests per
second and the failures (which must be 0: a generator that falls behind would make requests
late, and they would count as failures).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
CALL_S = 72.0
"""How long one call of the example lasts at real speed: greeting, code, balance, 60 s talk."""
WEBAPP = ROOT / "examples" / "webapp"
PLANS = {
    "full": [(100, 10.0, 20, 50), (1000, 10.0, 20, 200), (3000, 1.0, 45, 100)],
    "quick": [(50, 10.0, 8, 50), (200, 10.0, 8, 100)],
    "smoke": [(4, 50.0, 3, 4)],
}
"""(users, speed, seconds, spawn rate): two churn runs at speed 10 give the CPU a call costs
(their difference, so start-up is left out); the last holds 3,000 calls at once at real speed,
started at 100 a second (the single-process example server takes no faster a burst). The smoke
run (CI) only proves the whole chain still works: a few calls at speed 50, no number to read."""
SERVE = (
    "import logging, sys; from werkzeug.serving import make_server; "
    "logging.getLogger('werkzeug').setLevel(logging.ERROR); "
    "from simulator.resolvers import load_app; "
    "s = make_server('127.0.0.1', int(sys.argv[1]), load_app('ivr_web:app', sys.argv[2]), "
    "threaded=True); s.serve_forever()"
)


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _wait_for(port: int) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError("the example backend did not start")


def one(base: str, users: int, speed: float, seconds: int, rate: int) -> dict[str, Any]:
    """One run: CPU share of the load process, requests, failures, calls held per core."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "report.json"
        command = [sys.executable, "-c", "import sys; from callflow.cli import main; "
                   "main(sys.argv[1:])", "load", str(WEBAPP / "flow.xml"), "--base-url", base,
                   "--digits", "1234", "--users", str(users), "--spawn-rate", str(rate),
                   "--run-time", f"{seconds}s", "--speed", str(speed), "--json", str(out),
                   "--fail-ratio", "1"]  # fmt: skip
        before = resource.getrusage(resource.RUSAGE_CHILDREN)
        began = time.monotonic()
        done = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, check=False)
        wall = time.monotonic() - began
        after = resource.getrusage(resource.RUSAGE_CHILDREN)
        if done.returncode != 0:
            raise RuntimeError(done.stdout + done.stderr)
        report = json.loads(out.read_text())
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    share = cpu / wall
    return {
        "users": users,
        "p95_ms_worst_command": max((c["p95_ms"] or 0) for c in report["commands"]),
        "speed": speed,
        "seconds": seconds,
        "wall_s": round(wall, 2),
        "cpu_s": round(cpu, 2),
        "core_share": round(share, 3),
        "requests_per_s": round(report["requests"] / seconds, 1),
        "failures": report["failures"],
        "calls_completed": report["calls"]["completed"],
        "calls_placed": report["calls"]["started"],
        "concurrent_calls_per_core_at_speed_1": round(users * speed / share),
    }


def run(mode: str) -> dict[str, Any]:
    """The runs of ``mode`` against the example backend served on a free loopback port, and
    the cost of a call when there are two runs to take the difference of."""
    port = _free_port()
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    backend = subprocess.Popen([sys.executable, "-c", SERVE, str(port), str(WEBAPP)], env=env)
    rows = []
    try:
        _wait_for(port)
        for users, speed, seconds, rate in PLANS[mode]:
            row = one(f"http://127.0.0.1:{port}", users, speed, seconds, rate)
            rows.append(row)
            print(json.dumps(row), flush=True)
    finally:
        backend.terminate()
        backend.wait(10)
    out: dict[str, Any] = {"mode": mode, "rows": rows, "per_call": None}
    if len(rows) >= 2:
        low, high = rows[0], rows[1]
        per_call = (high["cpu_s"] - low["cpu_s"]) / max(
            1, high["calls_placed"] - low["calls_placed"]
        )
        out["per_call"] = {"cpu_ms_per_call": round(per_call * 1000, 2),
                           "calls_per_s_per_core": round(1 / per_call),
                           "concurrent_calls_per_core": round(CALL_S / per_call)}  # fmt: skip
        print(json.dumps(out["per_call"]))
    return out


def main(mode: str, json_file: Path | None = None) -> int:
    """``python -m bench --load``: 1 when a run had failures (a generator that fell behind)."""
    results = run(mode)
    if json_file is not None:
        json_file.parent.mkdir(parents=True, exist_ok=True)
        json_file.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return 1 if any(row["failures"] for row in results["rows"]) else 0


def cli(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="python -m bench.load", description=__doc__)
    size = ap.add_mutually_exclusive_group()
    size.add_argument("--quick", action="store_true", help="two short runs (about 20 s)")
    size.add_argument("--smoke", action="store_true", help="one run of 3 s that only proves "
                      "it works")  # fmt: skip
    ap.add_argument("--json", metavar="FILE", type=Path, help="also write the results as JSON")
    args = ap.parse_args(argv)
    return main("smoke" if args.smoke else "quick" if args.quick else "full", args.json)


if __name__ == "__main__":
    sys.exit(cli())
