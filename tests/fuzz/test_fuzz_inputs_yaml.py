"""Harnesses: the YAML files the CLI reads (campaign behaviour models, scenarios, cassettes).

Any file ends in a run, a report or a finding at its line; never in an exception. Scenario
files are generated from the keys scenarios have, each with a hostile value, and by editing
the bundled examples; ``app:`` and ``live:`` backends are left out (they import code and open
sockets, which is not what this checks). See ``fuzzinputs`` for the long-run command.
"""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest
import yaml
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

from simulator.resolvers import cassette as cassette_module

CAMPAIGN = EXAMPLES / "campaign"
TEMPLATE = str(CAMPAIGN / "reminder.xml")
RECIPIENTS = str(CAMPAIGN / "recipients.csv")
SEED_BEHAVIOUR = (CAMPAIGN / "behaviour.yaml").read_text(encoding="utf-8")
SCENARIOS = sorted((EXAMPLES / "scenarios").glob("*.yaml"))
MAIN_MENU = EXAMPLES / "main-menu.xml"

yaml_fragments = (
    hostile_text
    | nested("[", "]")
    | nested("{a: ", "}")
    | st.sampled_from(["\n  - ", "\n- ", ": ", "\n    ", "&x [1]", "*x", "!!binary x", "? "])
)


def _yaml(tree: object) -> str:
    return yaml.safe_dump(tree, allow_unicode=True, sort_keys=False)


scalars = hostile_text | st.integers() | st.floats() | st.booleans() | st.none()


def trees(keys: list[str]) -> st.SearchStrategy[object]:
    """Mappings over the given keys, nested a little, with hostile leaves."""
    return st.recursive(
        scalars,
        lambda inner: (
            st.dictionaries(st.sampled_from(keys), inner, max_size=4) | st.lists(inner, max_size=3)
        ),
        max_leaves=15,
    )


# ---- behaviour models --------------------------------------------------------------------

BEHAVIOUR_KEYS = ["seed", "call", "answer", "busy", "prompts", "hangup", "by", "gathers",
                  "default", "confirm", "keys", "silence", "after_ms", "dial", "talk_ms",
                  "http", "fail", "documents", "billing", "increment_s", "minimum_s",
                  "start", "tz", "1", "line 9"]  # fmt: skip
behaviours = st.one_of(
    mutated(SEED_BEHAVIOUR, yaml_fragments),
    trees(BEHAVIOUR_KEYS).map(_yaml),
    st.builds(
        lambda key, value: SEED_BEHAVIOUR + f"{key}: {value}\n",
        st.sampled_from(["seed", "start", "tz"]),
        yaml_fragments,
    ),
)


@given(behaviours)
@example(SEED_BEHAVIOUR + "dial2: " + "[" * 10_000 + "]" * 10_000 + "\n")
@example(SEED_BEHAVIOUR.replace('"2026-05-01T10:00:00"', '"9999-12-31T23:59:59+00:00"'))
@example(SEED_BEHAVIOUR.replace('"2026-05-01T10:00:00"', '"0001-01-01T00:00:00+14:00"'))
@example(SEED_BEHAVIOUR.replace("seed: 7", "seed: " + NINES))
@example(SEED_BEHAVIOUR.replace("after_ms: 2500", "after_ms: -5"))
@FUZZ
def test_behaviour_yaml(tmp_path: Path, text: str) -> None:
    model = str(write(tmp_path / "behaviour.yaml", text))
    assert_clean(run(["campaign", TEMPLATE, "--recipients", RECIPIENTS, "--behaviour", model,
                      "-j", "1", "-o", str(tmp_path / "report.txt")]))  # fmt: skip


# ---- scenarios ---------------------------------------------------------------------------

SCENARIO_KEYS = ["flow", "description", "call", "caller", "dial", "http", "limits", "expect",
                 "from", "to", "direction", "at", "tz", "state", "county", "extra", "press",
                 "delay", "silence", "hangup", "default", "answer", "after", "talk", "xml",
                 "status", "timeout", "max_steps", "max_time_ms", "max_http_hops", "say",
                 "not_say", "ends", "at_line", "https://x.example/a"]  # fmt: skip


def _scenario_tree(tree: object) -> str:
    head = {"flow": str(MAIN_MENU)}
    if isinstance(tree, dict):
        return _yaml({**head, **{k: v for k, v in tree.items() if k != "flow"}})
    return _yaml(head) + _yaml({"caller": tree})


scenarios = st.one_of(
    st.sampled_from(SCENARIOS).flatmap(
        lambda path: mutated(path.read_text(encoding="utf-8"), yaml_fragments).map(
            lambda text: text.replace("flow: ../", f"flow: {EXAMPLES}/")
        )
    ),
    trees(SCENARIO_KEYS).map(_scenario_tree),
)
EDGE = f"flow: {EXAMPLES}/after-hours.xml\ncall:\n  tz: America/Denver\n  at: "


@given(scenarios)
@example(EDGE + "'9999-12-31T23:59:59+00:00'\n")
@example(EDGE + "'0001-01-01T00:00:00+14:00'\n")
@example(f"flow: {MAIN_MENU}\ncaller:\n  - hangup: {{at: {NINES}}}\n")
@example(f"flow: {MAIN_MENU}\ncaller:\n  - hangup: {{at: -5}}\n")
@example(f"flow: {MAIN_MENU}\nlimits:\n  max_time_ms: {'9' * 18}\n")
@example(f"flow: {MAIN_MENU}\ncaller: " + "[" * 10_000 + "]" * 10_000 + "\n")
@FUZZ
def test_scenario_yaml(tmp_path: Path, text: str) -> None:
    scenario = str(write(tmp_path / "scenario.yaml", text))
    assert_clean(run(["test", scenario]))
    assert_clean(run(["simulate", "--scenario", scenario]))


# ---- cassettes ---------------------------------------------------------------------------

CALLBACK = EXAMPLES / "callback-flow.xml"
SEED_CASSETTE = """\
version: 1
interactions:
- request:
    method: POST
    url: https://pharmacy.example.com/ivr/refill
    command: Callback
    timeout_ms: 5000
  answer:
    status: 200
    elapsed_ms: 120
    text: <Response><Say>Your refill is ready.</Say></Response>
"""
CASSETTE_KEYS = ["version", "interactions", "request", "answer", "method", "url", "command",
                 "timeout_ms", "body", "status", "error", "elapsed_ms", "source",
                 "text"]  # fmt: skip
cassettes = st.one_of(
    mutated(SEED_CASSETTE, yaml_fragments),
    trees(CASSETTE_KEYS).map(lambda tree: _yaml({"version": 1, "interactions": [tree]})),
)


_BYPASSED = "compose_yaml" not in inspect.getsource(cassette_module)
"""The cassette reader (simulator/resolvers/cassette.py, another branch's work) still calls
PyYAML itself: deep nesting and huge integers end in exceptions there until it reads through
``compose_yaml``/``construct_yaml``. The harness is expected to fail exactly while that holds
(strict: once the reader moves over, the marker lifts and the harness must pass)."""


@pytest.mark.xfail(_BYPASSED, reason="cassette.py bypasses the bounded reader", strict=True)
@given(cassettes)
@example(SEED_CASSETTE.replace("elapsed_ms: 120", f"elapsed_ms: {NINES}"))
@example(SEED_CASSETTE + "x: " + "[" * 10_000 + "]" * 10_000 + "\n")
@FUZZ
def test_cassette_yaml(tmp_path: Path, text: str) -> None:
    cassette = str(write(tmp_path / "cassette.yaml", text))
    assert_clean(run(["simulate", str(CALLBACK), "--replay-http", cassette]))
