"""Findings: what every check reports, in one shape, from the parser to the lint rules."""

from __future__ import annotations

from typing import Literal

from callflow.frozen import record

Severity = Literal["error", "warning", "info"]
SEVERITY_RANK: dict[str, int] = {"info": 0, "warning": 1, "error": 2}


@record
class RuleInfo:
    """A check's identity: stable code, kebab-case name, default severity, one-line summary."""

    code: str
    name: str
    severity: Severity
    summary: str
    fixable: bool = False


@record
class Finding:
    """One problem at one place. ``hint`` says how to fix it, where we know."""

    code: str
    severity: Severity
    message: str
    file: str | None
    line: int
    col: int
    hint: str | None = None

    def render(self) -> str:
        """``file:line:col: CODE severity message`` (the line CI tools and editors parse)."""
        text = f"{self.file or '<string>'}:{self.line}:{self.col}: {self.code} {self.severity} "
        text += self.message
        if self.hint:
            text += f" ({self.hint})"
        return text

    def sort_key(self) -> tuple[str, int, int, str]:
        return (self.file or "", self.line, self.col, self.code)
