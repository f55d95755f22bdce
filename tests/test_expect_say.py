"""``say:`` is a case-insensitive substring, ``say_exact:`` the whole text, ``/regex/flags`` a
regex; written in a scenario file and checked against a real call."""

from __future__ import annotations

from pathlib import Path

import pytest

from simulator.scenario import ScenarioError, load_scenario, run_scenario

FLOW = """\
<Response>
  <Say>Welcome to
       Riverside Clinic.</Say>
  <Hangup/>
</Response>
"""


def verdict(tmp_path: Path, expectation: str) -> bool:
    (tmp_path / "flow.xml").write_text(FLOW, encoding="utf-8")
    file = tmp_path / "s.yaml"
    file.write_text(f"flow: flow.xml\nexpect:\n  - {expectation}\n", encoding="utf-8")
    return run_scenario(load_scenario(file)).passed


@pytest.mark.parametrize(
    ("expectation", "holds"),
    [
        ("say: riverside", True),  # a substring, any case
        ("say: TO RIVERSIDE", False),  # white space inside the text is not folded
        ("say_exact: Welcome to Riverside Clinic.", True),  # runs of white space are one space
        ("say_exact: welcome to riverside clinic.", False),  # case counts
        ("say_exact: Riverside Clinic.", False),  # the whole text, not a part
        ("say_exact: /^Welcome/", True),  # a regex under say_exact too
        ("say: /riverside/", False),  # a regex is case-sensitive...
        ("say: /riverside/i", True),  # ...unless flagged i
        ("say: '/to\\s+Riverside/'", True),
        ("say: /^Clinic/m", False),
        ("say: /^\\s*Riverside/m", True),  # m: ^ at each line
    ],
)
def test_say_forms(tmp_path: Path, expectation: str, holds: bool) -> None:
    assert verdict(tmp_path, expectation) is holds


def test_say_exact_reports_its_key_when_it_fails(tmp_path: Path) -> None:
    (tmp_path / "flow.xml").write_text(FLOW, encoding="utf-8")
    file = tmp_path / "s.yaml"
    file.write_text("flow: flow.xml\nexpect:\n  - say_exact: Welcome\n", encoding="utf-8")
    run = run_scenario(load_scenario(file))
    assert not run.passed
    assert "say_exact: 'Welcome'" in run.headline()


def test_a_bad_regex_is_a_scenario_error_at_its_line(tmp_path: Path) -> None:
    (tmp_path / "flow.xml").write_text(FLOW, encoding="utf-8")
    file = tmp_path / "s.yaml"
    file.write_text("flow: flow.xml\nexpect:\n  - say_exact: /(/\n", encoding="utf-8")
    with pytest.raises(ScenarioError) as caught:
        load_scenario(file)
    assert caught.value.finding.line == 3
