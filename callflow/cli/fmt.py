"""``callflow fmt``: rewrite documents in canonical form, never touching a broken one.

What canonical form is, and the checks before a file is rewritten, are in
``callflow.formatting``; this module reads the options and prints.
"""

from __future__ import annotations

import sys

import click

from callflow.formatting import FormatResult, Outcome, canonical, format_file
from callflow.lint import FileResult, expand
from callflow.reporting import EXIT_FINDINGS, EXIT_OK, EXIT_UNREADABLE, render_finding

__all__ = ["FormatResult", "Outcome", "canonical", "exit_code", "fmt", "format_file"]


def _report(result: FormatResult, check: bool) -> None:
    if result.outcome is Outcome.CHANGED:
        click.echo(f"would reformat {result.path}" if check else f"reformatted {result.path}")
    elif result.outcome is not Outcome.UNCHANGED:
        for finding in result.findings:
            click.echo(render_finding(finding), err=True)
        click.echo(f"{result.path}: not formatted: {result.reason}", err=True)


def _summary(results: list[FormatResult], check: bool) -> str:
    def n(outcome: Outcome) -> int:
        return sum(1 for r in results if r.outcome is outcome)

    changed = "would be reformatted" if check else "reformatted"
    parts = [f"{n(Outcome.CHANGED)} {changed}", f"{n(Outcome.UNCHANGED)} unchanged"]
    if n(Outcome.REFUSED):
        parts.append(f"{n(Outcome.REFUSED)} refused")
    if n(Outcome.UNREADABLE):
        parts.append(f"{n(Outcome.UNREADABLE)} unreadable")
    return f"{len(results)} file{'s' if len(results) != 1 else ''}: " + ", ".join(parts)


def exit_code(results: list[FormatResult], check: bool) -> int:
    outcomes = {r.outcome for r in results}
    if Outcome.UNREADABLE in outcomes:
        return EXIT_UNREADABLE
    if Outcome.REFUSED in outcomes or (check and Outcome.CHANGED in outcomes):
        return EXIT_FINDINGS
    return EXIT_OK


@click.command()
@click.argument("paths", nargs=-1, required=True, metavar="PATH...")
@click.option("--check", is_flag=True, help="Write nothing; list files that would change.")
def fmt(paths: tuple[str, ...], check: bool) -> None:
    """Rewrite call flow documents in canonical form, in place and atomically.

    Aliases become canonical names, the old <Switch>/<Case> form becomes DTMF blocks,
    methods become upper case, indentation becomes two spaces. Comments stay where they
    were (at the end of a line, on their own line, inside text); processing instructions
    and xsi:* attributes are kept. A file with errors is left untouched, as is one whose
    `callflow: ignore` comments would cover other elements once reformatted (the message
    names them); a file already canonical is not rewritten. A file with several hard links
    is overwritten in place, so every link sees the new content.

    \b
    Exit status: 0 done (with --check: nothing to change), 1 a file was refused (or, with
    --check, would change), 2 an input could not be read or written.
    """
    results: list[FormatResult] = []
    for item in expand(paths):
        if isinstance(item, FileResult):
            reason = item.findings[0].message if item.findings else "cannot read"
            result = FormatResult(item.path, Outcome.UNREADABLE, reason)
        else:
            result = format_file(item, check)
        _report(result, check)
        results.append(result)
    click.echo(_summary(results, check), err=True)
    code = exit_code(results, check)
    if code != EXIT_OK:
        sys.exit(code)
