"""``callflow import``: convert documents of other dialects (TwiML) to Opentact XML.

Output files are written atomically and never over an input. Exit status: 0 everything
converted (exactly or with a stated change), 1 something could not be converted, 2 an input
could not be read or is not well-formed, or a usage error.
"""

from __future__ import annotations

import json
import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import click
import phonenumbers

from callflow.diagnostics import Finding
from callflow.fsio import atomic_write
from callflow.importers import Report, Status, convert_twiml
from callflow.parser import ParseError
from callflow.reporting import EXIT_FINDINGS, EXIT_OK, EXIT_UNREADABLE, render_finding
from callflow.serializer import to_xml
from callflow.urls import url_problem


@dataclass
class _Done:
    """One input: its report and XML, or the findings that stopped it."""

    path: str
    report: Report | None = None
    xml: str | None = None
    output: str | None = None
    failure: list[Finding] | None = None


@click.group("import")
def import_group() -> None:
    """Convert call flows written for other platforms into Opentact XML."""


def _base_url(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    problem = None if value is None else url_problem(value)
    if problem is not None:
        raise click.BadParameter(
            f"{value!r} {problem}: give an absolute http(s) URL, e.g. https://ivr.example.com/"
        )
    return value


def _domain(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value is not None and not re.fullmatch(r"[A-Za-z0-9.-]+(:[0-9]+)?", value):
        raise click.BadParameter("give a host name such as pbx.example.com")
    return value


def _region(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value is None:
        return None
    if value.upper() not in phonenumbers.SUPPORTED_REGIONS:
        raise click.BadParameter(f"{value!r} is not a region code such as US, GB or DE")
    return value.upper()


@import_group.command("twiml")
@click.argument(
    "files", nargs=-1, required=True, metavar="FILE...", type=click.Path(dir_okay=False)
)
@click.option(
    "-o",
    "--output-dir",
    "out_dir",
    type=click.Path(file_okay=False),
    metavar="DIR",
    help="Write each FILE as DIR/NAME.xml (created if missing) instead of stdout.",
)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Report format.",
)
@click.option(
    "--base-url",
    callback=_base_url,
    metavar="URL",
    help="The address the TwiML is served from: relative URLs resolve against it,"
    " and a Gather or Record without an action requests it, as on Twilio.",
)
@click.option(
    "--client-domain",
    callback=_domain,
    metavar="DOMAIN",
    help="Dial <Client>NAME</Client> as sip:NAME@DOMAIN.",
)
@click.option(
    "--region",
    callback=_region,
    metavar="CC",
    help="Read national numbers (415-123-4567) as numbers of this region (US, GB...);"
    " default: the region of the Dial's callerId, else such a number is ambiguous.",
)
@click.option(
    "--webhook-map",
    is_flag=True,
    help="Also list, per URL the flow requests, the parameters Twilio sent there and those"
    " Opentact sends: the checklist for changing the backend.",
)
@click.option(
    "-v", "--verbose", is_flag=True, help="List every entry in the text report, the exact ones too."
)
def twiml(
    files: tuple[str, ...],
    out_dir: str | None,
    output_format: str,
    base_url: str | None,
    client_domain: str | None,
    region: str | None,
    webhook_map: bool,
    verbose: bool,
) -> None:
    """Convert Twilio TwiML voice documents into Opentact XML, with a compatibility report.

    Every TwiML element and attribute is reported, with its line: converted exactly,
    converted with a change of meaning (the report says what changes), or not convertible
    (left out; a comment marks the place). Without -o, one FILE is converted to stdout and
    the text report goes to stderr; with --format json the report, holding the XML, goes to
    stdout.

    \b
    Exit status: 0 all converted, 1 something is not convertible, 2 an input could not be
    read or is not well-formed XML, or a usage error.
    """
    targets = _targets(files, out_dir)
    done = [_convert(path, base_url, client_domain, region) for path in files]
    for item in done:
        if item.report is not None and targets is not None:
            item.output = targets[item.path]
            _write(item)
    if output_format == "json":
        click.echo(json.dumps(_json(done, out_dir is not None, webhook_map), indent=2))
    else:
        _text(done, out_dir is not None, verbose, webhook_map)
    sys.exit(_exit_code(done))


def _targets(files: tuple[str, ...], out_dir: str | None) -> dict[str, str] | None:
    """Each input's output path; refuses (exit 2) to write over an input or twice to a path."""
    if out_dir is None:
        if len(files) > 1:
            raise click.UsageError("give -o DIR to convert more than one FILE")
        return None
    inputs = {os.path.realpath(f) for f in files}
    targets: dict[str, str] = {}
    seen: dict[str, str] = {}
    for path in files:
        target = os.path.join(out_dir, Path(path).stem + ".xml")
        real = os.path.realpath(target)
        if real in inputs:
            raise click.UsageError(f"{target} would overwrite the input {path}; choose another -o")
        if real in seen and seen[real] != os.path.realpath(path):
            raise click.UsageError(f"{seen[real]} and {path} would both be written to {target}")
        seen[real] = os.path.realpath(path)
        targets[path] = target
    return targets


def _convert(
    path: str, base_url: str | None, client_domain: str | None, region: str | None
) -> _Done:
    try:
        model, report = convert_twiml(
            Path(path), file=path, base_url=base_url, client_domain=client_domain, region=region
        )
    except ParseError as exc:
        return _Done(path, failure=exc.findings)
    return _Done(path, report, to_xml(model, pretty=True))


def _write(item: _Done) -> None:
    assert item.output is not None and item.xml is not None
    try:
        os.makedirs(os.path.dirname(item.output) or ".", exist_ok=True)
        atomic_write(item.output, item.xml.encode("utf-8"))
    except OSError as exc:
        reason = f"cannot write {item.output}: {exc.strerror or exc}"
        item.failure = [Finding("CF011", "error", reason, item.path, 1, 1)]
        item.report = None


def _text(done: list[_Done], to_files: bool, verbose: bool, webhook_map: bool) -> None:
    """Without -o the XML owns stdout, so the report goes to stderr."""
    for item in done:
        if item.failure is not None:
            for finding in item.failure:
                click.echo(render_finding(finding), err=True)
            continue
        assert item.report is not None
        for line in item.report.lines(verbose=verbose):
            click.echo(line, err=not to_files)
        click.echo(item.report.summary_line(), err=not to_files)
        if webhook_map:
            for line in item.report.webhook_lines() or ["no requests"]:
                click.echo(line, err=not to_files)
        if to_files:
            click.echo(f"wrote {item.output}")
        else:
            click.echo(item.xml, nl=False)


def _json(done: list[_Done], to_files: bool, webhook_map: bool) -> dict[str, Any]:
    files: list[dict[str, Any]] = []
    for item in done:
        if item.failure is not None:
            errors = [
                {
                    "code": f.code,
                    "severity": f.severity,
                    "message": f.message,
                    "line": f.line,
                    "col": f.col,
                }
                for f in item.failure
            ]
            files.append({"file": item.path, "errors": errors})
            continue
        assert item.report is not None
        entry = item.report.to_dict()
        entry["output"] = item.output
        if webhook_map:
            entry["webhooks"] = [w.to_dict() for w in item.report.webhooks]
        if not to_files:
            entry["xml"] = item.xml
        files.append(entry)
    reports = [d.report for d in done if d.report is not None]
    summary = {s.value: sum(r.count(s) for r in reports) for s in Status}
    summary |= {"files": len(done), "unreadable": sum(1 for d in done if d.failure is not None)}
    return {"files": files, "summary": summary}


def _exit_code(done: list[_Done]) -> int:
    if any(d.failure is not None for d in done):
        return EXIT_UNREADABLE
    if any(d.report is not None and not d.report.convertible for d in done):
        return EXIT_FINDINGS
    return EXIT_OK
