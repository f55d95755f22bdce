"""Issue 15 item 6: durations typed outside the flow get lint rule CF160's judgement (same
threshold, same wording, one function), as a warning; negative durations are refused."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from hypothesis import given
from hypothesis import strategies as st

from callflow.cli import cli
from callflow.durations import SECONDS_LIMIT, seconds_warning
from callflow.lint import lint_source
from simulator.campaign.behaviour import BehaviourError, parse_behaviour
from simulator.scenario import ScenarioError, parse_scenario

ROOT = Path(__file__).resolve().parents[1]
MENU = ROOT / "examples" / "main-menu.xml"
CAMPAIGN = ROOT / "examples" / "campaign"
BEHAVIOUR = (CAMPAIGN / "behaviour.yaml").read_text(encoding="utf-8")
TAIL = "milliseconds; seconds were probably meant"


def run(*args: str | Path) -> Result:
    result = CliRunner().invoke(cli, [str(a) for a in args])
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    return result


def scenario(body: str) -> str:
    return f"flow: {MENU}\n{body}"


def test_lint_and_side_inputs_share_one_judgement() -> None:
    [finding] = [f for f in lint_source('<Response><Pause length="5"/></Response>')
                 if f.code == "CF160"]  # fmt: skip
    assert (finding.message, finding.hint) == seconds_warning("Pause length", 5)
    assert seconds_warning("x", 0) is None and seconds_warning("x", SECONDS_LIMIT) is None


@given(st.integers(0, 10**6))
def test_a_scenario_warns_exactly_where_lint_would(ms: int) -> None:
    linted = lint_source(f'<Response><Pause length="{ms}"/></Response>')
    read = parse_scenario(scenario(f"caller:\n  - hangup: {{at: {ms}}}\n"), "s.yaml")
    assert any(f.code == "CF160" for f in linted) == bool(read.warnings)
    for warning in read.warnings:
        assert (warning.code, warning.severity) == ("CF160", "warning")
        assert (warning.message, warning.hint) == seconds_warning("hangup.at", ms)


def test_scenario_durations_are_warned_about_at_their_line() -> None:
    read = parse_scenario(
        scenario(
            "caller:\n  - press: '1'\n    delay: 2\n  - hangup: {at: 30}\n"
            "dial:\n  default: answer:5:60\n  '+15035550141': {answer: {after: 3, talk: 2000}}\n"
        ),
        "s.yaml",
    )
    got = [(w.line, w.col, w.message) for w in read.warnings]
    assert got == [
        (4, 12, f"delay of 2 is 2 {TAIL}"),
        (5, 18, f"hangup.at of 30 is 30 {TAIL}"),
        (7, 12, f"dial outcome of 'default': the time to answer of 5 is 5 {TAIL}"),
        (7, 12, f"dial outcome of 'default': the talk time of 60 is 60 {TAIL}"),
        (8, 36, f"after of 3 is 3 {TAIL}"),
    ]
    assert not parse_scenario(scenario("caller:\n  - hangup: {at: 30000}\n"), "s.yaml").warnings


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("caller:\n  - hangup: {at: -5}\n", "hangup.at cannot be negative (-5 ms)"),
        ("caller:\n  - press: '1'\n    delay: -1\n", "delay cannot be negative (-1 ms)"),
        ("dial:\n  default: {answer: {after: -3}}\n", "after cannot be negative (-3 ms)"),
        ("dial:\n  default: answer:-3\n", "times cannot be negative"),
    ],
)
def test_negative_scenario_durations_are_refused(body: str, message: str) -> None:
    with pytest.raises(ScenarioError, match=re.escape(message)) as caught:
        parse_scenario(scenario(body), "s.yaml")
    assert caught.value.finding.code == "SC004"


def test_the_commands_print_scenario_warnings(tmp_path: Path) -> None:
    file = tmp_path / "s.yaml"
    file.write_text(scenario("caller:\n  - hangup: {at: 30}\n"), encoding="utf-8")
    line = f"s.yaml:3:18: CF160 warning hangup.at of 30 is 30 {TAIL} (write 30000)"
    for command in (["test"], ["simulate", "--scenario"]):
        result = run(*command, file)
        assert result.exit_code == 0, result.output
        assert line in result.output


def test_command_line_durations_are_warned_about() -> None:
    dials = ["--dial", "+15035550141=answer:5:60", "--dial-default", "answer:3000:20"]
    result = run("simulate", MENU, "--digits", "1", "--hangup-at", "5", *dials)
    assert result.exit_code in (0, 1), result.output
    warnings = [line for line in result.stderr.splitlines() if "CF160" in line]
    assert warnings == [
        f"callflow: CF160 warning --dial +15035550141=answer:5:60: the time to answer of 5 is 5"
        f" {TAIL} (write 5000)",
        f"callflow: CF160 warning --dial +15035550141=answer:5:60: the talk time of 60 is 60"
        f" {TAIL} (write 60000)",
        f"callflow: CF160 warning --dial-default answer:3000:20: the talk time of 20 is 20 {TAIL}"
        " (write 20000)",
        f"callflow: CF160 warning --hangup-at of 5 is 5 {TAIL} (write 5000)",
    ]
    quiet = run("simulate", MENU, "--digits", "1", "--hangup-at", "5000", "--dial-default",
                "answer:3000:60000")  # fmt: skip
    assert "CF160" not in quiet.output


@pytest.mark.parametrize(
    ("args", "message"),
    [(["--hangup-at", "-5"], "--hangup-at"), (["--dial", "+15035550141=answer:-5"], "negative")],
)
def test_negative_command_line_durations_are_refused(args: list[str], message: str) -> None:
    result = run("simulate", MENU, *args)
    assert result.exit_code == 2 and message in result.stderr


def test_behaviour_durations_are_warned_about_and_negative_ones_refused(tmp_path: Path) -> None:
    model = parse_behaviour(BEHAVIOUR.replace("after_ms: 8000", "after_ms: 8"), "b.yaml")
    assert [(w.code, w.line, w.message) for w in model.warnings] == [
        ("CF160", 18, f"dial.after_ms of 8 is 8 {TAIL}")
    ]
    with pytest.raises(BehaviourError, match="cannot be negative") as caught:
        parse_behaviour(BEHAVIOUR.replace("after_ms: 2500", "after_ms: -5"), "b.yaml")
    assert caught.value.finding.code == "CP023"
    file = tmp_path / "behaviour.yaml"
    file.write_text(BEHAVIOUR.replace("talk_ms: 180000", "talk_ms: 30"), encoding="utf-8")
    result = run("campaign", CAMPAIGN / "reminder.xml", "--recipients", CAMPAIGN / "recipients.csv",
                 "--behaviour", file, "-o", tmp_path / "report.txt")  # fmt: skip
    assert f"behaviour.yaml:19:12: CF160 warning dial.talk_ms of 30 is 30 {TAIL}" in result.stderr
