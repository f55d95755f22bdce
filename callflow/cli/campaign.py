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
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import click

from callflow.campaign.bulk import LeaseError, Leases, opentact_id, plan
from callflow.campaign.documents import Documents, Prepared, RowFindings
from callflow.campaign.recipients import Recipients, load_recipients
from callflow.cli.render import read_template
from callflow.diagnostics import Finding
from callflow.fsio import atomic_write
from callflow.reporting import render_finding

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
) -> list[Finding]:
    from simulator.campaign.behaviour import BehaviourError, load_behaviour
    from simulator.campaign.chart import ChartUnavailable, write_chart
    from simulator.campaign.funnel import Job, Part, flow_map, simulate_campaign
    from simulator.campaign.report import failure_findings, report, text, unmatched_findings
    from simulator.render import wants_colour

    try:
        behaviour = load_behaviour(model)
    except BehaviourError as exc:
        click.echo(render_finding(exc.finding), err=True)
        sys.exit(EXIT_USAGE)
    chosen = seed if seed is not None else behaviour.seed if behaviour.seed is not None else 0
    rows = recipients.rows
    flow = flow_map(docs, rows, behaviour)
    findings: list[Finding] = list(behaviour.warnings)
    findings += unmatched_findings(flow, behaviour) if flow is not None else []
    part = Part()
    if flow is not None:
        job = Job(docs.template.text, docs.file, behaviour, flow, chosen)
        with progress_bar(len(rows), "simulating") as tick:
            part = simulate_campaign(job, rows, jobs, tick)
    else:  # no recipient has a document without error: nothing to call
        for recipient in rows:
            part.findings.add(recipient.row, docs.prepare(recipient).findings)
            part.not_run += 1
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
    type=click.Path(dir_okay=False, path_type=Path),
    help="CSV or JSON lines: to, from, fallback1..5, max_retries, and variables.",
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
    recipients_file: Path | None,
    dry_run: bool,
    profile_id: str | None,
    lease_ids: tuple[str, ...],
    model: Path | None,
    seed: int | None,
    jobs: int | None,
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
    recipients = load_recipients(recipients_file)
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
        later = _simulate(docs, recipients, model, seed, jobs, fmt, output, chart)
        _show(later)
    failed = errors or any(f.severity == "error" for f in later)
    sys.exit(EXIT_FINDINGS if failed else EXIT_OK)
