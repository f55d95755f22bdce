"""A recipients file read by byte ranges (``callflow.campaign.byterange``, what each worker
of a cluster reads) gives what a whole read gives: the same rows, the same bad-row numbers
and messages, the same warnings, whatever the block size."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from callflow.campaign.byterange import (
    blocks,
    file_size,
    merge,
    plan,
    read_chunk,
    read_header,
    scan_block,
)
from callflow.campaign.recipients import Recipients, load_recipients

GOOD = ["+12125550100", "+12125550101", "+13125550102", "+16125550140"]
BAD = ["+1555", "12125550100", "", "+1 212 555 0100"]


def chunked(path: str, block: int) -> tuple[Recipients, int]:
    """The file read as a cluster reads it: scan, plan, each chunk on its own, merge."""
    size = file_size(path)
    fmt, header = read_header(path, size)
    scans = [scan_block(path, fmt, offset, length) for offset, length in blocks(size, block)]
    chunks = plan(scans, size, header)
    parts = [read_chunk(path, path, fmt, chunk, header) for chunk in chunks]
    return merge(path, parts), len(chunks)


def same(whole: Recipients, got: Recipients) -> None:
    assert got.findings == whole.findings
    assert got.rows == whole.rows
    assert got.columns == whole.columns
    assert (got.rows_read, got.bad_rows, got.unreadable) == (
        whole.rows_read,
        whole.bad_rows,
        whole.unreadable,
    )


cell_text = st.text(alphabet='ab,"\n\r x', max_size=6)
number = st.sampled_from(GOOD + BAD)


@st.composite
def csv_files(draw: st.DrawFn) -> bytes:
    """A header, then rows: quoted cells with commas, quotes and newlines (LF, CRLF, CR),
    rows with too many or too few cells, blank lines, broken quoting, duplicates."""
    newline = draw(st.sampled_from(["\n", "\r\n"]))
    columns = draw(st.sampled_from([["to", "name"], ["to", "from", "note", "bad name"]]))
    lines = [",".join(columns)]
    for _ in range(draw(st.integers(0, 25))):
        kind = draw(st.integers(0, 9))
        if kind == 0:
            lines.append("")
        elif kind == 1:
            lines.append(draw(st.text(alphabet='ab,"\n+1', max_size=12)))
        else:
            cells = [draw(number)]
            count = len(columns) + (draw(st.integers(-1, 1)) if kind == 2 else 0)
            for _ in range(max(0, count - 1)):
                text = draw(cell_text)
                cells.append('"' + text.replace('"', '""') + '"' if draw(st.booleans()) else text)
            lines.append(",".join(cells))
    text = newline.join(lines) + draw(st.sampled_from(["", newline]))
    bom = "\ufeff" if draw(st.booleans()) else ""
    return (bom + text).encode("utf-8")


@st.composite
def jsonl_files(draw: st.DrawFn) -> bytes:
    """Objects, broken JSON, blank lines, keys that cannot be names, line separators inside
    strings (``splitlines`` cuts there), a byte order mark, duplicates."""
    lines = []
    for _ in range(draw(st.integers(0, 25))):
        kind = draw(st.integers(0, 6))
        if kind == 0:
            lines.append(draw(st.sampled_from(["", "   ", "{", "[1]", "null", "\ufeff{}"])))
        elif kind == 1:
            lines.append(f'{{"to": "{draw(number)}", "note": "a\u2028b", "x y": 1}}')
        else:
            key = draw(st.sampled_from(["name", "a-b", "fallbacks", "max_retries"]))
            value = draw(st.sampled_from(['"v"', "2", "[]", '["+12125550101"]', "null", "true"]))
            lines.append(f'{{"to": "{draw(number)}", "{key}": {value}}}')
    end = draw(st.sampled_from(["\n", "\r\n"]))
    bom = "\ufeff" if draw(st.booleans()) else ""
    return (bom + end.join(lines) + draw(st.sampled_from(["", end]))).encode("utf-8")


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    data=st.one_of(
        csv_files().map(lambda d: ("r.csv", d)), jsonl_files().map(lambda d: ("r.jsonl", d))
    ),
    block=st.integers(1, 64),
)
def test_byte_ranges_give_the_rows_and_bad_row_numbers_of_a_whole_read(
    tmp_path: Path, data: tuple[str, bytes], block: int
) -> None:
    name, content = data
    path = tmp_path / name
    path.write_bytes(content)
    whole = load_recipients(path)
    got, _ = chunked(str(path), block)
    same(whole, got)


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    data=st.one_of(
        csv_files().map(lambda d: ("r.csv", d)), jsonl_files().map(lambda d: ("r.jsonl", d))
    ),
    block=st.integers(1, 64),
    where=st.floats(0, 1),
    bad=st.sampled_from([b"\xff", b"\xe2\x82", b"\xc3", b"\xed\xa0\x80"]),
)
def test_bytes_that_are_not_utf8_read_alike_whole_and_by_ranges(
    tmp_path: Path, data: tuple[str, bytes], block: int, where: float, bad: bytes
) -> None:
    """A whole read and a read by byte ranges report bytes that are not UTF-8 alike: the
    same finding, naming the first bad byte and its line."""
    name, content = data
    at = int(len(content) * where)
    content = content[:at] + bad + content[at:]
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(UnicodeDecodeError) as error:
        content.decode("utf-8")
    whole = load_recipients(path)
    same(whole, chunked(str(path), block)[0])
    assert whole.unreadable and [f.code for f in whole.findings] == ["CP014"]
    start, reason = error.value.start, error.value.reason
    assert whole.findings[0].message.endswith(f"not UTF-8 at byte {start} ({reason})")


def test_a_quoted_newline_across_blocks_keeps_its_row(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_text(
        'to,note\n+12125550100,"one\ntwo\nthree"\n+1555,x\n+12125550101,"a,""b""\n"\n', "utf-8"
    )
    whole = load_recipients(path)
    got, count = chunked(str(path), 4)
    assert count > 2  # several chunks, cut inside the quoted note
    same(whole, got)
    assert [r.row for r in got.rows] == [2, 6]
    assert [f.line for f in got.findings] == [5]


def test_duplicates_across_chunks_are_found(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_text("to\n+12125550100\n+12125550101\n+12125550100\n", "utf-8")
    got, count = chunked(str(path), 14)
    assert count == 3
    assert [(f.code, f.line) for f in got.findings] == [("CP011", 4)]


def test_bytes_that_are_not_utf8_make_the_file_unreadable_at_their_line(tmp_path: Path) -> None:
    path = tmp_path / "r.csv"
    path.write_bytes(b"to\n+12125550100\n+12125550101\n+1212\xff5550102\n")
    got, _ = chunked(str(path), 8)
    assert got.unreadable and not got.rows
    assert [(f.code, f.line) for f in got.findings] == [("CP014", 4)]
    assert "byte 34" in got.findings[0].message


@pytest.mark.skipif(importlib.util.find_spec("fsspec") is None, reason="fsspec is not installed")
def test_an_fsspec_url_reads_as_a_local_file(tmp_path: Path) -> None:
    import fsspec  # type: ignore[import-untyped]

    content = b'to,name\n+12125550100,"A\nB"\n+1555,C\n+12125550101,D\n'
    with fsspec.open("memory://campaign/r.csv", "wb") as f:
        f.write(content)
    (tmp_path / "r.csv").write_bytes(content)
    whole = load_recipients(tmp_path / "r.csv")
    got, count = chunked("memory://campaign/r.csv", 10)
    assert count > 1
    assert got.rows == whole.rows
    assert [(f.code, f.line, f.message) for f in got.findings] == [
        (f.code, f.line, f.message) for f in whole.findings
    ]
