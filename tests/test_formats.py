"""``callflow lint --format github|junit|sarif`` and ``--output``: each report is checked
against its published schema (JUnit XSD, OASIS SARIF 2.1.0 JSON schema) and says the same as
the JSON report, finding for finding."""

from __future__ import annotations

import json
import re
import shutil
from functools import cache
from pathlib import Path
from typing import Any

import jsonschema
import pytest
from click.testing import CliRunner, Result
from corpus import broken_files
from hypothesis import given
from hypothesis import strategies as st
from lxml import etree

from callflow import rules
from callflow.cli import cli
from callflow.diagnostics import Finding
from callflow.lint import FileResult
from callflow.reporting import (
    format_github,
    format_sarif,
    github_data,
    github_property,
    summarize,
)

DATA = Path(__file__).parent / "data"
CLEAN = "<Response>\n  <Say>Hello.</Say>\n</Response>\n"
WARNING = '<Response>\n  <Pause length="5"/>\n</Response>\n'
ERRORS = (
    '<Response>\n  <Hangup/>\n  <Say>Nobody hears this.</Say>\n  <Pause length="5"/>\n</Response>\n'
)


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, ["lint", *args])


@pytest.fixture
def flows(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A checkout-like working directory with a clean, a warning and an error flow."""
    monkeypatch.chdir(tmp_path)
    folder = tmp_path / "flows"
    folder.mkdir()
    (folder / "clean.xml").write_text(CLEAN)
    (folder / "warn.xml").write_text(WARNING)
    (folder / "errors.xml").write_text(ERRORS)
    return folder


def json_findings(*args: str) -> list[dict[str, Any]]:
    findings: list[dict[str, Any]] = json.loads(run("--format", "json", *args).stdout)["findings"]
    return findings


# ---- GitHub workflow commands ----------------------------------------------------------------

COMMAND = re.compile(r"^::(?P<level>error|warning|notice) (?P<props>[^:]*)::(?P<message>.*)$")
_UNESCAPE = {"%25": "%", "%0D": "\r", "%0A": "\n", "%3A": ":", "%2C": ","}


def unescape(text: str) -> str:
    return re.sub(r"%(25|0D|0A|3A|2C)", lambda found: _UNESCAPE[found.group(0)], text)


def parse_command(line: str) -> tuple[str, dict[str, str], str]:
    found = COMMAND.match(line)
    assert found, line
    props = dict(p.split("=", 1) for p in found["props"].split(","))
    return found["level"], {k: unescape(v) for k, v in props.items()}, unescape(found["message"])


def test_github_one_annotation_per_finding_with_relative_path_and_position(flows: Path) -> None:
    result = run("--format", "github", "flows")
    assert result.exit_code == 1
    commands = [parse_command(line) for line in result.stdout.splitlines()]
    expected = json_findings("flows")
    assert len(commands) == len(expected) == 3
    for (level, props, message), finding in zip(commands, expected, strict=True):
        assert level == finding["severity"]
        assert props == {
            "file": finding["file"],
            "line": str(finding["line"]),
            "col": str(finding["col"]),
            "title": finding["code"],
        }
        assert message.startswith(f"{finding['code']} {finding['message']}")
    assert {props["file"] for _, props, _ in commands} == {"flows/errors.xml", "flows/warn.xml"}
    assert "1 error, 2 warnings in 3 files" in result.stderr


def test_github_escapes_separators_in_the_path_and_newlines_in_the_message(flows: Path) -> None:
    odd = flows / "a,b:c%d.xml"
    odd.write_text(ERRORS)
    (line, *_) = run("--format", "github", str(odd.relative_to(flows.parent))).stdout.splitlines()
    assert "file=flows/a%2Cb%3Ac%25d.xml," in line
    _, props, _ = parse_command(line)
    assert props["file"] == "flows/a,b:c%d.xml"
    finding = Finding("CF101", "info", "two\nlines, 100%\r", "x.xml", 2, 3, "a: hint")
    note = format_github([FileResult("x.xml", [finding])], summarize([]), color=False)
    assert note.endswith("\n") and note.count("\n") == 1 and "\r" not in note
    level, _, message = parse_command(note.rstrip("\n"))
    assert (level, message) == ("notice", "CF101 two\nlines, 100%\r (a: hint)")


@given(st.text())
def test_github_escaping_round_trips_and_leaves_no_separator(text: str) -> None:
    data, prop = github_data(text), github_property(text)
    assert unescape(data) == unescape(prop) == text
    assert not set("\r\n") & set(data)
    assert not set("\r\n:,") & set(prop)


# ---- JUnit XML -----------------------------------------------------------------------------


@cache
def junit_schema() -> etree.XMLSchema:
    return etree.XMLSchema(etree.parse(str(DATA / "junit" / "JUnit.xsd")))


def junit(*args: str) -> tuple[Result, Any]:
    result = run("--format", "junit", *args)
    suite = etree.fromstring(result.stdout.encode("utf-8"))
    schema = junit_schema()
    assert schema.validate(suite), schema.error_log
    return result, suite


def test_junit_is_valid_with_one_testcase_per_file_failing_on_errors(flows: Path) -> None:
    result, suite = junit("flows")
    assert result.exit_code == 1
    cases = {c.get("name"): c for c in suite.iter("testcase")}
    assert set(cases) == {"flows/clean.xml", "flows/warn.xml", "flows/errors.xml"}
    assert (suite.get("tests"), suite.get("failures"), suite.get("errors")) == ("3", "1", "0")
    assert len(cases["flows/clean.xml"]) == len(cases["flows/warn.xml"]) == 0
    (failure,) = cases["flows/errors.xml"]
    assert failure.tag == "failure" and failure.get("type") == "CF101"
    assert failure.get("message") == "1 error, 1 warning"
    text = run("flows/errors.xml").stdout
    assert failure.text == text and len(text.splitlines()) == 2
    assert suite.find("system-out").text == run("flows").stdout  # the warnings too


def test_junit_strict_fails_warnings_too(flows: Path) -> None:
    result, suite = junit("--strict", "flows")
    assert result.exit_code == 1
    failed = {c.get("name"): c[0].get("type") for c in suite.iter("testcase") if len(c)}
    assert failed == {"flows/warn.xml": "CF160", "flows/errors.xml": "CF101"}
    assert suite.get("failures") == "2"


def test_junit_unreadable_file_is_an_error_case(flows: Path) -> None:
    result, suite = junit("flows/clean.xml", "flows/missing.xml")
    assert result.exit_code == 2
    (case,) = [c for c in suite.iter("testcase") if len(c)]
    assert case.get("name") == "flows/missing.xml"
    assert case[0].tag == "error" and case[0].get("type") == "CF011"
    assert (suite.get("failures"), suite.get("errors")) == ("0", "1")


# ---- SARIF 2.1.0 -------------------------------------------------------------------------------


@cache
def sarif_validator() -> Any:
    schema = json.loads((DATA / "sarif" / "sarif-schema-2.1.0.json").read_text())
    validator = jsonschema.validators.validator_for(schema)
    validator.check_schema(schema)
    return validator(schema)


def sarif(*args: str) -> tuple[Result, dict[str, Any]]:
    result = run("--format", "sarif", *args)
    log: dict[str, Any] = json.loads(result.stdout)
    errors = sorted(sarif_validator().iter_errors(log), key=str)
    assert not errors, errors[0]
    return result, log


def test_sarif_is_valid_and_describes_every_rule(flows: Path) -> None:
    result, log = sarif("flows")
    assert result.exit_code == 1
    assert log["version"] == "2.1.0"
    (run_,) = log["runs"]
    driver = run_["tool"]["driver"]
    assert driver["name"] == "callflow" and driver["version"] and driver["informationUri"]
    infos = rules.all_rule_infos()
    assert [r["id"] for r in driver["rules"]] == [i.code for i in infos]
    levels = {"error": "error", "warning": "warning", "info": "note"}
    for described, info in zip(driver["rules"], infos, strict=True):
        found = rules.find(info.code)
        assert found is not None
        assert described["name"] == info.name
        assert described["shortDescription"]["text"] == info.summary
        assert described["fullDescription"]["text"] == described["help"]["text"] == found[1]
        assert described["defaultConfiguration"]["level"] == levels[info.severity]


def test_sarif_results_match_the_json_report(flows: Path) -> None:
    _, log = sarif("flows")
    (run_,) = log["runs"]
    expected = json_findings("flows")
    assert len(run_["results"]) == len(expected) == 3
    for result, finding in zip(run_["results"], expected, strict=True):
        assert result["ruleId"] == finding["code"]
        assert run_["tool"]["driver"]["rules"][result["ruleIndex"]]["id"] == finding["code"]
        assert result["level"] == finding["severity"]
        assert result["message"]["text"].startswith(finding["message"])
        (location,) = result["locations"]
        artifact = location["physicalLocation"]["artifactLocation"]
        assert artifact == {"uri": finding["file"], "uriBaseId": "%SRCROOT%"}
        region = location["physicalLocation"]["region"]
        assert (region["startLine"], region["startColumn"]) == (finding["line"], finding["col"])
    assert run_["columnKind"] == "unicodeCodePoints"
    assert run_["originalUriBaseIds"]["%SRCROOT%"]["uri"] == flows.parent.as_uri() + "/"


def test_sarif_uri_is_percent_encoded_and_absolute_outside_the_working_directory(
    flows: Path, tmp_path_factory: pytest.TempPathFactory
) -> None:
    spaced = flows / "my menu.xml"
    spaced.write_text(ERRORS)
    outside = tmp_path_factory.mktemp("elsewhere") / "far.xml"
    outside.write_text(ERRORS)
    _, log = sarif("flows/my menu.xml", str(outside))
    artifacts = {
        r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
        for r in log["runs"][0]["results"]
    }
    assert artifacts == {"flows/my%20menu.xml", outside.as_uri()}


def test_sarif_info_level_is_a_note(flows: Path) -> None:
    (flows.parent / "callflow.toml").write_text('severity = {CF160 = "info"}\n')
    _, log = sarif("flows/warn.xml")
    assert [r["level"] for r in log["runs"][0]["results"]] == ["note"]


def test_every_broken_document_gives_a_valid_sarif_log(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for path in broken_files():
        shutil.copy(path, tmp_path / path.name)
    monkeypatch.chdir(tmp_path)
    result, log = sarif(".")
    codes = {r["ruleId"] for r in log["runs"][0]["results"]}
    assert len(codes) >= 10
    assert result.exit_code == 1


def test_sarif_without_a_file_has_no_location() -> None:
    finding = Finding("CF101", "error", "text", None, 1, 1)
    log = json.loads(format_sarif([FileResult("-", [finding])], summarize([]), color=False))
    assert not list(sarif_validator().iter_errors(log))
    assert "locations" not in log["runs"][0]["results"][0]


# ---- --output --------------------------------------------------------------------------------


@pytest.mark.parametrize("fmt", ["text", "json", "github", "junit", "sarif"])
def test_output_writes_the_report_to_a_file_and_the_summary_to_stderr(
    flows: Path, fmt: str
) -> None:
    to_stdout = run("--format", fmt, "flows/errors.xml")
    result = run("--format", fmt, "--output", "report.out", "flows/errors.xml")
    assert result.exit_code == to_stdout.exit_code == 1
    assert result.stdout == ""
    assert result.stderr == to_stdout.stderr == "1 error, 1 warning in 1 file\n"
    written = (flows.parent / "report.out").read_text()
    if fmt == "junit":  # the report carries the time it was made
        written, expected = (
            re.sub(r'timestamp="[^"]*"', "", t) for t in (written, to_stdout.stdout)
        )
        assert written == expected
    else:
        assert written == to_stdout.stdout


def test_output_that_cannot_be_written_exits_2(flows: Path) -> None:
    result = run("--output", "no/such/dir/report.txt", "flows/errors.xml")
    assert result.exit_code == 2
    assert "cannot write no/such/dir/report.txt" in result.stderr
    assert "Traceback" not in result.output
