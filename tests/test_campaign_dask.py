"""``callflow campaign --scheduler``: the simulation on a Dask cluster (a LocalCluster of two
worker processes on the loopback interface, a few thousand recipients) gives the process
pool's report byte for byte, through a worker killed mid-run; Ctrl-C cancels the run and
leaves the cluster up; a chunk that keeps failing is reported with its rows."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from callflow.campaign.documents import Documents
from callflow.campaign.recipients import load_recipients
from callflow.cli import cli
from simulator.campaign.behaviour import load_behaviour
from simulator.campaign.funnel import Job, flow_map, simulate_campaign
from simulator.campaign.report import report

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "campaign"
SEED = 11
COUNT = 2000


def recipients_csv(count: int) -> str:
    """Every row its own values; quoted commas and newlines, bad rows, a duplicate."""
    lines = ["to,first_name,date,time,appointment_id,fallback1,max_retries"]
    for i in range(count):
        to = f"+1{('212', '312', '415', '612')[i % 4]}555{i % 10_000:04d}"
        name = f'"Name {i}, ""the"" {i % 7}\nsecond line"' if i % 50 == 0 else f"Name{i}"
        lines.append(f"{to},{name},May {i % 28 + 1},9:{i % 60:02d},A-{i},,{i % 3}")
        if i % 400 == 7:
            lines.append(f"+1555{i},Bad,May 1,9:00,B-{i},,0")  # not a number
        if i % 700 == 9:
            lines.append(f"{to},Again,May 2,9:00,C-{i},,1")  # a duplicate
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def campaign_files(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("campaign")
    (folder / "r.csv").write_text(recipients_csv(COUNT), encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def cluster() -> Iterator[Any]:
    """An external cluster of two worker processes (the test's; runs stay its guests)."""
    distributed = pytest.importorskip("distributed", reason="the `dask` extra is not installed")
    local = distributed.LocalCluster(
        n_workers=2,
        threads_per_worker=1,
        processes=True,
        host="127.0.0.1",
        dashboard_address="127.0.0.1:0",
        silence_logs=logging.ERROR,
    )
    client = distributed.Client(local)
    try:
        yield local, client
    finally:
        client.close()
        local.close()


def run(*args: str | Path) -> Result:
    return CliRunner().invoke(cli, [str(a) for a in args])


def campaign(folder: Path, *extra: str) -> Result:
    return run("campaign", EXAMPLE / "reminder.xml", "--recipients", folder / "r.csv",
               "--behaviour", EXAMPLE / "behaviour.yaml", "--seed", str(SEED),
               "--format", "json", *extra)  # fmt: skip


def pool_report(path: Path) -> str:
    """The report of the process pool, through the Python API."""
    template = (EXAMPLE / "reminder.xml").read_text(encoding="utf-8")
    docs = Documents(template, "reminder.xml")
    behaviour = load_behaviour(EXAMPLE / "behaviour.yaml")
    recipients = load_recipients(path)
    flow = flow_map(docs, recipients.rows, behaviour)
    assert flow is not None
    part = simulate_campaign(
        Job(template, "reminder.xml", behaviour, flow, SEED), recipients.rows, 2
    )
    data = report(part, flow, behaviour, flow_file="reminder.xml", recipients_file=str(path),
                  seed=SEED, rows=recipients.rows_read, bad_rows=recipients.bad_rows)  # fmt: skip
    return json.dumps(data, indent=2)


def cluster_report(
    client: Any, path: Path, progress: Callable[[int, int], None] | None, block: int = 16_384
) -> str:
    """The same on the cluster, with small blocks (many chunks)."""
    from simulator.campaign.dask_runner import on_cluster

    template = (EXAMPLE / "reminder.xml").read_text(encoding="utf-8")
    docs = Documents(template, "reminder.xml")
    behaviour = load_behaviour(EXAMPLE / "behaviour.yaml")
    with on_cluster(client, str(path), str(path), template, block) as run:
        recipients = run.read()
        assert len(run.chunks) >= 6
        usable = run.first_usable
        flow = flow_map(docs, [usable] if usable is not None else [], behaviour)
        assert flow is not None
        part = run.simulate(Job(template, "reminder.xml", behaviour, flow, SEED), progress)
    data = report(part, flow, behaviour, flow_file="reminder.xml", recipients_file=str(path),
                  seed=SEED, rows=recipients.rows_read, bad_rows=recipients.bad_rows)  # fmt: skip
    return json.dumps(data, indent=2)


def test_a_local_cluster_of_two_gives_the_process_pools_report_byte_for_byte(
    campaign_files: Path, cluster: Any
) -> None:
    pool = campaign(campaign_files, "--jobs", "2")
    assert pool.exit_code == 1, pool.output  # the bad rows
    local = campaign(campaign_files, "--scheduler", "local:2")
    assert local.exit_code == 1, local.output
    assert local.stdout == pool.stdout
    assert local.stderr == pool.stderr  # the same findings, at the same rows
    assert "r.csv:11:1: CP010 error row 11:" in local.stderr  # after a quoted newline
    address = cluster[1].scheduler.address
    external = campaign(campaign_files, "--scheduler", address)
    assert external.stdout == pool.stdout
    data = json.loads(local.stdout)
    assert data["recipients"]["rows"] == COUNT + 5 + 3
    assert data["recipients"]["bad_rows"] == 5


def test_a_worker_killed_mid_run_still_gives_the_same_report(
    campaign_files: Path, cluster: Any
) -> None:
    local, client = cluster
    killed: list[str] = []

    def kill_a_busy_worker(done: int, chunks: int) -> None:
        if killed:
            return
        busy = [address for address, keys in client.processing().items() if keys]
        if not busy:
            return
        name = next(n for n, w in local.workers.items() if w.worker_address == busy[0])
        local.sync(local.workers[name].kill)
        killed.append(busy[0])

    path = campaign_files / "r.csv"
    got = cluster_report(client, path, kill_a_busy_worker)
    assert killed, "no worker was busy after the first chunk: nothing was killed"
    assert got == pool_report(path)
    client.wait_for_workers(2, timeout=60)  # the nanny restarts it for the next tests


def _our_tasks(dask_scheduler: Any) -> list[str]:
    return [
        str(key)
        for key, task in dask_scheduler.tasks.items()
        if str(key).startswith("_simulate") and task.state in ("processing", "queued", "waiting")
    ]


def test_ctrl_c_cancels_the_runs_tasks_and_leaves_the_cluster_running(
    campaign_files: Path, cluster: Any
) -> None:
    _, client = cluster

    def interrupt(done: int, chunks: int) -> None:
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        cluster_report(client, campaign_files / "r.csv", interrupt, block=8192)
    deadline = time.monotonic() + 20
    while client.run_on_scheduler(_our_tasks) and time.monotonic() < deadline:
        time.sleep(0.2)
    assert client.run_on_scheduler(_our_tasks) == []
    assert client.submit(sum, [1, 2], pure=False).result(timeout=30) == 3


def test_a_chunk_that_keeps_failing_is_reported_with_its_rows_not_retried_forever(
    tmp_path: Path, cluster: Any
) -> None:
    from simulator.campaign.dask_runner import ChunkFailed, on_cluster

    _, client = cluster
    path = tmp_path / "r.csv"
    path.write_text(recipients_csv(300), encoding="utf-8")
    template = (EXAMPLE / "reminder.xml").read_text(encoding="utf-8")
    behaviour = load_behaviour(EXAMPLE / "behaviour.yaml")
    docs = Documents(template, "reminder.xml")
    with on_cluster(client, str(path), "r.csv", template, 4096) as run:
        run.read()
        flow = flow_map(docs, [run.first_usable] if run.first_usable else [], behaviour)
        assert flow is not None
        path.unlink()  # the workers can no longer read their rows
        start = time.monotonic()
        with pytest.raises(ChunkFailed) as failed:
            run.simulate(Job(template, "reminder.xml", behaviour, flow, SEED), None)
    assert time.monotonic() - start < 60
    assert "failed 3 times: FileNotFoundError" in str(failed.value)
    assert str(failed.value).startswith("rows ")


def test_local_n_listens_on_the_loopback_interface_only(cluster: Any) -> None:
    from simulator.campaign.dask_runner import connect

    with connect("local:1") as client:
        addresses = [client.scheduler.address, *client.nthreads()]
        assert len(addresses) == 2
        assert all(a.startswith("tcp://127.0.0.1:") for a in addresses), addresses
        assert client.dashboard_link.startswith("http://127.0.0.1:")


def test_scheduler_usage_errors(campaign_files: Path) -> None:
    url = run("campaign", EXAMPLE / "reminder.xml", "--recipients", "s3://bucket/r.csv",
              "--behaviour", EXAMPLE / "behaviour.yaml")  # fmt: skip
    assert url.exit_code == 2 and "needs --scheduler" in url.stderr
    pytest.importorskip("distributed", reason="the `dask` extra is not installed")
    for extra, message in [
        (["--scheduler", "local:0"], "local:N takes N from 1 to"),
        (["--scheduler", "localhost"], "write local:N"),
        (["--scheduler", "local:2", "--jobs", "2"], "replaces --jobs"),
    ]:
        result = campaign(campaign_files, *extra)
        assert result.exit_code == 2, result.output
        assert message in result.stderr


def _in_a_process(code: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=120, cwd=ROOT
    )


def test_without_scheduler_dask_is_not_imported_and_without_dask_scheduler_says_so(
    campaign_files: Path,
) -> None:
    args = [str(EXAMPLE / "reminder.xml"), "--recipients", str(campaign_files / "r.csv"),
            "--behaviour", str(EXAMPLE / "behaviour.yaml"), "-o", "/dev/null"]  # fmt: skip
    plain = _in_a_process(
        "import sys\nfrom callflow.cli import cli\n"
        f"try:\n    cli(['campaign', *{args!r}])\nexcept SystemExit:\n    pass\n"
        "print(sorted(m for m in ('dask', 'distributed', 'fsspec') if m in sys.modules))"
    )
    assert plain.stdout.strip().splitlines()[-1] == "[]", plain.stderr
    missing = _in_a_process(
        "import sys\nsys.modules['distributed'] = None\nfrom callflow.cli import cli\n"
        f"cli(['campaign', *{args!r}, '--scheduler', 'local:2'])"
    )
    assert missing.returncode == 2
    assert "--scheduler needs Dask: pip install 'opentact-callflow[dask]'" in missing.stderr


def test_recipients_the_workers_cannot_read_are_unreadable_input(
    tmp_path: Path, cluster: Any
) -> None:
    address = cluster[1].scheduler.address
    for recipients, reason in [
        (str(tmp_path / "missing.csv"), "No such file or directory"),
        ("nosuchscheme://bucket/r.csv", "nosuchscheme"),
    ]:
        result = run("campaign", EXAMPLE / "reminder.xml", "--recipients", recipients,
                     "--behaviour", EXAMPLE / "behaviour.yaml", "--scheduler", address)  # fmt: skip
        assert result.exit_code == 2, result.output
        assert "CP014 error cannot read the recipients:" in result.stderr
        assert reason in result.stderr
        assert "Traceback" not in result.output
