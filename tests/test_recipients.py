"""Recipients files: good rows become recipients, bad rows are reported with their row number
(the line where the row starts) and skipped while the others go on."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from callflow.campaign.recipients import (
    BAD_FILE,
    BAD_ROW,
    COLUMN_NAME,
    DUPLICATE,
    UNREADABLE,
    check_number,
    load_recipients,
    parse_recipients,
)


def test_csv_rows_carry_numbers_retries_and_variables() -> None:
    text = (
        "to,from,fallback2,fallback1,max_retries,first_name,note\n"
        "+12125550100,+16125550140,+12125550102,+12125550101,2,Ann,\n"
    )
    out = parse_recipients(text, "r.csv")
    assert out.findings == []
    [row] = out.rows
    assert (row.row, row.to, row.from_, row.max_retries) == (2, "+12125550100", "+16125550140", 2)
    assert row.destinations == ("+12125550100", "+12125550101", "+12125550102")
    assert row.values == {"first_name": "Ann"}  # an empty cell is no value
    assert out.columns == {"first_name": 1, "note": 1}


def test_bad_rows_are_reported_row_by_row_and_good_rows_go_on() -> None:
    text = (
        "to,first_name,max_retries,fallback1\n"
        "+12125550100,Ann,1,\n"
        "+1 212-555-0101,Bob,1,\n"  # row 3: not E.164
        ",Cy,1,\n"  # row 4: no number
        "+12125550103,Di,many,\n"  # row 5: bad retries
        "+12125550104,Ed,1,+1555\n"  # row 6: bad fallback
        '+12125550105,"Multi\nline",0,\n'  # row 7 (two lines): good
        "+12125550106,Fay,1,,extra\n"  # row 9: too many cells
        "+15555555555,Gus,1,\n"  # row 10: no such number
        "+12125550107,Hal,11,\n"  # row 11: retries over the limit
        "+12125550108,Ivy,0,\n"
    )
    out = parse_recipients(text, "r.csv")
    bad = {f.line: f for f in out.findings if f.code == BAD_ROW.code}
    assert sorted(bad) == [3, 4, 5, 6, 9, 10, 11]
    assert all(f.message.startswith(f"row {line}:") for line, f in bad.items())
    assert bad[3].hint is not None and "+12125550101" in bad[3].hint
    assert [r.row for r in out.rows] == [2, 7, 12]
    assert out.rows[1].values["first_name"] == "Multi\nline"
    assert out.rows_read == 10 and out.bad_rows == 7


def test_a_header_without_to_stops_and_odd_column_names_are_warned_about() -> None:
    out = parse_recipients("phone,name\n+12125550100,Ann\n", "r.csv")
    assert [f.code for f in out.findings] == [BAD_FILE.code] and out.rows == []
    odd = parse_recipients("to,first name\n+12125550100,Ann\n", "r.csv")
    assert [f.code for f in odd.findings] == [COLUMN_NAME.code]
    assert odd.rows[0].values == {}


def test_a_number_listed_twice_is_a_warning() -> None:
    out = parse_recipients("to\n+12125550100\n+12125550100\n", "r.csv")
    assert [(f.code, f.line) for f in out.findings] == [(DUPLICATE.code, 3)]
    assert len(out.rows) == 2


def test_json_lines() -> None:
    lines = [
        {"to": "+12125550100", "fallbacks": ["+12125550101"], "n": 2.5, "ok": True, "x": None},
        {"to": "+12125550102", "fallback1": "+12125550103", "max_retries": 1},
        {"to": "+12125550104", "fallbacks": ["+12125550105"] * 6},
        {"to": "+12125550106", "fallbacks": ["+12125550107"], "fallback1": "+12125550108"},
        {"to": "+12125550109", "v": {"nested": 1}},
        ["not", "an", "object"],
    ]
    text = "\n".join(json.dumps(x) for x in lines) + "\n\n{broken\n"
    out = parse_recipients(text, "r.jsonl")
    assert [r.row for r in out.rows] == [1, 2]
    first, second = out.rows
    assert first.fallbacks == ("+12125550101",)
    assert first.values == {"n": "2.5", "ok": "true"}
    assert (second.fallbacks, second.max_retries) == (("+12125550103",), 1)
    assert sorted(f.line for f in out.findings if f.code == BAD_ROW.code) == [3, 4, 5, 6, 8]


def test_variables_only_for_render() -> None:
    out = parse_recipients("first_name,to\nAnn,\n", "v.csv", numbers=False)
    assert out.findings == [] and out.rows[0].values == {"first_name": "Ann"}


def test_an_unreadable_file(tmp_path: Path) -> None:
    out = load_recipients(tmp_path / "missing.csv")
    assert out.unreadable and [f.code for f in out.findings] == [UNREADABLE.code]
    latin = tmp_path / "latin.csv"
    latin.write_bytes("to,name\n+12125550100,Jos\xe9\n".encode("latin-1"))
    assert load_recipients(latin).unreadable


def test_check_number() -> None:
    assert check_number("+442071838750") == ("+442071838750", None)
    assert check_number("+1 212 555 0100")[0] is None
    assert check_number("12125550100")[0] is None


VALUES = st.text(st.characters(blacklist_categories=("Cs",)), min_size=1, max_size=20).filter(
    lambda v: v.strip() != "" and "\x00" not in v
)


@given(st.lists(VALUES, min_size=1, max_size=5))
def test_csv_values_read_back_as_written(values: list[str]) -> None:
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer)
    writer.writerow(["to", *(f"v{i}" for i in range(len(values)))])
    writer.writerow(["+12125550100", *values])
    out = parse_recipients(buffer.getvalue(), "r.csv")
    assert out.findings == []
    assert out.rows[0].values == {f"v{i}": v for i, v in enumerate(values)}
