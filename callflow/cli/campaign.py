"""``callflow campaign``: rehearse an outbound campaign before paying for it.

Both modes read the recipients (bad rows are reported and skipped), render each recipient's
document from the template FLOW and lint it (a document with an error is not called), then:

- ``--dry-run`` writes the bodies of Opentact's bulk-call requests (``callflow.campaign.bulk``),
  one JSON object per line: one request per distinct document and lease;
- ``--behaviour MODEL.yaml`` simulates every call (``simulator.campaign``) and reports the
  funnel as tables, JSON, and a chart.

Findings go to stderr (``file:line:col: CODE severity message``); the requests or the report
to stdout or ``-o FILE``.
"""

from __future__ import annotations

import io
import json
import os
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import click

from callflow.campaign.bulk import LeaseError, Leases, opentact_id, plan
from callflow.campaign.documents import Documents, Prepared, RowFindings
from callflow.campaign.recipients import Recipients, load_recipients
from callflow.cli.render import read_template
from callflow.diagnostics import Finding
from callflow.fsio import atomic_write
from callflow.reporting import render_finding

if TYPE_CHECKING:
    from simulator.campaign.dask_runner import ClusterCampaign

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2
PROGRESS_FROM = 500
"""Recipients from which a terminal shows a progress bar."""


@contextmanager
def progress_bar(total: int, label: str) -> Iterator[Callable[[int], None] | None]:
    """A rich progress bar on stderr, only on a terminal and for a long run."""
    if total < PROGRESS_FROM or not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeRemainingColumn

    columns = (label, BarColumn(), MofNCompleteColumn(), TimeRemainingColumn())
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task(label, total=total)
        yield lambda done: bar.update(task, completed=done)


@contextmanager
def cluster_progress(total: int, chunks: int) -> Iterator[Callable[[int, int], None] | None]:
    """The progress of a cluster on stderr: recipients, chunks and recipients per second."""
    if total < PROGRESS_FROM or not sys.stderr.isatty():
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn
    from rich.progress import TimeRemainingColumn as Remaining

    columns = (
        "simulating on the cluster",
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("chunks {task.fields[chunks]}/" + str(chunks)),
        TextColumn("{task.fields[rate]} recipients/s"),
        Remaining(),
    )
    with Progress(*columns, console=Console(stderr=True), transient=True) as bar:
        task = bar.add_task("simulating", total=total, chunks=0, rate="-")

        def tick(done: int, chunks_done: int) -> None:
            bar.update(task, completed=done, chunks=chunks_done)
            speed = bar.tasks[task].speed
            bar.update(task, rate=f"{speed:,.0f}" if speed else "-")

        yield tick


def _write(output: Path | None, text: str) -> None:
    if output is None:
        click.echo(text, nl=False)
        return
    try:
        atomic_write(output, text.encode("utf-8"))
    except OSError as exc:
        click.echo(f"callflow campaign: cannot write {output}: {exc.strerror or exc}", err=True)
        sys.exit(EXIT_USAGE)


def _show(findings: list[Finding]) -> bool:
    """Print findings to stderr; True when one is an error."""
    for finding in findings:
        click.echo(render_finding(finding), err=True)
    return any(f.severity == "error" for f in findings)


def _dry_run(
    docs: Documents,
    recipients: Recipients,
    profile: str | None,
    leases: Leases,
    output: Path | None,
) -> list[Finding]:
    per_row = RowFindings()

    def prepared(tick: Callable[[int], None] | None) -> Iterator[Prepared]:
        for done, recipient in enumerate(recipients.rows, 1):
            item = docs.prepare(recipient)
            per_row.add(recipient.row, item.findings)
            if tick is not None and done % 100 == 0:
                tick(done)
            yield item

    with progress_bar(len(recipients.rows), "rendering and linting") as tick:
        requests = plan(prepared(tick), leases)
    _write(output, requests.lines(profile))
    notes = []
    if profile is None:
        notes.append("no --profile-id: outbound_voice_profile is left out of the requests")
    if leases.default is None and not leases.by_number:
        notes.append("no --lease-id: tn_lease is left out of the requests")
    if requests.unleased:
        shown = ", ".join(requests.unleased[:5])
        notes.append(
            f"from numbers with no --lease-id NUMBER=ID of their own go out on the"
            f" default lease: {shown}"
        )
    if requests.retried:
        notes.append(
            f"{requests.retried} rows have fallbacks or max_retries: a bulk call dials"
            " each `to` once, so retries are yours to place"
        )
    findings = per_row.findings()
    _show(findings)
    for note in notes:
        click.echo(f"callflow campaign: note: {note}", err=True)
    calls = sum(len(r.phones) for r in requests.requests)
    click.echo(
        f"callflow campaign: {len(requests.requests)} request(s) for {calls} recipient(s)"
        f" of {recipients.rows_read} row(s)",
        err=True,
    )
    return findings


def _simulate(
    docs: Documents,
    recipients: Recipients,
    model: Path,
    seed: int | None,
    jobs: int | None,
    fmt: str,
    output: Path | None,
    chart: Path | None,
    cluster: ClusterCampaign | None = None,
) -> list[Finding]:
    from simulator.campaign.behaviour import BehaviourError, load_behaviour
    from simulator.campaign.chart import ChartUnavailable, write_chart
    from simulator.campaign.funnel import Job, Part, flow_map, simulate_campaign, unsimulated
    from simulator.campaign.report import failure_findings, report, text, unmatched_findings
    from simulator.render import wants_colour

    try:
        behaviour = load_behaviour(model)
    except BehaviourError as exc:
        click.echo(render_finding(exc.finding), err=True)
        sys.exit(EXIT_USAGE)
    chosen = seed if seed is not None else behaviour.seed if behaviour.seed is not None else 0
    rows = recipients.rows
    if cluster is None:
        flow = flow_map(docs, rows, behaviour)
    else:  # the rows stay on the workers; the first with a usable document came back
        usable = cluster.first_usable
        flow = flow_map(docs, [usable] if usable is not None else [], behaviour)
    findings: list[Finding] = list(behaviour.warnings)
    findings += unmatched_findings(flow, behaviour) if flow is not None else []
    part = Part()
    if flow is not None:
        job = Job(docs.template.text, docs.file, behaviour, flow, chosen)
        if cluster is not None:
            with cluster_progress(len(rows), len(cluster.chunks)) as progress:
                part = cluster.simulate(job, progress)
        else:
            with progress_bar(len(rows), "simulating") as tick:
                part = simulate_campaign(job, rows, jobs, tick)
    elif cluster is not None:  # no recipient has a document without error: nothing to call
        part = cluster.simulate(None, None)
    else:
        part = unsimulated(docs, rows)
    data = report(
        part,
        flow,
        behaviour,
        flow_file=docs.file,
        recipients_file=recipients.file,
        seed=chosen,
        rows=recipients.rows_read,
        bad_rows=recipients.bad_rows,
    )
    findings += part.findings.findings() + failure_findings(data)
    if fmt == "json":
        _write(output, json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    else:
        buffer = io.StringIO()
        colour = output is None and wants_colour(sys.stdout)
        text(data, buffer, colour=colour)
        _write(output, buffer.getvalue())
    if chart is not None:
        try:
            write_chart(data, chart)
        except (ChartUnavailable, OSError) as exc:
            click.echo(f"callflow campaign: cannot write the chart: {exc}", err=True)
            sys.exit(EXIT_USAGE)
    return findings


@click.command()
@click.argument("flow", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--recipients",
    "recipients_file",
    metavar="FILE",
    type=click.Path(dir_okay=False),
    help="CSV or JSON lines: to, from, fallback1..5, max_retries, and variables. With"
    " --scheduler, a path every worker sees or an fsspec URL (s3://, gs://, ...).",
)
@click.option(
    "--dry-run",
    is_flag=True,
    help="Write the bulk-call request bodies (JSON lines) instead of calling.",
)
@click.option("--profile-id", metavar="ID", help="Dry run: the outbound voice profile (UUID).")
@click.option(
    "--lease-id",
    "lease_ids",
    multiple=True,
    metavar="[NUMBER=]ID",
    help="Dry run: the TN lease that places the calls (UUID); NUMBER=ID for rows whose"
    " `from` is NUMBER. Repeatable.",
)
@click.option(
    "--behaviour",
    "--behavior",
    "model",
    metavar="MODEL.yaml",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Simulate every call with the probabilities of this model.",
)
@click.option(
    "--seed",
    type=click.IntRange(min=0),
    help="Seed of the simulation (default: the"
    " model's seed, else 0). The same seed gives the same report.",
)
@click.option(
    "-j",
    "--jobs",
    type=click.IntRange(min=1),
    help="Processes for the simulation"
    " [default: every core for 2000 recipients or more]. Any number gives the same"
    " report.",
)
@click.option(
    "--scheduler",
    metavar="tcp://HOST:PORT|local:N",
    help="Simulate on a Dask cluster (its scheduler's address), or on a local one of N"
    " worker processes; the same report as without. Needs the `dask` extra.",
)
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Report format (simulation).",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="FILE",
    help="Write the requests or the report to FILE instead of stdout.",
)
@click.option(
    "--chart",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="FILE",
    help="Write the funnel as a chart: FILE.html (self-contained) or FILE.png (needs matplotlib).",
)
def campaign(
    flow: Path,
    recipients_file: str | None,
    dry_run: bool,
    profile_id: str | None,
    lease_ids: tuple[str, ...],
    model: Path | None,
    seed: int | None,
    jobs: int | None,
    scheduler: str | None,
    fmt: str,
    output: Path | None,
    chart: Path | None,
) -> None:
    """Rehearse an outbound campaign of FLOW (a template with {placeholders}) to every
    recipient of --recipients: check every rendered document, then either write the bulk-call
    requests (--dry-run) or simulate the calls and report the funnel (--behaviour).

    \b
    Examples:
      callflow campaign reminder.xml --recipients recipients.csv --dry-run \\
          --profile-id 60f98be5-1c4e-4d2c-b144-55fb9b4c79fd \\
          --lease-id 2ed01387-cf80-4c09-b62a-00e170796b84 -o requests.jsonl
      callflow campaign reminder.xml --recipients recipients.csv \\
          --behaviour behaviour.yaml --seed 7 --chart funnel.html
      callflow campaign reminder.xml --recipients s3://bucket/recipients.csv \\
          --behaviour behaviour.yaml --scheduler tcp://10.0.0.5:8786 --format json

    Exit status: 0 no errors, 1 errors (bad rows, a document in error, a bad template),
    2 usage error or unreadable input.
    """
    if recipients_file is None:
        raise click.UsageError("give the recipients with --recipients FILE")
    if dry_run == (model is not None):
        raise click.UsageError("give either --dry-run or --behaviour MODEL.yaml")
    if dry_run and (seed is not None or chart is not None or fmt != "text"):
        raise click.UsageError("--seed, --chart and --format belong to --behaviour")
    if not dry_run and (profile_id is not None or lease_ids):
        raise click.UsageError("--profile-id and --lease-id belong to --dry-run")
    if scheduler is not None and (dry_run or jobs is not None):
        raise click.UsageError(
            "--scheduler belongs to --behaviour, and replaces --jobs (the cluster has its workers)"
        )
    if scheduler is None and "://" in recipients_file:
        raise click.UsageError("a URL for --recipients needs --scheduler (its workers read it)")
    try:
        profile = opentact_id(profile_id, "--profile-id") if profile_id is not None else None
        leases = Leases.parse(lease_ids)
    except LeaseError as exc:
        raise click.BadParameter(str(exc)) from None
    if chart is not None and chart.suffix.lower() not in (".html", ".htm", ".png"):
        raise click.BadParameter("write the chart as FILE.html or FILE.png", param_hint="--chart")
    if chart is not None and chart.suffix.lower() == ".png":
        from simulator.campaign.chart import png_available

        if not png_available():
            raise click.BadParameter(
                "a PNG chart needs matplotlib, which is not installed"
                " (pip install matplotlib); FILE.html needs nothing",
                param_hint="--chart",
            )
    docs = Documents(read_template(flow), str(flow))
    file = recipients_file if "://" in recipients_file else str(Path(recipients_file))
    if scheduler is not None:
        assert model is not None
        path = recipients_file if "://" in recipients_file else os.path.abspath(file)
        _on_cluster(scheduler, path, file, docs, model, seed, fmt, output, chart)
        return
    recipients = load_recipients(file)
    _campaign(docs, recipients, dry_run, profile, leases, model, seed, jobs, fmt, output, chart)


def _on_cluster(
    scheduler: str,
    path: str,
    file: str,
    docs: Documents,
    model: Path,
    seed: int | None,
    fmt: str,
    output: Path | None,
    chart: Path | None,
) -> None:
    """The simulation on a Dask cluster: the workers read the recipients."""
    try:
        from simulator.campaign.dask_runner import (
            ChunkFailed,
            SchedulerError,
            dashboard,
            on_cluster,
        )
    except ImportError:
        raise click.UsageError(
            "--scheduler needs Dask: pip install 'opentact-callflow[dask]'"
        ) from None
    try:
        with on_cluster(scheduler, path, file, docs.template.text) as cluster:
            link = dashboard(cluster.client)
            if link is not None and sys.stderr.isatty():
                click.echo(f"callflow campaign: Dask dashboard at {link}", err=True)
            recipients = cluster.read()
            _campaign(
                docs,
                recipients,
                False,
                None,
                Leases(),
                model,
                seed,
                None,
                fmt,
                output,
                chart,
                cluster,
            )
    except SchedulerError as exc:
        raise click.UsageError(str(exc)) from None
    except ChunkFailed as exc:
        click.echo(f"callflow campaign: {file}: {exc}", err=True)
        sys.exit(EXIT_USAGE)


def _campaign(
    docs: Documents,
    recipients: Recipients,
    dry_run: bool,
    profile: str | None,
    leases: Leases,
    model: Path | None,
    seed: int | None,
    jobs: int | None,
    fmt: str,
    output: Path | None,
    chart: Path | None,
    cluster: ClusterCampaign | None = None,
) -> None:
    """Findings of the recipients and the template, then the dry run or the simulation; exits."""
    if recipients.unreadable:
        _show(recipients.findings)
        sys.exit(EXIT_USAGE)
    findings = docs.findings + recipients.findings + docs.unused_columns(recipients)
    if not docs.usable:
        _show(findings)
        sys.exit(EXIT_FINDINGS)
    errors = _show(findings)
    if dry_run:
        later = _dry_run(docs, recipients, profile, leases, output)
    else:
        assert model is not None
        later = _simulate(docs, recipients, model, seed, jobs, fmt, output, chart, cluster)
        _show(later)
    failed = errors or any(f.severity == "error" for f in later)
    sys.exit(EXIT_FINDINGS if failed else EXIT_OK)
