"""The load benchmark still runs (``python -m bench --load --smoke``): the example backend on
loopback, ``callflow load`` placing a few calls at speed 50 for 3 s. No timing is asserted,
only that calls were placed and completed without failure and the CPU was measured."""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path

import pytest

# find_spec, not importorskip: importing Locust here would monkey-patch the test process
pytestmark = pytest.mark.skipif(
    importlib.util.find_spec("locust") is None or importlib.util.find_spec("werkzeug") is None,
    reason="the load extra (locust) and werkzeug for the example backend are not installed",
)

ROOT = Path(__file__).resolve().parents[1]


def test_smoke_run_places_calls_without_failure(tmp_path: Path) -> None:
    out = tmp_path / "load.json"
    done = subprocess.run(
        [sys.executable, "-m", "bench", "--load", "--smoke", "--json", str(out)],
        cwd=ROOT, capture_output=True, text=True, check=False, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    results = json.loads(out.read_text(encoding="utf-8"))
    assert results["mode"] == "smoke" and len(results["rows"]) == 1
    row = results["rows"][0]
    assert row["failures"] == 0 and row["speed"] == 50.0
    assert row["calls_placed"] >= row["calls_completed"] > 0
    assert row["cpu_s"] > 0 and row["core_share"] > 0 and row["requests_per_s"] > 0
    assert json.loads(done.stdout.splitlines()[0]) == row  # printed as it ran
