"""What every side-file harness shares: the CLI run in-process, the check of its outcome, and
strategies for hostile text.

The property, for every input format the CLI reads besides the flow XML: whatever the input,
the command ends with exit 0, 1 or 2; when it is not 0 it says why; and it never ends in an
exception (the "internal error ... please report it" line users would see).

Quick in the normal suite (``CALLFLOW_FUZZ_EXAMPLES``, default 20 examples per harness, and
the explicit ``@example`` reproducers always); for a longer run::

    CALLFLOW_FUZZ_EXAMPLES=2000 .venv/bin/python -m pytest -q tests/fuzz -k inputs
"""

from __future__ import annotations

import os
import traceback
from collections.abc import Sequence
from pathlib import Path

from click.testing import CliRunner, Result
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st

from callflow.cli import cli

ROOT = Path(__file__).resolve().parents[2]
EXAMPLES = ROOT / "examples"

EXAMPLES_PER_RUN = int(os.environ.get("CALLFLOW_FUZZ_EXAMPLES", "20"))
FUZZ = settings(
    max_examples=EXAMPLES_PER_RUN,
    deadline=None,
    suppress_health_check=[
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
        HealthCheck.function_scoped_fixture,
        HealthCheck.filter_too_much,
    ],
)
"""Every harness: a few examples in the suite, as many as asked for in a long run."""


def run(args: Sequence[str]) -> Result:
    """``callflow ARGS`` in this process (stdout and stderr both in ``output``)."""
    return CliRunner().invoke(cli, list(args), catch_exceptions=True)


def assert_clean(result: Result) -> None:
    """Exit 0, 1 or 2, a message when not 0, and no exception or internal error."""
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        trace = "".join(traceback.format_exception(result.exception))
        raise AssertionError(f"the command raised:\n{trace}\noutput:\n{result.output[-2000:]}")
    assert result.exit_code in (0, 1, 2), (result.exit_code, result.output[-2000:])
    assert "internal error" not in result.output, result.output[-2000:]
    assert "Traceback" not in result.output, result.output[-2000:]
    if result.exit_code != 0:
        assert result.output.strip(), "a failing command must say why"


NINES = "9" * 5000
HOSTILE = [
    "1e999", "-1e999", "-5", "-0", "0", "5", "60", "NaN", "Infinity",
    "9999-12-31T23:59:59+00:00", "0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59",
    "0001-01-01", "2026-02-30T10:00", "2026-05-01T10:00:00", "24:00", "", " ", "\t",
    "+12125550100", "+1", "America/Denver", "Etc/GMT+14", "../../../etc/passwd", "America",
    "[", "]", "{", "}", ":", ",", "'", '"', "\\", "%", "100%", "1e-999", "0x10", "1_000",
    "{first_name}", "{{", "answer:5:60", "answer:-1", "answer:" + NINES, "busy", "no-answer",
    "é", "\u202e", "\U0001f600", "\ufeff", "true", "null", "~", "&a", "*a",
    "!!python/object/apply:os.system ['true']", "---", "...", "#", "\r", "\x0b", "\x85",
]  # fmt: skip
"""Values that broke or could break a reader: huge numbers, dates at the edge of what Python
holds, durations that look like seconds, negatives, YAML and JSON syntax, odd characters."""

long_text = st.builds(
    lambda char, size, sign: sign + char * size,
    st.sampled_from(["9", "1", "a", "é"]),
    st.sampled_from([19, 4301, 5000, 100_000]),
    st.sampled_from(["", "-"]),
)
"""Thousands of digits (Python's int() refuses more than 4,300) or letters."""

hostile_text = st.sampled_from(HOSTILE) | long_text | st.text(max_size=40)
"""One hostile value, or any short text."""

small_text = st.sampled_from(HOSTILE) | st.text(
    st.characters(blacklist_categories=["Cs"]), max_size=12
)


def nested(opening: str, closing: str) -> st.SearchStrategy[str]:
    """Brackets nested 1 to 100,000 deep, around nothing or a hostile value."""
    depths = st.sampled_from([1, 2, 99, 100, 101, 1000, 10_000, 100_000])
    return st.builds(lambda d, inner: opening * d + inner + closing * d, depths, small_text)


@st.composite
def mutated(draw: st.DrawFn, seed: str, fragments: st.SearchStrategy[str]) -> str:
    """``seed`` with a few random edits: fragments put in, pieces cut out, lines doubled."""
    text = seed
    for _ in range(draw(st.integers(0, 4))):
        kind = draw(st.sampled_from(["insert", "replace", "delete", "double"]))
        at = draw(st.integers(0, len(text)))
        if kind == "insert":
            text = text[:at] + draw(fragments) + text[at:]
        elif kind == "replace":
            end = draw(st.integers(at, min(len(text), at + 20)))
            text = text[:at] + draw(fragments) + text[end:]
        elif kind == "delete":
            end = draw(st.integers(at, min(len(text), at + 40)))
            text = text[:at] + text[end:]
        else:
            lines = text.splitlines(keepends=True)
            if lines:
                index = draw(st.integers(0, len(lines) - 1))
                lines.insert(index, lines[index])
                text = "".join(lines)
    return text


def write(path: Path, text: str) -> Path:
    """``text`` to ``path`` as UTF-8 (lone surrogates, which no file holds, as ``?``)."""
    path.write_bytes(text.encode("utf-8", "replace"))
    return path
