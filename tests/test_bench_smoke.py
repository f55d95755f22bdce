"""The benchmarks still run: ``python -m bench --smoke`` end to end, and the shape of its JSON.

No timing is asserted (numbers from a tiny run on a busy CI machine mean nothing); what is
checked is that every benchmark ran, measured what it says, and reported it in the keys the
README and docs/benchmarks.md rely on.
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from bench import builder
from bench import explore as bench_explore
from bench.__main__ import met, table
from bench.corpus import broken, document, write_corpus
from bench.timing import Plan
from callflow.lint import lint_source
from simulator import explore as explorer

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture(scope="module")
def smoke(tmp_path_factory: pytest.TempPathFactory) -> tuple[dict[str, Any], str]:
    out = tmp_path_factory.mktemp("bench") / "results.json"
    done = subprocess.run(
        [sys.executable, "-m", "bench", "--smoke", "--json", str(out)],
        cwd=ROOT, capture_output=True, text=True, check=False, timeout=300,
    )  # fmt: skip
    assert done.returncode == 0, done.stdout + done.stderr
    return json.loads(out.read_text(encoding="utf-8")), done.stdout


def _positive(value: Any) -> bool:
    return isinstance(value, (int, float)) and value > 0


def test_results_have_every_section_and_the_machine(smoke: tuple[dict[str, Any], str]) -> None:
    results, _ = smoke
    assert results["mode"] == "smoke"
    for key in ("date", "platform", "python", "cpu_count", "cores_available"):
        assert results["machine"][key], key
    assert {"builder", "lint", "simulate", "explore", "met"} <= set(results)


def test_builder_measures_ours_and_reports_each_peer_or_null(
    smoke: tuple[dict[str, Any], str],
) -> None:
    builder = smoke[0]["builder"]
    assert _positive(builder["ours_per_s"]) and _positive(builder["ours_fresh_per_s"])
    for peer in ("twilio", "plivo"):
        installed = peer not in builder["missing_peers"]
        assert _positive(builder[f"{peer}_per_s"]) == installed
        assert (builder[f"{peer}_per_s"] is None) == (not installed)


def test_lint_measures_ours_and_the_baseline_on_the_whole_corpus(
    smoke: tuple[dict[str, Any], str],
) -> None:
    lint = smoke[0]["lint"]
    assert lint["files"] == lint["valid"] + lint["invalid"]
    assert lint["files_with_errors"] == lint["invalid"]  # each broken file, and only those
    for key in ("ours_files_per_s", "ours_jobs2_files_per_s", "baseline_files_per_s"):
        assert _positive(lint[key]), key
    assert _positive(lint["ours_vs_baseline"])
    assert all(_positive(lint["cpu_us_per_file"][k]) for k in ("baseline", "ours", "ours_jobs"))


def test_simulate_and_explore_report(smoke: tuple[dict[str, Any], str]) -> None:
    results, _ = smoke
    assert _positive(results["simulate"]["calls_per_s"])
    # The explorer is part of this project: the smoke must have measured it (no "reason").
    explore = results["explore"]
    expected = explorer.explore(bench_explore.tree_flow(2))
    assert explore["reason"] is None
    assert explore["leaves"] == 100
    assert explore["paths"] == expected.paths > explore["leaves"]
    assert explore["complete"] is expected.complete is True
    assert isinstance(explore["seconds"], float) and explore["seconds"] >= 0


def test_without_an_explorer_the_benchmark_says_why(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "simulator.explore", None)  # import fails
    measured = bench_explore.run(1, 1)
    assert measured["paths"] is None and measured["seconds"] is None
    assert measured["reason"].startswith("no explorer to measure: ")


def test_the_table_names_every_benchmark(smoke: tuple[dict[str, Any], str]) -> None:
    _, table = smoke
    for row in ("builder, same strings", "builder, fresh strings", "lint, 1 core",
                "lint, --jobs 2", "simulate", "explore", "graph"):  # fmt: skip
        assert row in table


def test_graph_draws_a_long_block_at_two_sizes(smoke: tuple[dict[str, Any], str]) -> None:
    drawn = smoke[0]["graph"]
    assert drawn["says"] > 0 and drawn["seconds"] >= 0 and drawn["seconds_half"] >= 0


def test_corpus_documents_are_valid_and_broken_ones_are_not(tmp_path: Path) -> None:
    rng = random.Random(1)
    for _ in range(40):
        text = document(rng)
        assert not [f for f in lint_source(text) if f.severity == "error"], text
        assert [f for f in lint_source(broken(text, rng)) if f.severity == "error"]
    paths = write_corpus(tmp_path, 5, 2, seed=3)
    again = write_corpus(tmp_path / "again", 5, 2, seed=3)
    assert [p.read_bytes() for p in paths] == [p.read_bytes() for p in again]


def test_peers_not_installed_are_null_and_the_table_says_so(
    smoke: tuple[dict[str, Any], str], monkeypatch: pytest.MonkeyPatch
) -> None:
    for peer in ("twilio", "plivo"):
        monkeypatch.setitem(sys.modules, peer, None)  # import fails as if not installed
        for name in [n for n in sys.modules if n.startswith(f"{peer}.")]:  # imported elsewhere
            monkeypatch.setitem(sys.modules, name, None)
    results = dict(smoke[0], builder=builder.run(Plan(1, 0.001)))
    assert results["builder"]["missing_peers"] == ["twilio", "plivo"]
    assert results["builder"]["twilio_per_s"] is None and results["builder"]["plivo_per_s"] is None
    assert _positive(results["builder"]["ours_per_s"])
    results["met"] = met(results)
    assert results["met"]["builder"] is None
    assert "not installed, so not measured: twilio, plivo" in table(results)
