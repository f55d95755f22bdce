"""The campaign benchmark still runs (``python -m bench --campaign --smoke``); no timing is
asserted, only that it measured every step and that one and two processes agreed. Which step
each figure times is checked with a fake clock, so a swapped or dropped measurement shows."""

from __future__ import annotations

from collections.abc import Iterator
from types import SimpleNamespace

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


def test_each_figure_times_its_own_step(monkeypatch: pytest.MonkeyPatch) -> None:
    # Start and end readings of the four timed steps, in order: load, dry run, --jobs 1, --jobs 2.
    readings: Iterator[float] = iter([0.0, 0.25, 10.0, 10.5, 20.0, 21.0, 30.0, 32.0])
    monkeypatch.setattr(campaign, "time", SimpleNamespace(perf_counter=lambda: next(readings)))
    count = campaign.SIZES["smoke"]
    results = campaign.run(count)
    assert next(readings, None) is None  # exactly the four steps were timed
    assert (results["load_s"], results["dry_run_s"]) == (0.25, 0.5)
    assert results["simulate_jobs1_s"] == 1.0
    assert results[f"simulate_jobs{campaign.JOBS}_s"] == 2.0
    assert results[f"recipients_per_s_jobs{campaign.JOBS}"] == round(count / 2.0)
    rows = {line.split("|")[1].strip(): line.split("|")[2].strip() for line in
            campaign.table(results).splitlines() if line.startswith("| ")}  # fmt: skip
    assert rows["read + check recipients"] == "0.25"
    assert rows["dry run (render, lint, group)"] == "0.50"
    assert rows["simulate, --jobs 1"] == "1.00"
    assert rows[f"simulate, --jobs {campaign.JOBS}"] == "2.00"
    assert rows["read + simulate on both cores"] == "2.25"
