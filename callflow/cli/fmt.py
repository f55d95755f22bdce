"""``callflow fmt``: rewrite documents in canonical form, never touching a broken one.

Canonical form is what the serializer writes for the parsed model: canonical element and
attribute names (aliases fixed), the old Switch form flattened, methods in upper case,
two-space indentation, comments kept.
"""

from __future__ import annotations

import enum
import sys
from dataclasses import dataclass, field

import click

from callflow.diagnostics import Finding
from callflow.fsio import atomic_write
from callflow.lint import FileResult, expand, lint_loaded
from callflow.parser import TOO_LARGE, DocumentTooLarge, load_bytes, read_bytes
from callflow.reporting import EXIT_FINDINGS, EXIT_OK, EXIT_UNREADABLE, render_finding
from callflow.serializer import to_xml


class Outcome(enum.Enum):
    UNCHANGED = "unchanged"
    CHANGED = "changed"
    """Rewritten, or with ``--check``: would be rewritten."""
    REFUSED = "refused"
    """Not valid (parse or lint errors), or the rewrite would not mean the same: left alone."""
    UNREADABLE = "unreadable"


@dataclass
class FormatResult:
    path: str
    outcome: Outcome
    reason: str = ""
    findings: list[Finding] = field(default_factory=list)


def canonical(data: bytes, path: str) -> FormatResult | bytes:
    """The canonical bytes of a document, or why it must be left alone."""
    loaded = load_bytes(data, file=path)
    errors = [f for f in lint_loaded(loaded) if f.severity == "error"]
    if loaded.model is None or errors:
        count = f"{len(errors)} error{'s' if len(errors) != 1 else ''}"
        return FormatResult(path, Outcome.REFUSED, f"has {count}; fix them first", errors)
    new = to_xml(loaded.model, pretty=True).encode("utf-8")
    if new != data and load_bytes(new, file=path).model != loaded.model:
        reason = "the canonical text would not mean the same (please report this)"
        return FormatResult(path, Outcome.REFUSED, reason)
    return new


def format_file(path: str, check: bool) -> FormatResult:
    """Bring one file into canonical form (or, with ``check``, only say whether it is)."""
    try:
        data = read_bytes(path)
    except DocumentTooLarge as exc:  # a finding, as lint reports it (exit 1), not unreadable
        finding = Finding(TOO_LARGE.code, TOO_LARGE.severity, str(exc), path, 1, 1)
        return FormatResult(path, Outcome.REFUSED, "too large to be a call flow", [finding])
    except OSError as exc:
        return FormatResult(path, Outcome.UNREADABLE, f"cannot read: {exc.strerror or exc}")
    new = canonical(data, path)
    if isinstance(new, FormatResult):
        return new
    if new == data:
        return FormatResult(path, Outcome.UNCHANGED)
    if not check:
        try:
            atomic_write(path, new)
        except OSError as exc:
            return FormatResult(path, Outcome.UNREADABLE, f"cannot write: {exc.strerror or exc}")
    return FormatResult(path, Outcome.CHANGED)


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
    methods become upper case, indentation becomes two spaces; comments are kept. A file
    with errors is left untouched, and a file already canonical is not rewritten.

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
