"""Harness: lint settings, ``[tool.callflow]`` in pyproject.toml or a callflow.toml.

Any settings file ends in a lint run or a one-line error naming the file and position (exit 2);
never in an exception. See ``fuzzinputs`` for the property and the long-run command.
"""

from __future__ import annotations

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

FLOW = EXAMPLES / "main-menu.xml"
SEED = """\
[tool.callflow]
select = ["CF1", "CF160"]
ignore = ["CF150"]
exclude = ["build/*"]

[tool.callflow.severity]
CF160 = "error"
"""
toml_fragments = (
    hostile_text
    | nested("[", "]")
    | nested("{a = ", "}")
    | st.sampled_from(['"CF1"', "'x'", '"""', "'''", "= ", "\n[tool.callflow]\n", "#", NINES])
)
configs = mutated(SEED, toml_fragments)


@given(configs, st.sampled_from(["pyproject.toml", "callflow.toml"]), st.booleans())
@example(SEED.replace('["CF150"]', "[" * 10_000 + "]" * 10_000), "pyproject.toml", True)
@example(SEED + f"x = {NINES}\n", "callflow.toml", False)
@example(SEED.replace('"error"', "1e999"), "callflow.toml", True)
@FUZZ
def test_config(tmp_path: Path, text: str, name: str, explicit: bool) -> None:
    config = write(tmp_path / name, text)
    flow = tmp_path / "flow.xml"
    flow.write_bytes(FLOW.read_bytes())
    args = ["--config", str(config)] if explicit else []
    assert_clean(run(["lint", *args, str(flow)]))
