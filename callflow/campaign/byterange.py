"""A recipients file read by byte ranges, each on its own, with the rows of a whole read.

For a cluster: each worker reads its own part of a file all of them can see (a local path, or
any fsspec URL such as ``s3://bucket/recipients.csv``), and the client never holds the file.

1. **Blocks.** The file is cut into blocks of about ``block`` bytes, each moved to the start of
   a line (just after a ``\\n``, as ``dask.bytes`` does). ``scan_block`` reads one and returns
   its line count and, for CSV, where records start in it under both states a CSV reader can
   be in just after a ``\\n``: at the start of a record, or inside a quoted field (a quoted
   newline). Python's own ``csv`` reader does the scanning, so records end where a whole read
   ends them, bad records included.
2. **Plan.** ``plan`` chains the blocks from the first (which starts a record): each block's
   end state picks the next block's case, which gives every chunk's first byte and first line
   (its true line number in the file). A CSV's header (``read_header``) is read once and
   handed to every chunk.
3. **Chunks.** ``read_chunk`` reads exactly the records of one chunk and parses them with
   ``parse_recipients`` (same rules, same messages) at their true line numbers.
4. **Merge.** ``merge`` joins the chunks in row order into what ``load_recipients`` returns for
   the whole file: the same rows, findings (duplicates across chunks included) and columns.

Limit: a quoted field longer than the ``csv`` module's field limit (128 KiB) that crosses a
block boundary may be reported on a different line than a whole read reports it.
"""

from __future__ import annotations

import csv
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import IO

from callflow.campaign.recipients import (
    BAD_FILE,
    COLUMN_NAME,
    DUPLICATE,
    UNREADABLE,
    Recipients,
    mark_duplicates,
    not_utf8,
    parse_recipients,
    reader_lines,
    recipients_format,
)
from callflow.diagnostics import Finding

BLOCK = 4 * 1024 * 1024
"""Default bytes per block (a chunk of work: some 60,000 rows of a typical CSV)."""
HEAD = 64 * 1024
"""Bytes first read to find the format and a CSV's header (doubled until enough)."""


def is_url(path: str) -> bool:
    return "://" in path


def open_binary(path: str) -> IO[bytes]:
    """A local file, or an fsspec URL (fsspec is imported only for a URL)."""
    if is_url(path):
        import fsspec

        opened: IO[bytes] = fsspec.open(path, "rb").open()
        return opened
    return open(path, "rb")


def file_size(path: str) -> int:
    if is_url(path):
        import fsspec

        fs, inner = fsspec.core.url_to_fs(path)
        return int(fs.size(inner))
    return os.stat(path).st_size


def read_range(path: str, start: int, end: int) -> bytes:
    with open_binary(path) as f:
        f.seek(start)
        return f.read(end - start)


def _line_start(f: IO[bytes], pos: int, size: int) -> int:
    """The first byte at or after ``pos`` that starts a line (just after a ``\\n``)."""
    if pos <= 0:
        return 0
    f.seek(pos - 1)
    at = pos - 1
    while at < size:
        piece = f.read(64 * 1024)
        if not piece:
            break
        found = piece.find(b"\n")
        if found >= 0:
            return at + found + 1
        at += len(piece)
    return size


def _record_starts(lines: list[str]) -> tuple[list[int], bool]:
    """(index of the first line of every record, whether the text ends inside a quoted
    field), by Python's csv reader from the start of a record."""
    closed = bool(lines) and lines[-1].endswith(("\n", "\r"))
    reader = csv.reader(iter([*lines, "x"] if closed else lines))
    starts: list[int] = []
    done = 0
    while True:
        try:
            next(reader)
        except StopIteration:
            break
        except csv.Error:
            pass
        starts.append(done)
        done = reader.line_num
    return starts, closed and bool(starts) and starts[-1] < len(lines)


@dataclass(frozen=True)
class BlockScan:
    """One block moved to line starts: ``[start, end)`` bytes, its line count, and for each
    state at its start (0: a record starts; 1: inside a quoted field) the byte offset in the
    block of the first record that starts in it (None: none) and whether it ends inside a
    quoted field."""

    start: int
    end: int
    lines: int
    first_line: tuple[int | None, int | None]
    first_byte: tuple[int | None, int | None]
    ends_quoted: tuple[bool, bool]


def scan_block(path: str, fmt: str, offset: int, length: int) -> BlockScan:
    """Scan the block of nominal bytes ``[offset, offset + length)`` of ``path``."""
    size = file_size(path)
    with open_binary(path) as f:
        start = _line_start(f, offset, size)
        end = _line_start(f, offset + length, size)
        f.seek(start)
        data = f.read(end - start)
    text = data.decode("utf-8", errors="replace")
    lines = reader_lines(text, fmt)
    if not lines:  # a nominal block inside one long line: the state goes through unchanged
        return BlockScan(start, end, 0, (None, None), (None, None), (False, True))
    if fmt == "jsonl":
        return BlockScan(start, end, len(lines), (0, None), (0, None), (False, False))
    quoted = _record_starts(lines)[1]
    prefixed, quoted_1 = _record_starts(['"' + lines[0], *lines[1:]])
    after = prefixed[1] if len(prefixed) > 1 and prefixed[1] < len(lines) else None
    offset_1 = None if after is None else len("".join(lines[:after]).encode("utf-8"))
    return BlockScan(start, end, len(lines), (0, after), (0, offset_1), (quoted, quoted_1))


def blocks(size: int, block: int) -> list[tuple[int, int]]:
    """Nominal (offset, length) of every block; an empty file is one empty block."""
    if size == 0:
        return [(0, 0)]
    return [(at, min(block, size - at)) for at in range(0, size, block)]


@dataclass(frozen=True)
class Header:
    """A CSV's text up to the end of its header record (blank and bad records before it
    included), as characters and as lines; empty for JSON lines."""

    text: str = ""
    size: int = 0
    """Its length in bytes."""
    lines: int = 0


def _header_end(text: str, complete: bool) -> int | None:
    """Lines of ``text`` up to the end of the first record with a non-blank cell (the one
    ``parse_recipients`` takes for the header); None when ``text`` is a beginning too short to
    tell."""
    lines = reader_lines(text, "csv")
    reader = csv.reader(iter(lines))
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return len(lines) if complete else None
        except csv.Error:
            continue
        if cells and any(c.strip() for c in cells):
            if reader.line_num >= len(lines) and not complete:
                return None
            return reader.line_num


def read_header(path: str, size: int) -> tuple[str, Header]:
    """The format (``csv`` or ``jsonl``, as ``parse_recipients`` guesses it) and a CSV's
    header, from as little of the file's beginning as tells them."""
    want = HEAD
    while True:
        data = read_range(path, 0, min(want, size))
        complete = len(data) >= size
        text = data.decode("utf-8", errors="ignore")
        if complete or text.removeprefix("\ufeff").strip():
            fmt = recipients_format(path, text)
            if fmt == "jsonl":
                return fmt, Header()
            count = _header_end(text, complete)
            if count is not None:
                head = "".join(reader_lines(text, "csv")[:count])
                return fmt, Header(head, len(head.encode("utf-8")), count)
        want *= 2


@dataclass(frozen=True)
class Chunk:
    """Whole records: bytes ``[start, end)`` of the file, from line ``line``."""

    index: int
    start: int
    end: int
    line: int


def plan(scans: Sequence[BlockScan], size: int, header: Header) -> list[Chunk]:
    """Chunks of whole records from the scans of every block, in file order."""
    starts: list[tuple[int, int]] = [(0, 1)]
    state = 0
    lines = 0
    for scan in scans:
        first, at = scan.first_line[state], scan.first_byte[state]
        if first is not None and at is not None and scan.start + at >= max(header.size, 1):
            starts.append((scan.start + at, lines + first + 1))
        state = int(scan.ends_quoted[state])
        lines += scan.lines
    ends = [at for at, _ in starts[1:]] + [size]
    return [
        Chunk(i, start, end, line)
        for i, ((start, line), end) in enumerate(zip(starts, ends, strict=True))
    ]


def read_chunk(path: str, file: str, fmt: str, chunk: Chunk, header: Header) -> Recipients:
    """The rows of one chunk at their true line numbers (``file`` names the file in
    findings). Only findings on the chunk's own lines are kept, and no duplicates: those are
    the merge's to find, across chunks."""
    data = read_range(path, chunk.start, chunk.end)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        message, line = not_utf8(data, exc, fmt, chunk.line, chunk.start)
        out = Recipients(file, unreadable=True)
        out.findings.append(Finding(UNREADABLE.code, UNREADABLE.severity, message, file, line, 1))
        return out
    if chunk.index == 0:
        part = parse_recipients(text, file, fmt)
    elif fmt == "jsonl":  # a line break first: a U+FEFF that starts the chunk stays a character
        part = parse_recipients("\n" + text, file, fmt, first_line=chunk.line - 1)
    else:
        part = parse_recipients(header.text + text, file, fmt, first_line=chunk.line - header.lines)
    part.findings = [f for f in part.findings if f.line >= chunk.line and f.code != DUPLICATE.code]
    return part


def merge(file: str, parts: Iterable[Recipients]) -> Recipients:
    """The chunks, in row order, as one file: rows, findings (a JSON key that cannot be a
    name warned about once; duplicates across chunks), columns and counts."""
    out = Recipients(file)
    warned: set[str] = set()
    for part in parts:
        out.rows.extend(part.rows)
        out.rows_read += part.rows_read
        out.unreadable = out.unreadable or part.unreadable
        for column, line in part.columns.items():
            out.columns.setdefault(column, line)
        for finding in part.findings:
            if finding.code == COLUMN_NAME.code:
                if finding.message in warned:
                    continue
                warned.add(finding.message)
            out.findings.append(finding)
    if out.unreadable:  # as a whole read: the first reason, and nothing else
        out.findings = [f for f in out.findings if f.code == UNREADABLE.code][:1]
        out.rows, out.columns, out.rows_read = [], {}, 0
        return out
    if out.rows_read:  # "no rows" of a chunk of blank lines is not about the file
        out.findings = [f for f in out.findings if f.code != BAD_FILE.code]
    mark_duplicates(out)
    out.findings.sort(key=lambda f: (f.line, f.code))
    return out
