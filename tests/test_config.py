"""Lint settings from ``[tool.callflow]`` / ``callflow.toml`` and the command line: where they
are found, what select/ignore/severity/exclude do, and clear errors for bad ones."""

from __future__ import annotations

import json
import re
from functools import cache
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from corpus import broken_files
from hypothesis import given
from hypothesis import strategies as st

from callflow.cli import cli
from callflow.config import (
    CHECKABLE,
    PARSE_CODES,
    ConfigError,
    Configs,
    Layer,
    find_config,
    resolve,
)
from callflow.lint import lint_source

# CF101 (error) on line 3, CF160 (warning) on line 4, CF125 (warning) on line 5.
FLOW = (
    "<Response>\n  <Hangup/>\n  <Say>Nobody hears this.</Say>\n"
    '  <Pause length="5"/>\n  <Gather><DTMF value="1"><Hangup/></DTMF><Error/></Gather>\n'
    "</Response>\n"
)
BROKEN = "<Response>\n  <Say>Hi.</Pause>\n</Response>\n"


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, ["lint", *args])


def codes(*args: str) -> list[tuple[str, str]]:
    """(code, severity) of each finding, as ``callflow lint --format json`` reports them."""
    result = run("--format", "json", *args)
    assert result.exit_code in (0, 1), result.output
    return [(f["code"], f["severity"]) for f in json.loads(result.stdout)["findings"]]


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "flows").mkdir()
    (tmp_path / "flows" / "menu.xml").write_text(FLOW)
    return tmp_path


DEFAULT = [("CF101", "error"), ("CF160", "warning"), ("CF125", "warning")]
ERR101, WARN125, INFO160 = ("CF101", "error"), ("CF125", "warning"), ("CF160", "info")
ERR125 = ("CF125", "error")


# ---- discovery -------------------------------------------------------------------------------


def test_without_a_config_every_rule_runs_at_its_own_severity(project: Path) -> None:
    assert codes("flows/menu.xml") == DEFAULT


def test_callflow_toml_above_the_file_applies(project: Path) -> None:
    (project / "callflow.toml").write_text('ignore = ["CF160"]\n')
    assert codes("flows/menu.xml") == [("CF101", "error"), ("CF125", "warning")]
    assert find_config(str(project / "flows")) == str(project / "callflow.toml")


def test_pyproject_tool_callflow_table_applies(project: Path) -> None:
    (project / "pyproject.toml").write_text(
        '[project]\nname = "x"\n\n[tool.callflow]\nignore = ["CF125"]\n'
    )
    assert codes("flows/menu.xml") == [("CF101", "error"), ("CF160", "warning")]


def test_a_pyproject_without_the_table_is_passed_over(project: Path) -> None:
    (project / "callflow.toml").write_text('ignore = ["CF125"]\n')
    (project / "flows" / "pyproject.toml").write_text("[tool.ruff]\nline-length = 100\n")
    assert codes("flows/menu.xml") == [("CF101", "error"), ("CF160", "warning")]


def test_an_unrelated_broken_pyproject_is_not_even_parsed(project: Path) -> None:
    (project / "pyproject.toml").write_text("[tool.other\nbroken = \n")
    assert codes("flows/menu.xml") == DEFAULT


def test_callflow_toml_wins_over_pyproject_in_the_same_directory(project: Path) -> None:
    (project / "pyproject.toml").write_text('[tool.callflow]\nignore = ["CF125"]\n')
    (project / "callflow.toml").write_text('ignore = ["CF160"]\n')
    assert codes("flows/menu.xml") == [("CF101", "error"), ("CF125", "warning")]


def test_the_nearest_config_applies_to_each_file(project: Path) -> None:
    (project / "callflow.toml").write_text('ignore = ["CF160"]\n')
    (project / "legacy").mkdir()
    (project / "legacy" / "callflow.toml").write_text('ignore = ["CF125"]\n')
    (project / "legacy" / "old.xml").write_text(FLOW)
    result = run("--format", "json", ".")
    found = {(f["file"], f["code"]) for f in json.loads(result.stdout)["findings"]}
    assert found == {
        ("./flows/menu.xml", "CF101"),
        ("./flows/menu.xml", "CF125"),
        ("./legacy/old.xml", "CF101"),
        ("./legacy/old.xml", "CF160"),
    }
    parallel = run("--format", "json", "--jobs", "2", ".")
    assert parallel.stdout == result.stdout


def test_config_option_replaces_discovery_for_every_file(project: Path) -> None:
    (project / "callflow.toml").write_text('ignore = ["CF160"]\n')
    other = project / "ci.toml"
    other.write_text('select = ["CF125"]\n')
    assert codes("--config", str(other), "flows/menu.xml") == [("CF125", "warning")]


# ---- select, ignore, severity ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        ('select = ["CF1"]', DEFAULT),
        ('select = ["CF16"]', [("CF160", "warning")]),
        ('select = ["CF101", "gather-no-prompt"]', [("CF101", "error"), ("CF125", "warning")]),
        ('ignore = ["ALL"]', []),
        ('select = ["CF12"]\nignore = ["CF1"]', [("CF125", "warning")]),
        ('select = ["CF1"]\nignore = ["CF12"]', [("CF101", "error"), ("CF160", "warning")]),
        ('select = ["CF125"]\nignore = ["CF12"]', [("CF125", "warning")]),
        ('ignore = ["CF12"]\nselect = ["ALL"]', [("CF101", "error"), ("CF160", "warning")]),
        ('ignore = ["seconds-not-ms", "cf101"]', [("CF125", "warning")]),
    ],
)
def test_select_and_ignore_the_more_specific_wins(
    project: Path, config: str, expected: list[tuple[str, str]]
) -> None:
    (project / "callflow.toml").write_text(config + "\n")
    assert codes("flows/menu.xml") == expected


@pytest.mark.parametrize(
    ("config", "expected"),
    [
        ('severity = {CF160 = "error"}', [ERR101, ("CF160", "error"), WARN125]),
        ('severity = {CF1 = "info", CF125 = "error"}', [("CF101", "info"), INFO160, ERR125]),
        ('[severity]\nseconds-not-ms = "info"', [ERR101, INFO160, WARN125]),
    ],
)  # fmt: skip
def test_severity_overrides(project: Path, config: str, expected: list[tuple[str, str]]) -> None:
    (project / "callflow.toml").write_text(config + "\n")
    assert codes("flows/menu.xml") == expected


def test_a_warning_made_an_error_fails_the_run_and_an_error_made_info_passes(
    project: Path,
) -> None:
    (project / "flows" / "warn.xml").write_text('<Response><Pause length="5"/></Response>\n')
    assert run("flows/warn.xml").exit_code == 0
    (project / "callflow.toml").write_text('severity = {CF160 = "error", CF101 = "info"}\n')
    failed = run("flows/warn.xml")
    assert failed.exit_code == 1 and "CF160 error" in failed.stdout
    assert run("flows/menu.xml").exit_code == 1  # CF160 is an error now; CF101 is info
    (project / "callflow.toml").write_text('severity = {CF101 = "info"}\n')
    passed = run("flows/menu.xml")
    assert passed.exit_code == 0 and "0 errors, 2 warnings, 1 info" in passed.stderr


def test_parse_stage_findings_are_reported_whatever_is_selected(project: Path) -> None:
    (project / "flows" / "broken.xml").write_text(BROKEN)
    (project / "callflow.toml").write_text('select = ["CF160"]\n')
    result = run("flows/broken.xml")
    assert result.exit_code == 1 and "CF001 error" in result.stdout


def test_command_line_select_replaces_and_ignore_adds(project: Path) -> None:
    (project / "callflow.toml").write_text('ignore = ["CF160"]\n')
    assert codes("--select", "CF160", "flows/menu.xml") == [("CF160", "warning")]
    assert codes("--ignore", "CF101", "flows/menu.xml") == [("CF125", "warning")]
    assert codes("--select", "CF101,CF125", "--ignore", "CF125", "flows/menu.xml") == [
        ("CF101", "error")
    ]


# ---- exclude ---------------------------------------------------------------------------------


def test_exclude_by_name_and_by_path_relative_to_the_config(project: Path) -> None:
    for rel in ("legacy/a.xml", "flows/old/b.xml", "flows/deep/legacy/c.xml", "flows/d.gen.xml"):
        (project / rel).parent.mkdir(parents=True, exist_ok=True)
        (project / rel).write_text(FLOW)
    (project / "callflow.toml").write_text('exclude = ["legacy", "flows/old", "*.gen.xml"]\n')
    result = run("--format", "json", ".")
    files = {f["file"] for f in json.loads(result.stdout)["findings"]}
    assert files == {"./flows/menu.xml"}
    assert json.loads(result.stdout)["summary"]["files"] == 1


def test_exclude_also_skips_files_named_on_the_command_line(project: Path) -> None:
    (project / "callflow.toml").write_text('exclude = ["flows/menu.xml"]\n')
    result = run("flows/menu.xml")
    assert result.exit_code == 0 and result.stdout == ""
    assert "all excluded" in result.stderr


def test_exclude_globs_are_relative_to_their_own_config_file(project: Path) -> None:
    (project / "sub" / "flows").mkdir(parents=True)
    (project / "sub" / "flows" / "menu.xml").write_text(FLOW)
    (project / "sub" / "callflow.toml").write_text('exclude = ["flows/*.xml"]\n')
    result = run("--format", "json", ".")
    files = {f["file"] for f in json.loads(result.stdout)["findings"]}
    assert files == {"./flows/menu.xml"}


# ---- errors ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('select = ["CF1"]\nignore = ["CF160", "CF999"]\n', r":2:20: ignore: unknown rule 'CF999'"),
        ('severity = {CF998 = "error"}\n', r":1:13: severity: unknown rule 'CF998'"),
        ('severity = {CF160 = "fatal"}\n', r":1:21: severity: CF160 = 'fatal' is not one of"),
        ('ignore = ["CF005"]\n', r":1:11: ignore: CF005 is a parse-stage check"),
        ('severity = {CF0 = "info"}\n', r":1:13: severity: CF0 is a parse-stage check"),
        ('ignroe = ["CF160"]\n', r": unknown key 'ignroe'; did you mean ignore\?"),
        ('ignore = "CF160"\n', r": ignore must be a list of strings"),
        ("severity = []\n", r": severity must be a table"),
        ("[severity]\nCF160 = 3\n", r": severity: CF160 = 3 is not one of error"),
        ('select = ["CF1"]\nignore = CF160\n', r":2:10: invalid TOML: Invalid value$"),
    ],
)
def test_a_bad_config_exits_2_naming_the_file_and_place(
    project: Path, text: str, message: str
) -> None:
    config = project / "callflow.toml"
    config.write_text(text)
    result = run("flows/menu.xml")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert re.search(re.escape(f"callflow lint: {config}") + message, result.stderr), result.stderr
    assert "Traceback" not in result.output


def test_a_bad_pyproject_table_names_the_table(project: Path) -> None:
    config = project / "pyproject.toml"
    config.write_text('[tool.other]\nignore = ["CF999"]\n\n[tool.callflow]\nignore = ["CF999"]\n')
    result = run("flows/menu.xml")
    assert result.exit_code == 2
    assert f"{config}:5:11: [tool.callflow] ignore: unknown rule 'CF999'" in result.stderr


def test_an_explicit_config_must_hold_settings_and_exist(project: Path) -> None:
    (project / "pyproject.toml").write_text('[project]\nname = "callflow-flows"\n')
    result = run("--config", "pyproject.toml", "flows/menu.xml")
    assert result.exit_code == 2 and "no [tool.callflow] table" in result.stderr
    assert run("--config", "missing.toml", "flows/menu.xml").exit_code == 2


def test_bad_command_line_codes_are_usage_errors(project: Path) -> None:
    for option, code in (("--select", "CF999"), ("--ignore", "nope"), ("--ignore", "CF001")):
        result = run(option, code, "flows/menu.xml")
        assert result.exit_code == 2
        assert f"{option}: " in result.stderr and code in result.stderr


def test_configs_check_command_line_codes_before_any_file() -> None:
    with pytest.raises(ConfigError, match="--select: unknown rule 'CF42'"):
        Configs(cli=Layer(select=("CF42",)))


# ---- selection is filtering: the same findings, fewer of them ---------------------------------


@cache
def semantic_examples() -> list[str]:
    texts = [p.read_text(encoding="utf-8") for p in broken_files()]
    return [t for t in texts if not {f.code for f in lint_source(t)} & PARSE_CODES] + [FLOW]


@given(st.sets(st.sampled_from(sorted(CHECKABLE))), st.booleans())
def test_select_or_ignore_keeps_exactly_the_chosen_rules_findings(
    chosen: set[str], ignore: bool
) -> None:
    layer = Layer(ignore=tuple(chosen)) if ignore else Layer(select=tuple(chosen))
    settings = resolve(layer)
    for text in semantic_examples():
        kept = [f for f in lint_source(text) if (f.code in chosen) != ignore]
        assert lint_source(text, settings=settings) == kept


@given(st.dictionaries(st.sampled_from(sorted(CHECKABLE)), st.sampled_from(["error", "info"])))
def test_severity_overrides_change_only_the_severity(overrides: dict[str, str]) -> None:
    settings = resolve(Layer(severity=tuple(overrides.items())))
    for text in semantic_examples():
        default = lint_source(text)
        changed = lint_source(text, settings=settings)
        assert [(f.code, f.line, f.col, f.message) for f in changed] == [
            (f.code, f.line, f.col, f.message) for f in default
        ]
        assert [f.severity for f in changed] == [overrides.get(f.code, f.severity) for f in default]


# ---- the documented examples work as documented ----------------------------------------------

DOCS = Path(__file__).resolve().parents[1] / "docs" / "ci.md"


def fenced(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", DOCS.read_text(encoding="utf-8"), re.S)


def test_the_documented_config_loads_and_the_documented_comments_silence_everything(
    project: Path,
) -> None:
    (config,) = fenced("toml")
    (project / "pyproject.toml").write_text(config)
    (document,) = fenced("xml")
    (project / "flows" / "menu.xml").write_text(document)
    (project / "flows" / "late.xml").write_text(flow_with_callback_then_say())
    assert codes("flows/menu.xml") == []
    assert codes("flows/late.xml") == [("CF102", "info")]
    without = re.sub(r"<!-- callflow:[^>]*-->", "", document)
    assert {c for c, _ in lint_codes(without)} == {"CF160", "CF161"}


def flow_with_callback_then_say() -> str:
    callback = '<Callback url="https://x.example/next"><Error><Hangup/></Error></Callback>'
    return f"<Response>\n  {callback}\n  <Say>x</Say>\n</Response>\n"


def lint_codes(text: str) -> list[tuple[str, str]]:
    return [(f.code, f.severity) for f in lint_source(text)]
