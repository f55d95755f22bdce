"""Harness: the values typed on the command line (call fields, caller script, campaign ids).

Any value of any of these options ends in a transcript, a report or a usage error naming the
option, never in an exception. See ``fuzzinputs`` for the property and the long-run command.
"""

from __future__ import annotations

from pathlib import Path

from fuzzinputs import EXAMPLES, FUZZ, NINES, assert_clean, hostile_text, run
from hypothesis import example, given
from hypothesis import strategies as st

AFTER_HOURS = str(EXAMPLES / "after-hours.xml")
MAIN_MENU = str(EXAMPLES / "main-menu.xml")
CAMPAIGN = EXAMPLES / "campaign"

SIMULATE_OPTIONS = ["--at", "--tz", "--digits", "--dial", "--dial-default", "--hangup-at",
                    "--state", "--from", "--to", "--county", "--http"]  # fmt: skip
EXPLORE_OPTIONS = ["--at", "--tz", "--state", "--from", "--to", "--county", "--max-paths",
                   "--max-depth", "--http"]  # fmt: skip
CAMPAIGN_OPTIONS = ["--profile-id", "--lease-id", "--seed", "--jobs"]


def _value(option: str, text: str) -> str:
    """``--dial`` and ``--http`` take NAME=VALUE: half the time give them that shape."""
    if option == "--dial" and "=" not in text:
        return f"+15035550141={text}"
    return text


@given(st.lists(st.tuples(st.sampled_from(SIMULATE_OPTIONS), hostile_text), max_size=4))
@example([("--at", "9999-12-31T23:59:59+00:00"), ("--tz", "America/Denver")])
@example([("--at", "0001-01-01T00:00:00+14:00")])
@example([("--hangup-at", NINES)])
@example([("--dial", "+15035550141=answer:" + NINES)])
@example([("--hangup-at", "-5")])
@FUZZ
def test_simulate_options(options: list[tuple[str, str]]) -> None:
    args = [item for option, text in options for item in (option, _value(option, text))]
    assert_clean(run(["simulate", AFTER_HOURS, *args]))
    assert_clean(run(["simulate", MAIN_MENU, "--digits", "1", *args]))


@given(st.lists(st.tuples(st.sampled_from(EXPLORE_OPTIONS), hostile_text), max_size=3))
@example([("--at", "9999-12-31T23:59:59+00:00"), ("--tz", "America/Denver")])
@example([("--at", "0001-01-01T00:00:00+14:00")])
@FUZZ
def test_explore_options(options: list[tuple[str, str]]) -> None:
    args = [item for option, text in options for item in (option, text)]
    assert_clean(run(["explore", AFTER_HOURS, "--max-paths", "50", *args]))


@given(st.lists(st.tuples(st.sampled_from(CAMPAIGN_OPTIONS), hostile_text), max_size=3))
@example([("--seed", NINES)])
@FUZZ
def test_campaign_options(tmp_path: Path, options: list[tuple[str, str]]) -> None:
    args = [item for option, text in options for item in (option, text)]
    out = tmp_path / "requests.jsonl"
    recipients = str(CAMPAIGN / "recipients.csv")
    template = str(CAMPAIGN / "reminder.xml")
    assert_clean(run(["campaign", template, "--recipients", recipients, "--dry-run",
                      "-o", str(out), *args]))  # fmt: skip
