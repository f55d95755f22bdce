"""Lint output formats: one function per format, each turning per-file results into text.

To add a format, write ``def format_x(results, summary, *, color, strict) -> str`` and register
it in ``FORMATS``; ``callflow lint --format`` offers every key of that table. Besides text and
JSON: GitHub Actions workflow commands (inline annotations on a pull request), JUnit XML (CI
test reports) and SARIF 2.1.0 (code-scanning dashboards).
"""

from __future__ import annotations

import os
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import quote

import click
from lxml import etree

from callflow import rules
from callflow.diagnostics import Finding, RuleInfo
from callflow.lint import FileResult
from callflow.types import NOT_XML_CHAR

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
    """The counts of the summary line, in one pass over the findings."""
    counts = {"error": 0, "warning": 0, "info": 0}
    for result in results:
        for finding in result.findings:
            counts[finding.severity] += 1
    return Summary(
        files=len(results),
        errors=counts["error"],
        warnings=counts["warning"],
        infos=counts["info"],
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
    def __call__(
        self, results: Sequence[FileResult], summary: Summary, *, color: bool, strict: bool
    ) -> str:
        """The report; ``strict`` says warnings fail the run too (for formats that say which
        files failed)."""
        ...


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


def format_text(
    results: Sequence[FileResult], summary: Summary, *, color: bool, strict: bool = False
) -> str:
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


def format_json(
    results: Sequence[FileResult], summary: Summary, *, color: bool, strict: bool = False
) -> str:
    """``{"findings": [...], "summary": {...}}``; each finding has file, line, col, code,
    severity, message and hint (null when there is none)."""
    document = {
        "findings": [finding_dict(f) for r in results for f in r.findings],
        "summary": asdict(summary),
    }
    import json  # only for this format: the text report is what most runs print

    return json.dumps(document, indent=2) + "\n"


def relative_path(file: str) -> str:
    """``file`` relative to the working directory with forward slashes, as CI tools and SARIF
    expect (the checkout is the working directory); absolute when it lies outside."""
    absolute = os.path.abspath(file)
    try:
        relative = os.path.relpath(absolute, os.getcwd())
    except ValueError:  # another drive, on Windows
        return Path(absolute).as_posix()
    if relative == os.pardir or relative.startswith(os.pardir + os.sep):
        return Path(absolute).as_posix()
    return Path(relative).as_posix()


def _message(finding: Finding) -> str:
    return f"{finding.message} ({finding.hint})" if finding.hint else finding.message


# ---- GitHub Actions --------------------------------------------------------------------------

_GITHUB_LEVELS = {"error": "error", "warning": "warning", "info": "notice"}


def github_data(text: str) -> str:
    """Escape a workflow command's message (``%``, CR and LF would end or corrupt it)."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def github_property(text: str) -> str:
    """Escape a workflow command property value (``:`` and ``,`` separate properties too)."""
    return github_data(text).replace(":", "%3A").replace(",", "%2C")


def format_github(
    results: Sequence[FileResult], summary: Summary, *, color: bool, strict: bool = False
) -> str:
    """One GitHub Actions workflow command per finding: ``::error file=F,line=L,col=C,
    title=CODE::message``, shown inline on the pull request (info findings as notices)."""
    lines = []
    for finding in (f for r in results for f in r.findings):
        props = (
            [] if finding.file is None else [f"file={github_property(relative_path(finding.file))}"]
        )
        props += [
            f"line={finding.line}",
            f"col={finding.col}",
            f"title={github_property(finding.code)}",
        ]
        message = github_data(f"{finding.code} {_message(finding)}")
        lines.append(f"::{_GITHUB_LEVELS[finding.severity]} {','.join(props)}::{message}\n")
    return "".join(lines)


# ---- JUnit XML -------------------------------------------------------------------------------

_NOT_XML = NOT_XML_CHAR


def _xml_text(text: str) -> str:
    """Text XML can carry (an undecodable file name, say, holds lone surrogates)."""
    return _NOT_XML.sub("\ufffd", text)


def _failing(finding: Finding, strict: bool) -> bool:
    return finding.severity == "error" or (strict and finding.severity == "warning")


def format_junit(
    results: Sequence[FileResult], summary: Summary, *, color: bool, strict: bool = False
) -> str:
    """A JUnit XML report (the Ant schema CI servers read): one testcase per file, failed when
    the file fails the run (errors, and warnings with ``--strict``), listing every finding of
    the file, one per line, in the failure text; an unreadable file is an ``error``. The
    suite's ``system-out`` holds every finding, warnings of passing files too.

    The schema allows one failure element per testcase, so the findings share it."""
    from datetime import UTC, datetime  # only for this format

    cases = [(r, [f for f in r.findings if _failing(f, strict)]) for r in results]
    failed = sum(1 for r, failing in cases if failing and not r.unreadable)
    suite = etree.Element("testsuite", {
        "name": "callflow lint", "tests": str(len(results)), "failures": str(failed),
        "errors": str(summary.unreadable), "skipped": "0", "time": "0",
        "timestamp": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%S"),
        "hostname": _hostname(),
    })  # fmt: skip
    etree.SubElement(suite, "properties")
    for result, failing in cases:
        name = _xml_text(" ".join(relative_path(result.path).split())) or "?"
        case = etree.SubElement(
            suite, "testcase", {"name": name, "classname": "callflow.lint", "time": "0"}
        )
        if not result.unreadable and not failing:
            continue
        text = "".join(_xml_text(f.render()) + "\n" for f in result.findings)
        if result.unreadable:
            first = result.findings[0]
            node = etree.SubElement(
                case, "error", message=_xml_text(first.message), type=first.code
            )
        else:
            counts = summarize([result])
            message = summary_line(counts).removesuffix(" in 1 file")
            node = etree.SubElement(case, "failure", message=message, type=failing[0].code)
        node.text = text
    out = etree.SubElement(suite, "system-out")
    out.text = _xml_text(format_text(results, summary, color=False))
    etree.SubElement(suite, "system-err")
    xml = etree.tostring(suite, xml_declaration=True, encoding="UTF-8", pretty_print=True)
    return bytes(xml).decode("utf-8")


# ---- SARIF 2.1.0 -----------------------------------------------------------------------------

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
SARIF_VERSION = "2.1.0"
INFORMATION_URI = "https://pypi.org/project/opentact-callflow/"
SRCROOT = "%SRCROOT%"
_SARIF_LEVELS = {"error": "error", "warning": "warning", "info": "note"}


def _hostname() -> str:
    import socket  # junit only: not paid by the other formats

    return _xml_text(" ".join(socket.gethostname().split())) or "localhost"


def _tool_version() -> str:
    from importlib import metadata  # sarif only: slow to import (email, zipfile)

    try:
        return metadata.version("opentact-callflow")
    except metadata.PackageNotFoundError:  # run from a checkout that is not installed
        from callflow import __version__

        return __version__


def _sarif_rule(info: RuleInfo) -> dict[str, Any]:
    found = rules.find(info.code)
    doc = found[1] if found else info.summary
    tags = ["parse"] if info.code < "CF100" else ["semantic"]
    if info.fixable:
        tags.append("fixable")
    return {
        "id": info.code,
        "name": info.name,
        "shortDescription": {"text": info.summary},
        "fullDescription": {"text": doc},
        "help": {"text": doc},
        "defaultConfiguration": {"level": _SARIF_LEVELS[info.severity]},
        "properties": {"tags": tags},
    }


def _sarif_location(file: str) -> dict[str, Any]:
    path = relative_path(file)
    if path.startswith("/") or re.match(r"[A-Za-z]:/", path):
        return {"uri": Path(path).as_uri()}
    return {"uri": quote(path, safe="/"), "uriBaseId": SRCROOT}


def _sarif_result(finding: Finding, index: dict[str, int]) -> dict[str, Any]:
    result: dict[str, Any] = {"ruleId": finding.code}
    if finding.code in index:
        result["ruleIndex"] = index[finding.code]
    result["level"] = _SARIF_LEVELS[finding.severity]
    result["message"] = {"text": _message(finding)}
    if finding.file is not None:
        region = {"startLine": finding.line, "startColumn": finding.col}
        physical = {"artifactLocation": _sarif_location(finding.file), "region": region}
        result["locations"] = [{"physicalLocation": physical}]
    return result


def sarif_log(results: Sequence[FileResult], summary: Summary) -> dict[str, Any]:
    """The SARIF log object: one run, every rule's metadata, one result per finding."""
    infos = rules.all_rule_infos()
    index = {info.code: number for number, info in enumerate(infos)}
    driver = {
        "name": "callflow",
        "fullName": "opentact-callflow lint",
        "version": _tool_version(),
        "informationUri": INFORMATION_URI,
        "rules": [_sarif_rule(info) for info in infos],
    }
    run = {
        "tool": {"driver": driver},
        "invocations": [{"executionSuccessful": summary.unreadable == 0}],
        "originalUriBaseIds": {SRCROOT: {"uri": Path.cwd().as_uri().rstrip("/") + "/"}},
        "columnKind": "unicodeCodePoints",
        "results": [_sarif_result(f, index) for r in results for f in r.findings],
    }
    return {"$schema": SARIF_SCHEMA, "version": SARIF_VERSION, "runs": [run]}


def format_sarif(
    results: Sequence[FileResult], summary: Summary, *, color: bool, strict: bool = False
) -> str:
    """SARIF 2.1.0 for code scanning (GitHub ``upload-sarif``, GitLab, IDE viewers): paths
    relative to the working directory (``%SRCROOT%``), columns in code points."""
    import json  # only for this format

    return json.dumps(sarif_log(results, summary), indent=2) + "\n"


FORMATS: dict[str, Formatter] = {
    "text": format_text,
    "json": format_json,
    "github": format_github,
    "junit": format_junit,
    "sarif": format_sarif,
}
"""Output format name -> formatter."""
