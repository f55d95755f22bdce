"""Diagnostics: ``callflow lint``'s findings for a text, each with the range it is about.

The findings come from the lint driver exactly as the CLI makes them: the text is read by the
parser, the settings are those of the nearest ``callflow.toml`` / ``pyproject.toml
[tool.callflow]`` above the file (``callflow.config.Configs``, as ``callflow lint`` without
``--config``), and ``callflow: ignore`` comments are applied by the driver. This module adds
only the range: a finding's place is the start of an element (the range is its start tag), an
attribute (the range is ``name="value"``), or a parse error (the word there).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from lsprotocol import types as lsp

from callflow.config import PARSE_CODES, ConfigError, Configs, Settings
from callflow.diagnostics import Finding
from callflow.lint import lint_loaded
from callflow.lsp.scan import root_name, tag_around, token_end
from callflow.lsp.textmap import TextMap
from callflow.parser import load_bytes

ROOT = "Response"
SOURCE = "callflow"

_SEVERITY = {
    "error": lsp.DiagnosticSeverity.Error,
    "warning": lsp.DiagnosticSeverity.Warning,
    "info": lsp.DiagnosticSeverity.Information,
}


@dataclass(frozen=True, slots=True)
class Located:
    """A finding and the offsets of the text it is about."""

    finding: Finding
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Report:
    """What the server knows about one version of a document after linting it."""

    text: str
    findings: tuple[Located, ...]
    config_error: str | None = None
    """The settings could not be read: nothing was linted (as the CLI exits 2)."""
    modelled: bool = False
    """The text was read into a model (well-formed and valid), so the rules ran on it."""
    stale: tuple[Located, ...] = ()
    """Semantic findings of the last modelled version, in the text this one has unchanged
    (before its first parse finding): shown as hints while the document is broken."""


STALE_NOTE = " [from the last well-formed version]"


def keep_stale(good: Report | None, broken: Report) -> Report:
    """``broken`` with the findings of ``good`` that still stand where they stood: those of
    the rules (not the parse stage) that end before the first change and before the first
    parse finding, so their places are exact."""
    if good is None or broken.modelled or broken.config_error is not None or not good.modelled:
        return broken
    limit = min((x.start for x in broken.findings), default=len(broken.text))
    common = _common_prefix(good.text, broken.text)
    kept = tuple(
        x
        for x in good.findings
        if x.finding.code not in PARSE_CODES and x.end <= min(limit, common)
    )
    return replace(broken, stale=kept)


def _common_prefix(a: str, b: str) -> int:
    """Length of the longest common prefix (halving: a few C-level compares, not a loop)."""
    low, high = 0, min(len(a), len(b))
    while low < high:
        middle = (low + high + 1) // 2
        if a[low:middle] == b[low:middle]:
            low = middle
        else:
            high = middle - 1
    return low


def settings_for(path: str | None) -> Settings:
    """The settings ``callflow lint PATH`` uses; None for a document with no file (defaults).

    Read afresh each time, so an edited ``pyproject.toml`` applies at the next change.
    """
    configs = Configs()
    return configs.for_path(path) if path is not None else configs.settings_for(None)


def is_callflow(text: str) -> bool:
    """Whether the server speaks about this document: its root element is ``<Response>``
    (any other XML file an editor sends, a Maven pom say, is left alone)."""
    return root_name(text) == ROOT


def lint_text(text: str, path: str | None) -> Report:
    """Lint one document's text as ``callflow lint`` lints the same bytes at ``path``."""
    if not is_callflow(text):
        return Report(text, ())
    try:
        settings = settings_for(path)
    except ConfigError as exc:
        return Report(text, (), f"callflow: {exc}")
    if path is not None and settings.excludes(path):
        return Report(text, ())
    loaded = load_bytes(text.lstrip("\ufeff").encode("utf-8", "surrogatepass"), path, "utf-8")
    shift = len(text) - len(text.lstrip("\ufeff"))
    found = lint_loaded(loaded, settings)
    textmap = TextMap(text)
    located = []
    for finding in found:
        start = textmap.offset_of(finding.line, finding.col + (shift if finding.line == 1 else 0))
        located.append(Located(finding, *span_of(text, start)))
    return Report(text, tuple(located), modelled=loaded.model is not None)


def span_of(text: str, start: int) -> tuple[int, int]:
    """The range of a finding placed at ``start``: the start tag of the element that starts
    there, the attribute, or the word (after markup lxml could not accept: that markup)."""
    tag = tag_around(text, start)
    if tag is not None and tag.kind == "start":
        if tag.start == start:
            return start, tag.end
        attr = next((a for a in tag.attrs if a.start == start), None)
        if attr is not None:
            return start, attr.end
    end = token_end(text, start)
    if end == start and start > 0:  # lxml's column is often just after the tag it refused
        before = tag_around(text, start - 1)
        if before is not None and before.end == start:
            return before.start, start
    return start, end


def diagnostic(
    located: Located, textmap: TextMap, docs: str | None = None, stale: bool = False
) -> lsp.Diagnostic:
    """One finding as an LSP diagnostic; ``docs`` is a URL template with ``{code}`` for the
    rule's documentation (``codeDescription``)."""
    finding = located.finding
    message = finding.message + (f" ({finding.hint})" if finding.hint else "")
    described = lsp.CodeDescription(docs.replace("{code}", finding.code)) if docs else None
    return lsp.Diagnostic(
        range=textmap.range(located.start, located.end),
        message=message + (STALE_NOTE if stale else ""),
        severity=lsp.DiagnosticSeverity.Hint if stale else _SEVERITY[finding.severity],
        code=finding.code,
        code_description=described,
        source=SOURCE,
    )


def diagnostics(report: Report, encoding: str, docs: str | None = None) -> list[lsp.Diagnostic]:
    textmap = TextMap(report.text, encoding)
    if report.config_error is not None:
        zero = textmap.range(0, 0)
        severity = lsp.DiagnosticSeverity.Error
        return [lsp.Diagnostic(zero, report.config_error, severity=severity, source=SOURCE)]
    out = [diagnostic(located, textmap, docs) for located in report.findings]
    return out + [diagnostic(located, textmap, docs, stale=True) for located in report.stale]
