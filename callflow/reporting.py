"""Lint output formats: one function per format, each turning per-file results into text.

To add a format, write ``def format_x(results, summary, *, color) -> str`` and register it in
``FORMATS``; ``callflow lint --format`` offers every key of that table.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Protocol

import click

from callflow.diagnostics import Finding
from callflow.lint import FileResult

EXIT_OK, EXIT_FINDINGS, EXIT_UNREADABLE = 0, 1, 2


@dataclass(frozen=True, slots=True)
class Summary:
    """Counts over a whole run."""

    files: int
    errors: int
    warnings: int
    infos: int
    unreadable: int

    def exit_code(self, strict: bool = False) -> int:
        """2 if any input was unreadable, else 1 on errors (or warnings when strict), else 0."""
        if self.unreadable:
            return EXIT_UNREADABLE
        if self.errors or (strict and self.warnings):
            return EXIT_FINDINGS
        return EXIT_OK


def summarize(results: Sequence[FileResult]) -> Summary:
    return Summary(
        files=len(results),
        errors=sum(r.count("error") for r in results),
        warnings=sum(r.count("warning") for r in results),
        infos=sum(r.count("info") for r in results),
        unreadable=sum(1 for r in results if r.unreadable),
    )


def _plural(count: int, word: str) -> str:
    return f"{count} {word}" if count == 1 else f"{count} {word}s"


def summary_line(summary: Summary) -> str:
    """``3 errors, 1 warning in 12 files`` (plus unreadable files, when any)."""
    text = f"{_plural(summary.errors, 'error')}, {_plural(summary.warnings, 'warning')}"
    if summary.infos:
        text += f", {summary.infos} info"
    text += f" in {_plural(summary.files, 'file')}"
    if summary.unreadable:
        text += f" ({summary.unreadable} unreadable)"
    return text


class Formatter(Protocol):
    def __call__(self, results: Sequence[FileResult], summary: Summary, *, color: bool) -> str: ...


_SEVERITY_COLORS = {"error": "red", "warning": "yellow", "info": "blue"}


def render_finding(finding: Finding, *, color: bool = False) -> str:
    """``file:line:col: CODE severity message (hint)``, the severity coloured if asked."""
    if not color:
        return finding.render()
    where = click.style(f"{finding.file or '<string>'}:{finding.line}:{finding.col}:", bold=True)
    code = click.style(finding.code, bold=True)
    severity = click.style(finding.severity, fg=_SEVERITY_COLORS.get(finding.severity))
    hint = click.style(f" ({finding.hint})", dim=True) if finding.hint else ""
    return f"{where} {code} {severity} {finding.message}{hint}"


def format_text(results: Sequence[FileResult], summary: Summary, *, color: bool) -> str:
    """One line per finding, in file order then position order."""
    lines = [render_finding(f, color=color) for r in results for f in r.findings]
    return "".join(line + "\n" for line in lines)


def finding_dict(finding: Finding) -> dict[str, object]:
    return {
        "file": finding.file,
        "line": finding.line,
        "col": finding.col,
        "code": finding.code,
        "severity": finding.severity,
        "message": finding.message,
        "hint": finding.hint,
    }


def format_json(results: Sequence[FileResult], summary: Summary, *, color: bool) -> str:
    """``{"findings": [...], "summary": {...}}``; each finding has file, line, col, code,
    severity, message and hint (null when there is none)."""
    document = {
        "findings": [finding_dict(f) for r in results for f in r.findings],
        "summary": asdict(summary),
    }
    return json.dumps(document, indent=2) + "\n"


FORMATS: dict[str, Formatter] = {"text": format_text, "json": format_json}
"""Output format name -> formatter."""
