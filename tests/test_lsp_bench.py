"""bench/lsp.py still runs (its numbers are measured by hand, never asserted here)."""

from __future__ import annotations

import pytest

pytest.importorskip("pygls", reason="the lsp extra is not installed (pip install '.[lsp]')")
pytest.importorskip("pytest_lsp", reason="pytest-lsp is not installed")


def test_the_bench_runs_in_smoke_mode() -> None:
    """bench/lsp.py measures the 5,000-element case by hand; here only that it still runs
    (and that its server and CLI findings agree, which it asserts)."""
    from bench import lsp as bench_lsp

    out = bench_lsp.run(60, 1)
    assert out["findings"] > 0 and out["elements"] >= 49
    assert out["server_change_to_diagnostics_s"] > 0 and out["callflow_lint_process_s"] > 0
