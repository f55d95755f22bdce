"""One document per recipient: fill the template, then lint what was filled.

The template is read once: an XML error that no value can cause or cure (not well-formed, a
DTD, the wrong root, a placeholder in a name) stops the campaign before any row. Then each
recipient's document is rendered (``callflow.variables``) and linted like any flow file;
identical documents are linted once. A document with an error is not called.

Findings about a rendered document are reported at the template's line and column (values
never add lines, see ``callflow.variables``) and name the recipient rows; the same finding
for many rows is one line (``rows 3, 7 and 40 more: ...``).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from callflow import model as m
from callflow.campaign.recipients import Recipient, Recipients
from callflow.config import DEFAULT, Settings
from callflow.diagnostics import Finding
from callflow.lint import lint_loaded
from callflow.parser import NOT_WELL_FORMED, TOO_LARGE, UNSAFE_XML, WRONG_ROOT, load_bytes
from callflow.variables import UNUSED_COLUMN, RenderError, Template

TEMPLATE_CODES = frozenset({NOT_WELL_FORMED.code, WRONG_ROOT.code, UNSAFE_XML.code, TOO_LARGE.code})
"""Parse-stage findings about the template itself: no value can cause or cure them."""
CACHE_SIZE = 4096
"""Linted documents kept, by text (a campaign with one document per row keeps the last few)."""
ROWS_LISTED = 5


@dataclass(frozen=True, slots=True)
class Checked:
    """A rendered document after lint: the model when it has no error, and its findings
    (positions in the template)."""

    text: str
    model: m.Response | None
    findings: tuple[Finding, ...] = ()


@dataclass(frozen=True, slots=True)
class Prepared:
    """A recipient's document: ``checked`` is None when the values could not fill it."""

    recipient: Recipient
    checked: Checked | None
    findings: tuple[Finding, ...] = ()
    """This row's findings: values that could not fill the template, or the document's."""

    @property
    def model(self) -> m.Response | None:
        return self.checked.model if self.checked is not None else None


class Documents:
    """The template of a campaign and the linted document of each recipient."""

    def __init__(self, text: str, file: str, settings: Settings = DEFAULT) -> None:
        self.file = file
        self.settings = settings
        self.template = Template(text, file)
        loaded = load_bytes(text.encode("utf-8"), file, encoding="utf-8")
        fatal = [f for f in loaded.findings if f.code in TEMPLATE_CODES]
        self.findings: list[Finding] = fatal + self.template.findings
        """About the template itself, whatever the values."""
        self._cache: dict[str, Checked] = {}

    @property
    def usable(self) -> bool:
        """False when the template itself has an error: no row can be rendered."""
        return not any(f.severity == "error" for f in self.findings)

    def check(self, text: str, values: dict[str, str]) -> Checked:
        """Lint a rendered document (once per distinct text); positions in the template."""
        cache = self._cache
        found = cache.get(text)
        if found is not None:
            return found
        loaded = load_bytes(text.encode("utf-8"), self.file, encoding="utf-8")
        findings = lint_loaded(loaded, self.settings)
        model = None if any(f.severity == "error" for f in findings) else loaded.model
        if findings:
            findings = [self._placed(f, values) for f in findings]
        if len(cache) >= CACHE_SIZE:
            cache.clear()
        checked = cache[text] = Checked(text, model, tuple(findings))
        return checked

    def _placed(self, finding: Finding, values: dict[str, str]) -> Finding:
        line, col = self.template.locate(values, finding.line, finding.col)
        return Finding(
            finding.code, finding.severity, finding.message, self.file, line, col, finding.hint
        )

    def prepare(self, recipient: Recipient) -> Prepared:
        """Render and lint one recipient's document."""
        values = recipient.values
        try:
            text = self.template.render(values)
        except RenderError as exc:
            findings = tuple(
                Finding(rule.code, rule.severity, message, self.file, holder.line, holder.col)
                for holder, rule, message in exc.problems
            )
            return Prepared(recipient, None, findings)
        checked = self.check(text, values)
        return Prepared(recipient, checked, checked.findings)

    def unused_columns(self, recipients: Recipients) -> list[Finding]:
        """A warning for each variable column no placeholder uses (at the header line)."""
        names = self.template.names
        return [
            Finding(
                UNUSED_COLUMN.code,
                UNUSED_COLUMN.severity,
                f"column {column!r} is used by no placeholder of {self.file}",
                recipients.file,
                line,
                1,
            )
            for column, line in recipients.columns.items()
            if column not in names
        ]


def row_list(rows: list[int]) -> str:
    """``row 3``, ``rows 3, 7`` or ``rows 3, 7, 9, 12, 15 and 40 more``."""
    if len(rows) == 1:
        return f"row {rows[0]}"
    shown = ", ".join(str(r) for r in rows[:ROWS_LISTED])
    more = len(rows) - ROWS_LISTED
    return f"rows {shown}" + (f" and {more} more" if more > 0 else "")


@dataclass
class RowFindings:
    """Findings of many rows, gathered as they come: the same finding once, with its rows."""

    rows: dict[Finding, list[int]] = field(default_factory=lambda: defaultdict(list))

    def add(self, row: int, findings: Iterable[Finding]) -> None:
        for finding in findings:
            self.rows[finding].append(row)

    def merge(self, other: RowFindings) -> None:
        for finding, rows in other.rows.items():
            self.rows[finding].extend(rows)

    def findings(self) -> list[Finding]:
        """One finding per distinct finding, its message prefixed with the rows it concerns."""
        out = []
        for finding, rows in self.rows.items():
            rows.sort()
            message = f"{row_list(rows)}: {finding.message}"
            out.append(
                Finding(
                    finding.code,
                    finding.severity,
                    message,
                    finding.file,
                    finding.line,
                    finding.col,
                    finding.hint,
                )
            )
        return sorted(out, key=lambda f: (f.line, f.col, f.code, f.message))

    def rows_with_errors(self) -> set[int]:
        return {r for f, rows in self.rows.items() if f.severity == "error" for r in rows}
