"""The campaign benchmark still runs (``python -m bench --campaign --smoke``); no timing is
asserted, only that it measured every step and that one and two processes agreed."""

from __future__ import annotations

import pytest

from bench import campaign
from callflow.campaign.recipients import parse_recipients


def test_the_generated_recipients_are_all_good_and_all_different() -> None:
    loaded = parse_recipients(campaign.recipients_csv(1200), "r.csv")
    assert loaded.findings == [] and len(loaded.rows) == 1200
    assert len({r.to for r in loaded.rows}) == 1200


def test_smoke_run() -> None:
    results = campaign.run(campaign.SIZES["smoke"])
    assert results["identical_reports"] is True
    assert results["requests"] == results["recipients"] == campaign.SIZES["smoke"]
    assert results["calls_placed"] >= results["calls_answered"] > 0
    for key in ("load_s", "dry_run_s", "simulate_jobs1_s", f"simulate_jobs{campaign.JOBS}_s"):
        assert results[key] >= 0
    assert "same report as --jobs 1: yes" in campaign.table(results)


def test_the_dask_campaign_benchmark_runs_and_every_report_is_the_same() -> None:
    pytest.importorskip("distributed", reason="the `dask` extra is not installed")
    from bench import campaign_dask

    results = campaign_dask.run("smoke")
    assert [r["run"] for r in results["runs"]] == ["--jobs 1", "--jobs 2", "local:1", "local:2"]
    assert all(r["same_report"] for r in results["runs"])
    assert "| local:2 |" in campaign_dask.table(results)
