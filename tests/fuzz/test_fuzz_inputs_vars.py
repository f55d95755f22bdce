"""Harness: ``render --vars`` (a JSON object, inline or ``@FILE``).

Any text ends in a rendered document, lint findings, or a usage error naming ``--vars``; never
in an exception. See ``fuzzinputs`` for the property and the long-run command.
"""

from __future__ import annotations

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

TEMPLATE = str(EXAMPLES / "campaign" / "reminder.xml")
NAMES = st.sampled_from(["first_name", "date", "time", "appointment_id", "to", "x", "", "é"])
SEED = json.dumps({"first_name": "Ann", "date": "May 4", "time": "9:30", "appointment_id": "A-1"})


class _Raw(str):
    """A number written as it stands (json.dumps cannot write 5,000 nines or 1e999)."""


json_leaf = st.one_of(
    st.none(), st.booleans(), st.integers(), st.floats(), hostile_text,
    st.sampled_from([NINES, "1e999", "-1e999", "NaN", "Infinity", "\"\\ud800\""]).map(_Raw),
)  # fmt: skip


def _dump(value: object) -> str:
    if isinstance(value, _Raw):
        return str(value)
    if isinstance(value, dict):
        return "{" + ", ".join(f"{json.dumps(k)}: {_dump(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_dump(v) for v in value) + "]"
    return json.dumps(value)


json_values = st.recursive(
    json_leaf,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(NAMES, inner, max_size=4),
    max_leaves=12,
)
documents = st.one_of(
    st.dictionaries(NAMES, json_values, max_size=5).map(_dump),
    mutated(SEED, hostile_text | nested("[", "]") | nested('{"a":', "}")),
    nested("[", "]"),
    hostile_text,
)


@given(documents, st.booleans())
@example("[" * 100_000 + "]" * 100_000, True)
@example('{"first_name": ' + NINES + "}", False)
@example('{"first_name": 1e999}', False)
@example('{"first_name": "a", "first_name": "b"}', False)
@FUZZ
def test_render_vars(tmp_path: Path, text: str, as_file: bool) -> None:
    # as @FILE, or inline (an argument cannot hold NUL)
    value = "@" + str(write(tmp_path / "vars.json", text)) if as_file else text.replace("\x00", "")
    assert_clean(run(["render", TEMPLATE, "--vars", value]))
