"""Harnesses: the recipients file of ``campaign`` and ``render --csv``, CSV and JSON lines.

Any file ends in documents, requests or findings naming the row; never in an exception. See
``fuzzinputs`` for the property and the long-run command.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

from fuzzinputs import (
    EXAMPLES,
    FUZZ,
    NINES,
    assert_clean,
    hostile_text,
    mutated,
    nested,
    run,
    write,
)
from hypothesis import example, given
from hypothesis import strategies as st

CAMPAIGN = EXAMPLES / "campaign"
TEMPLATE = str(CAMPAIGN / "reminder.xml")
SEED_CSV = (CAMPAIGN / "recipients.csv").read_text(encoding="utf-8")
COLUMNS = ["to", "from", "fallback1", "fallback2", "max_retries", "first_name", "date", "time",
           "appointment_id", "fallbacks", "", "x y"]  # fmt: skip
NUMBERS = st.sampled_from(["+16125550101", "+16125550102", "+1", "612-555-0104", "+4420"])
cells = NUMBERS | hostile_text


def _csv(rows: list[list[str]]) -> str:
    out = io.StringIO()
    csv.writer(out).writerows(rows)
    return out.getvalue()


csv_files = st.one_of(
    st.builds(
        lambda header, rows: _csv([header, *rows]),
        st.lists(st.sampled_from(COLUMNS), min_size=1, max_size=6),
        st.lists(st.lists(cells, max_size=7), max_size=5),
    ),
    mutated(SEED_CSV, hostile_text | nested('"', '"')),
)

jsonl_row = st.dictionaries(st.sampled_from(COLUMNS), cells | st.integers() | st.booleans(),
                            max_size=6).map(json.dumps)  # fmt: skip
SEED_JSONL = "\n".join(
    json.dumps(dict(zip(row[0:1] + row[1:], r, strict=False)))
    for row in [SEED_CSV.splitlines()[0].split(",")]
    for r in csv.reader(SEED_CSV.splitlines()[1:])
)
jsonl_files = st.one_of(
    st.lists(jsonl_row, max_size=5).map("\n".join),
    mutated(SEED_JSONL, hostile_text | nested("[", "]") | nested('{"a":', "}")),
    st.lists(nested("[", "]") | nested('{"a":', "}"), min_size=1, max_size=2).map("\n".join),
)


def _both(tmp_path: Path, name: str, text: str) -> None:
    path = str(write(tmp_path / name, text))
    assert_clean(run(["render", TEMPLATE, "--csv", path, "-o", str(tmp_path / "out")]))
    assert_clean(run(["campaign", TEMPLATE, "--recipients", path, "--dry-run",
                      "--profile-id", "60f98be5-1c4e-4d2c-b144-55fb9b4c79fd",
                      "--lease-id", "2ed01387-cf80-4c09-b62a-00e170796b84",
                      "-o", str(tmp_path / "requests.jsonl")]))  # fmt: skip


@given(csv_files)
@example("to,first_name\n+16125550101," + NINES + "\n")
@example("to,max_retries\n+16125550101," + NINES + "\n")
@FUZZ
def test_recipients_csv(tmp_path: Path, text: str) -> None:
    _both(tmp_path, "recipients.csv", text)


@given(jsonl_files)
@example('{"to": "+16125550101", "first_name": ' + "9" * 100_000 + "}")
@example('{"to": "+16125550101", "max_retries": ' + NINES + "}")
@example('{"to": "+16125550101", "first_name": 1e999}')
@example('{"to": "+16125550101", "x": ' + "[" * 100_000 + "]" * 100_000 + "}")
@example('{"to": "+16125550101", "to": "+16125550102"}')
@FUZZ
def test_recipients_jsonl(tmp_path: Path, text: str) -> None:
    _both(tmp_path, "recipients.jsonl", text)
