"""``callflow render``: fill a template's placeholders and lint what comes out.

With ``--vars`` one document is rendered (to stdout, or into ``-o DIR``); with ``--csv`` one
per row, written as ``DIR/<flow>-row<N>.xml`` (N: the row's line in the file). Every rendered
document is linted like a flow file; a document with an error is reported, not written.
Findings go to stderr as ``file:line:col: CODE severity message``, at the template's line.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from callflow.bounded import DataError, load_json
from callflow.campaign.documents import Documents, RowFindings
from callflow.campaign.recipients import Recipient, json_value, load_recipients
from callflow.fsio import atomic_write, read_regular
from callflow.parser import MAX_BYTES
from callflow.reporting import render_finding

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2


def _vars(raw: str) -> dict[str, str]:
    """``--vars``: a JSON object, or ``@FILE`` holding one."""
    if raw.startswith("@"):
        try:
            raw = read_regular(raw[1:], 1024 * 1024).decode("utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            raise click.BadParameter(f"cannot read {raw[1:]}: {exc}", param_hint="--vars") from None
    try:
        data = load_json(raw)
    except DataError as exc:
        where = f"line {exc.line} column {exc.col}"
        raise click.BadParameter(
            f"not usable JSON: {exc.message} ({where})", param_hint="--vars"
        ) from None
    if not isinstance(data, dict):
        raise click.BadParameter('give a JSON object: {"name": "value"}', param_hint="--vars")
    values = {}
    for key, value in data.items():
        try:
            text = json_value(key, value)
        except ValueError as exc:
            raise click.BadParameter(str(exc), param_hint="--vars") from None
        if text is not None:
            values[key] = text
    return values


def read_template(flow: Path) -> str:
    """The template's text; exit 2 when it cannot be read."""
    try:
        data = read_regular(flow, MAX_BYTES)
        if len(data) > MAX_BYTES:
            raise OSError(f"larger than {MAX_BYTES} bytes")
        return data.decode("utf-8-sig")
    except (OSError, UnicodeDecodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        click.echo(f"{flow}:1:1: CF011 error cannot read: {reason}", err=True)
        sys.exit(EXIT_USAGE)


def _write(path: Path, text: str) -> None:
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(path, text.encode("utf-8"))
    except OSError as exc:
        click.echo(f"callflow render: cannot write {path}: {exc.strerror or exc}", err=True)
        sys.exit(EXIT_USAGE)


@click.command()
@click.argument("flow", type=click.Path(dir_okay=False, path_type=Path))
@click.option(
    "--vars",
    "variables",
    metavar="JSON",
    help='The values, as a JSON object ({"first_name": "Ann"}) or @FILE.',
)
@click.option(
    "--csv",
    "table",
    type=click.Path(dir_okay=False, path_type=Path),
    metavar="FILE",
    help="One document per row of this CSV (or JSON lines) file; the header names the variables.",
)
@click.option(
    "-o",
    "--output",
    type=click.Path(file_okay=False, path_type=Path),
    metavar="DIR",
    help="Write the documents into DIR (needed for more than one).",
)
def render(flow: Path, variables: str | None, table: Path | None, output: Path | None) -> None:
    """Fill the {placeholders} of FLOW and lint every document that comes out.

    A placeholder is {name} in element text or an attribute value; {{ and }} are literal
    braces. Values are escaped for where they go, so any text is safe. A placeholder with no
    value is an error naming the row and the line of FLOW; a column no placeholder uses is a
    warning.

    \b
    Examples:
      callflow render reminder.xml --vars '{"first_name": "Ann", "date": "May 4"}'
      callflow render reminder.xml --csv recipients.csv -o rendered/

    Exit status: 0 every document lints without error, 1 errors, 2 usage error or unreadable
    input.
    """
    if (variables is None) == (table is None):
        raise click.UsageError("give the values with either --vars JSON or --csv FILE")
    docs = Documents(read_template(flow), str(flow))
    findings = list(docs.findings)
    if not docs.usable:
        for finding in findings:
            click.echo(render_finding(finding), err=True)
        sys.exit(EXIT_FINDINGS)
    if variables is not None:
        rows = [Recipient(0, "", values=_vars(variables))]
    else:
        assert table is not None
        recipients = load_recipients(table, numbers=False)
        if recipients.unreadable:
            for finding in recipients.findings:
                click.echo(render_finding(finding), err=True)
            sys.exit(EXIT_USAGE)
        rows = recipients.rows
        findings += recipients.findings + docs.unused_columns(recipients)
        if len(rows) > 1 and output is None:
            raise click.UsageError(
                f"{table} has {len(rows)} rows: give -o DIR to write one document per row"
            )
    per_row = RowFindings()
    written = 0
    for recipient in rows:
        prepared = docs.prepare(recipient)
        if variables is not None:
            findings += prepared.findings
        else:
            per_row.add(recipient.row, prepared.findings)
        if prepared.model is None or prepared.checked is None:
            continue
        text = prepared.checked.text
        if output is None:
            click.echo(text, nl=not text.endswith("\n"))
        else:
            name = (
                f"{flow.stem}.xml"
                if variables is not None
                else f"{flow.stem}-row{recipient.row}.xml"
            )
            _write(output / name, text)
        written += 1
    findings += per_row.findings()
    for finding in findings:
        click.echo(render_finding(finding), err=True)
    if output is not None:
        click.echo(
            f"callflow render: wrote {written} of {len(rows)} documents to {output}", err=True
        )
    errors = any(f.severity == "error" for f in findings)
    sys.exit(EXIT_FINDINGS if errors else EXIT_OK)
