"""The recipients file of a campaign: who is called, from which number, with which variables,
which numbers to try next, and how many times to retry.

Two formats, told apart by the extension (``.csv``; ``.jsonl``, ``.ndjson``, ``.json``) or
else by the first character (``{``: JSON lines):

- **CSV** with a header row. Columns ``to`` (required), ``from``, ``fallback1`` ..
  ``fallback5``, ``max_retries``; every other column is a variable. An empty cell is *no
  value* (CSV cannot tell an empty value from none).
- **JSON lines**: one object per line with the same keys, or the fallbacks as a list
  ``"fallbacks": [...]``. Other keys are variables: strings as they are, numbers exactly as
  written (``2.50``, ``1e999``: never converted), booleans as ``true``/``false``; ``null`` is
  no value; lists and objects are refused, and so is a key given twice in one row.

A row's number is the line where it starts in the file (for CSV, the header is row 1: the
numbering a spreadsheet shows). Numbers are E.164 (``+`` country code and number, no spaces),
checked with ``phonenumbers``. A bad row is reported with its number and skipped; the others go
on. Only a file that cannot be read, or a CSV without a ``to`` column, stops everything.
"""

from __future__ import annotations

import csv
import io
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import phonenumbers

from callflow.bounded import DataError, JsonNumber, load_json
from callflow.diagnostics import Finding, RuleInfo
from callflow.fsio import read_regular
from callflow.variables import NAME

BAD_ROW = RuleInfo("CP010", "bad-row", "error", "A recipient row that cannot be called.")
DUPLICATE = RuleInfo("CP011", "duplicate-recipient", "warning", "A number listed twice.")
COLUMN_NAME = RuleInfo(
    "CP012", "column-name", "warning", "A column whose name cannot be a placeholder name."
)
BAD_FILE = RuleInfo("CP013", "bad-recipients", "error", "A recipients file with no usable rows.")
UNREADABLE = RuleInfo("CP014", "unreadable-recipients", "error", "The file cannot be read.")
RULES: tuple[RuleInfo, ...] = (BAD_ROW, DUPLICATE, COLUMN_NAME, BAD_FILE, UNREADABLE)

MAX_FALLBACKS = 5
MAX_RETRIES = 10
MAX_BYTES = 512 * 1024 * 1024
FALLBACK_COLUMNS = tuple(f"fallback{i}" for i in range(1, MAX_FALLBACKS + 1))
RESERVED = frozenset({"to", "from", "max_retries", "fallbacks", *FALLBACK_COLUMNS})
"""Columns that steer the call; every other column is a variable."""

_E164 = re.compile(r"\+[1-9][0-9]{1,14}")


@dataclass(frozen=True, slots=True)
class Recipient:
    """One good row."""

    row: int
    """The line of the file where the row starts."""
    to: str
    from_: str | None = None
    fallbacks: tuple[str, ...] = ()
    max_retries: int = 0
    values: dict[str, str] = field(default_factory=dict)
    """Variables with a value (no empty CSV cells, no JSON nulls)."""

    @property
    def destinations(self) -> tuple[str, ...]:
        """``to``, then the fallbacks, in the order they are tried."""
        return (self.to, *self.fallbacks)


@dataclass
class Recipients:
    """A loaded file: its good rows in file order, and findings (bad rows, warnings)."""

    file: str
    rows: list[Recipient] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    columns: dict[str, int] = field(default_factory=dict)
    """Variable column -> line where it was first seen (the header line for CSV)."""
    unreadable: bool = False
    rows_read: int = 0
    """Every data row, good and bad."""
    numbers: bool = True
    """False: a file of variables only (``callflow render --csv``): no ``to`` needed, and the
    columns that steer calls are ignored."""

    @property
    def bad_rows(self) -> int:
        return len({f.line for f in self.findings if f.code == BAD_ROW.code})

    def _add(self, info: RuleInfo, message: str, line: int, hint: str | None = None) -> None:
        self.findings.append(Finding(info.code, info.severity, message, self.file, line, 1, hint))


class _BadRow(ValueError):
    def __init__(self, message: str, hint: str | None = None) -> None:
        super().__init__(message)
        self.hint = hint


@lru_cache(maxsize=65536)
def check_number(raw: str) -> tuple[str | None, str | None]:
    """(E.164 number, None) for a valid number, else (None, what is wrong) as a hint."""
    text = raw.strip()
    if _E164.fullmatch(text):
        try:
            parsed = phonenumbers.parse(text, None)
        except phonenumbers.NumberParseException:
            return None, "not a phone number"
        if phonenumbers.is_valid_number(parsed):
            return text, None
        return None, "no such number in its country's numbering plan"
    try:
        parsed = phonenumbers.parse(text, None)
    except phonenumbers.NumberParseException:
        return None, "write it in E.164: + country code and number, e.g. +12125550100"
    fixed = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    return None, f"write it in E.164, without spaces or punctuation: {fixed}"


def _number(column: str, raw: str) -> str:
    number, problem = check_number(raw)
    if number is None:
        raise _BadRow(f"{column}: {raw!r} is not a valid E.164 phone number", problem)
    return number


def _retries(raw: str) -> int:
    text = raw.strip()
    if not text.isascii() or not text.isdigit() or len(text) > 2 or int(text) > MAX_RETRIES:
        raise _BadRow(f"max_retries: {raw!r} is not a whole number from 0 to {MAX_RETRIES}")
    return int(text)


def _recipient(
    row: int, cells: dict[str, str], fallbacks: list[str], variables: dict[str, str], numbers: bool
) -> Recipient:
    """A good row from its cells (empty cells already dropped), or ``_BadRow``."""
    if not numbers:
        return Recipient(row, "", values=variables)
    if "to" not in cells:
        raise _BadRow("no `to` number")
    to = _number("to", cells["to"])
    from_ = _number("from", cells["from"]) if "from" in cells else None
    others = tuple(_number(f"fallback{i}", raw) for i, raw in enumerate(fallbacks, 1))
    retries = _retries(cells["max_retries"]) if "max_retries" in cells else 0
    return Recipient(row, to, from_, others, retries, variables)


# ---- CSV ----------------------------------------------------------------------------------


def _csv_rows(text: str, out: Recipients, first_line: int) -> Iterator[tuple[int, list[str]]]:
    """(line where the record starts, cells) for every record, blank lines skipped."""
    reader = csv.reader(io.StringIO(text, newline=""))
    start = first_line
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            out._add(BAD_ROW, f"row {start}: not valid CSV: {exc}", start)
            start = reader.line_num + first_line
            continue
        if cells and any(c.strip() for c in cells):
            yield start, cells
        start = reader.line_num + first_line


def _read_csv(text: str, out: Recipients, first_line: int) -> None:
    rows = _csv_rows(text, out, first_line)
    first = next(rows, None)
    if first is None:
        out._add(BAD_FILE, "no header row: the file is empty", 1)
        return
    header_line, header = first
    names = [h.strip() for h in header]
    problems = [n for n in names if not n]
    duplicates = sorted({n for n in names if n and names.count(n) > 1})
    if problems or duplicates or ("to" not in names and out.numbers):
        why = (
            "a column has no name"
            if problems
            else f"columns named twice: {', '.join(duplicates)}"
            if duplicates
            else "no `to` column"
        )
        out._add(
            BAD_FILE,
            f"bad header row: {why}",
            header_line,
            "the first row names the columns: to, from, fallback1..5, max_retries, then"
            " one column per variable",
        )
        return
    variables = _variable_columns(names, header_line, out)
    fallback_at = [(i, n) for i, n in enumerate(names) if n in FALLBACK_COLUMNS]
    fallback_at.sort(key=lambda item: item[1])
    for row, cells in rows:
        out.rows_read += 1
        if len(cells) != len(names):
            message = f"row {row}: {len(cells)} cells, but the header names {len(names)} columns"
            out._add(BAD_ROW, message, row)
            continue
        given = {n: c for n, c in zip(names, cells, strict=True) if c.strip()}
        fallbacks = [given[n] for _, n in fallback_at if n in given]
        values = {n: cells[i] for i, n in variables if cells[i].strip()}
        _accept(out, row, given, fallbacks, values)


def _variable_columns(names: list[str], line: int, out: Recipients) -> list[tuple[int, str]]:
    """(index, name) of the variable columns; a name that cannot be a placeholder is warned
    about once and its cells ignored."""
    columns = []
    for index, name in enumerate(names):
        if name in RESERVED:
            continue
        if NAME.fullmatch(name) is None:
            out._add(
                COLUMN_NAME,
                f"column {name!r} cannot be a placeholder name; its values are not used",
                line,
                "name variables with letters, digits and _",
            )
            continue
        out.columns.setdefault(name, line)
        columns.append((index, name))
    return columns


def _accept(
    out: Recipients, row: int, cells: dict[str, str], fallbacks: list[str], values: dict[str, str]
) -> None:
    try:
        out.rows.append(_recipient(row, cells, fallbacks, values, out.numbers))
    except _BadRow as exc:
        out._add(BAD_ROW, f"row {row}: {exc}", row, exc.hint)


# ---- JSON lines ---------------------------------------------------------------------------


def json_value(key: str, value: Any) -> str | None:
    """A JSON value (from ``load_json``) as variable text: strings as they are, numbers as
    written, booleans as ``true``/``false``, None for null; ``ValueError`` for a list or an
    object."""
    if value is None:
        return None
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, JsonNumber):
        return value.text
    raise _BadRow(f"{key}: a list or object is not a value")


def _json_row(row: int, data: Any, out: Recipients, warned: set[str]) -> None:
    if not isinstance(data, dict):
        raise _BadRow("not a JSON object")
    cells: dict[str, str] = {}
    values: dict[str, str] = {}
    for key, raw in data.items():
        if key == "fallbacks":
            continue
        value = json_value(key, raw)
        if key in RESERVED:
            if key == "max_retries" and isinstance(raw, bool):
                raise _BadRow(f"max_retries: {raw!r} is not a whole number")
            if value is not None and value.strip():
                cells[key] = value
            continue
        if NAME.fullmatch(key) is None:
            if key not in warned:
                warned.add(key)
                message = f"key {key!r} cannot be a placeholder name; its values are not used"
                out._add(COLUMN_NAME, message, row, "name variables with letters, digits and _")
            continue
        out.columns.setdefault(key, row)
        if value is not None:
            values[key] = value
    listed = data.get("fallbacks")
    numbered = [cells[n] for n in FALLBACK_COLUMNS if n in cells]
    if listed is not None:
        if numbered:
            raise _BadRow("fallbacks given twice: as a list and as fallback1..5")
        if not isinstance(listed, list) or not all(isinstance(x, str) for x in listed):
            raise _BadRow("fallbacks: not a list of numbers written as strings")
        if len(listed) > MAX_FALLBACKS:
            raise _BadRow(f"fallbacks: {len(listed)} numbers; at most {MAX_FALLBACKS}")
        numbered = listed
    out.rows.append(_recipient(row, cells, numbered, values, out.numbers))


def _read_jsonl(text: str, out: Recipients, first_line: int) -> None:
    warned: set[str] = set()
    for row, line in enumerate(text.splitlines(), first_line):
        if not line.strip():
            continue
        out.rows_read += 1
        try:
            data = load_json(line)
        except DataError as exc:
            out._add(BAD_ROW, f"row {row}: not valid JSON: {exc.message} (column {exc.col})", row)
            continue
        try:
            _json_row(row, data, out, warned)
        except _BadRow as exc:
            out._add(BAD_ROW, f"row {row}: {exc}", row, exc.hint)
    if out.rows_read == 0:
        out._add(BAD_FILE, "no rows: the file is empty", first_line)


# ---- loading ------------------------------------------------------------------------------

_JSONL_SUFFIXES = (".jsonl", ".ndjson", ".json")


def mark_duplicates(out: Recipients) -> None:
    """A warning for every row whose ``to`` an earlier row already has (the rows of ``out``
    in file order)."""
    first: dict[str, int] = {}
    for recipient in out.rows:
        seen = first.setdefault(recipient.to, recipient.row)
        if seen != recipient.row:
            out._add(
                DUPLICATE,
                f"row {recipient.row}: {recipient.to} is also row {seen}; it is called twice",
                recipient.row,
            )


def recipients_format(file: str, text: str) -> str:
    """``csv`` or ``jsonl``: by the extension of ``file``, else by the first character of
    ``text`` (the file's text, or enough of its beginning to hold a non-blank character)."""
    if file.lower().endswith(_JSONL_SUFFIXES):
        return "jsonl"
    if file.lower().endswith(".csv"):
        return "csv"
    return "jsonl" if text.removeprefix("\ufeff").lstrip().startswith("{") else "csv"


def reader_lines(text: str, fmt: str) -> list[str]:
    """The lines as the reader counts them: ``csv`` over ``io.StringIO(newline="")``,
    JSON lines by ``str.splitlines``."""
    if fmt == "jsonl":
        return text.splitlines(keepends=True)
    return io.StringIO(text, newline="").readlines()


def not_utf8(
    data: bytes, exc: UnicodeDecodeError, fmt: str, first_line: int = 1, first_byte: int = 0
) -> tuple[str, int]:
    """The message and line of the first bytes of ``data`` that are not UTF-8 (``exc``), for a
    whole file or a part of one starting at ``first_line`` and byte ``first_byte``: a whole
    read and a read by byte ranges say the same thing."""
    before = data[: exc.start].decode("utf-8")  # valid: the error is the first bad byte
    line = first_line + len(reader_lines(before + "x", fmt)) - 1
    at = first_byte + exc.start
    return f"cannot read the recipients: not UTF-8 at byte {at} ({exc.reason})", line


def parse_recipients(
    text: str, file: str, fmt: str | None = None, *, numbers: bool = True, first_line: int = 1
) -> Recipients:
    """Read recipients from text; ``fmt`` is ``csv`` or ``jsonl`` (None: guess from ``file``
    and the first character). ``numbers=False`` reads variables only. ``first_line`` is the
    line of the file where ``text`` starts (a byte range of a larger file, read on its own)."""
    out = Recipients(file, numbers=numbers)
    text = text.removeprefix("\ufeff")
    if fmt is None:
        fmt = recipients_format(file, text)
    if fmt == "jsonl":
        _read_jsonl(text, out, first_line)
    else:
        _read_csv(text, out, first_line)
    if numbers:
        mark_duplicates(out)
    out.findings.sort(key=lambda f: (f.line, f.code))
    return out


def load_recipients(
    path: str | os.PathLike[str], fmt: str | None = None, *, numbers: bool = True
) -> Recipients:
    """Read a recipients file; one that cannot be read comes back ``unreadable``."""
    file = os.fspath(path)
    try:
        data = read_regular(file, MAX_BYTES)
        if len(data) > MAX_BYTES:
            raise OSError(f"larger than {MAX_BYTES // (1024 * 1024)} MiB")
    except OSError as exc:
        out = Recipients(file, unreadable=True)
        out._add(UNREADABLE, f"cannot read the recipients: {exc.strerror or exc}", 1)
        return out
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        valid = data[: exc.start].decode("utf-8")
        message, line = not_utf8(data, exc, fmt or recipients_format(file, valid))
        out = Recipients(file, unreadable=True)
        out._add(UNREADABLE, message, line)
        return out
    return parse_recipients(text, file, fmt, numbers=numbers)
