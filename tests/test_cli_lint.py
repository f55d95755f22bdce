"""``callflow lint`` as a user runs it: output lines, summary, formats, exit codes."""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from callflow import rules
from callflow.cli import cli
from callflow.cli import lint as lint_cli

CLEAN = '<?xml version="1.0" encoding="UTF-8"?>\n<Response>\n  <Say>Hello.</Say>\n</Response>\n'
WARNING = (
    "<Response>\n  <Gather>\n    <Say>Press a key.</Say>\n"
    "    <Default><Say>x</Say></Default><Error/>\n"
    '  </Gather>\n  <Pause length="5"/>\n</Response>\n'
)
ERROR = "<Response>\n  <Hangup/>\n  <Say>Nobody hears this.</Say>\n</Response>\n"
LINE = re.compile(r"^(?P<file>.+):(?P<line>\d+):(?P<col>\d+): (?P<code>CF\d{3}) (?P<sev>\w+) .+$")


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, ["lint", *args])


@pytest.fixture
def flows(tmp_path: Path) -> Path:
    (tmp_path / "clean.xml").write_text(CLEAN)
    (tmp_path / "warn.xml").write_text(WARNING)
    (tmp_path / "error.xml").write_text(ERROR)
    return tmp_path


def test_clean_file_exits_0_with_no_output_and_a_summary(flows: Path) -> None:
    result = run(str(flows / "clean.xml"))
    assert result.exit_code == 0
    assert result.stdout == ""
    assert result.stderr.strip() == "0 errors, 0 warnings in 1 file"


def test_warnings_pass_unless_strict(flows: Path) -> None:
    relaxed = run(str(flows / "warn.xml"))
    assert relaxed.exit_code == 0
    found = [LINE.match(line) for line in relaxed.stdout.splitlines()]
    assert all(found) and found
    assert {(m["code"], m["sev"], m["line"]) for m in found if m} == {("CF160", "warning", "6")}
    strict = run("--strict", str(flows / "warn.xml"))
    assert strict.exit_code == 1
    assert strict.stdout == relaxed.stdout


def test_errors_exit_1_with_file_line_col_code_severity_message(flows: Path) -> None:
    path = str(flows / "error.xml")
    result = run(path)
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        f"{path}:3:3: CF101 error Say after the Hangup at line 2 can never run"
        " (remove it or move the Hangup below it)"
    ]
    assert "1 error, 0 warnings in 1 file" in result.stderr


def test_directory_recurses_over_xml_files_in_sorted_order(flows: Path) -> None:
    nested = flows / "sub" / "deeper"
    nested.mkdir(parents=True)
    (nested / "late.xml").write_text(ERROR)
    (flows / "notes.txt").write_text("not xml")
    (flows / ".hidden").mkdir()
    (flows / ".hidden" / "skip.xml").write_text("<broken")
    result = run("--format", "json", str(flows))
    files = [f["file"] for f in json.loads(result.stdout)["findings"]]
    assert files == sorted(files)
    assert str(nested / "late.xml") in files
    assert not any("skip.xml" in f for f in files)
    assert json.loads(result.stdout)["summary"]["files"] == 4
    assert result.exit_code == 1


def test_missing_file_exits_2_with_a_clear_message_and_no_traceback(flows: Path) -> None:
    missing = str(flows / "nope.xml")
    result = run(str(flows / "error.xml"), missing)
    assert result.exit_code == 2
    assert f"{missing}:1:1: CF011 error cannot read: No such file or directory" in result.stdout
    assert "unreadable" in result.stderr
    assert "Traceback" not in result.output
    assert isinstance(result.exception, SystemExit)


def test_unreadable_wins_over_findings_and_a_directory_given_as_file_is_read(
    flows: Path,
) -> None:
    assert run(str(flows / "error.xml"), str(flows / "missing.xml")).exit_code == 2
    assert run(str(flows)).exit_code == 1


def test_json_format_is_json_with_every_field_and_a_summary(flows: Path) -> None:
    result = run("--format", "json", str(flows / "warn.xml"), str(flows / "error.xml"))
    report = json.loads(result.stdout)
    assert result.exit_code == 1
    for finding in report["findings"]:
        assert set(finding) == {"file", "line", "col", "code", "severity", "message", "hint"}
    assert {f["code"] for f in report["findings"]} == {"CF101", "CF160"}
    assert report["summary"] == {
        "files": 2,
        "errors": 1,
        "warnings": 1,
        "infos": 0,
        "unreadable": 0,
    }


def test_rules_lists_every_code_including_the_parse_stage() -> None:
    result = run("--rules")
    assert result.exit_code == 0
    listed = {line.split()[0] for line in result.stdout.splitlines()[1:]}
    assert listed == {info.code for info in rules.all_rule_infos()}
    assert "CF001" in listed and "CF161" in listed


def test_explain_prints_the_rules_doc_and_refuses_an_unknown_code() -> None:
    found = rules.find("CF120")
    assert found is not None
    result = run("--explain", "CF120")
    assert result.exit_code == 0
    assert result.stdout.startswith("CF120 dtmf-duplicate (error)")
    assert found[1] in result.stdout
    unknown = run("--explain", "CF999")
    assert unknown.exit_code == 2
    assert "no rule 'CF999'" in unknown.stderr


def test_no_path_and_a_bad_option_are_usage_errors() -> None:
    assert run().exit_code == 2
    assert run("--format", "xml", "x.xml").exit_code == 2


def test_empty_directory_says_so_and_passes(tmp_path: Path) -> None:
    result = run(str(tmp_path))
    assert result.exit_code == 0
    assert "no *.xml files found" in result.stderr


def test_a_link_out_of_the_searched_folder_is_not_followed(tmp_path: Path) -> None:
    """A pull request cannot make the linter read (and quote) a file outside the tree."""
    outside = tmp_path / "private"
    outside.mkdir()
    secret = outside / "secret.xml"
    secret.write_text('<Response><Pause length="TOP-SECRET-VALUE"/></Response>\n')
    tree = tmp_path / "flows"
    tree.mkdir()
    (tree / "ok.xml").write_text("<Response><Hangup/></Response>\n")
    (tree / "inside.xml").symlink_to(tree / "ok.xml")
    (tree / "leak.xml").symlink_to(secret)
    result = run(str(tree))
    assert "TOP-SECRET-VALUE" not in result.output
    assert "leak.xml" not in result.output
    assert result.exit_code == 0
    assert "2 files" in result.stderr  # ok.xml and the link that stays inside the tree
    named = run(str(tree / "leak.xml"))  # named on the command line: linted as asked
    assert named.exit_code == 1 and "CF006" in named.stdout


def test_not_well_formed_file_is_one_finding_with_its_position(tmp_path: Path) -> None:
    path = tmp_path / "broken.xml"
    path.write_text("<Response>\n  <Say>Hi.</Pause>\n</Response>\n")
    result = run(str(path))
    assert result.exit_code == 1
    (line,) = result.stdout.splitlines()
    found = LINE.match(line)
    assert found and found["code"] == "CF001" and found["line"] == "2"


def test_no_colour_when_not_a_terminal(flows: Path) -> None:
    assert "\x1b[" not in run(str(flows / "error.xml")).output


def test_colour_only_for_a_terminal_without_no_color(monkeypatch: pytest.MonkeyPatch) -> None:
    class Tty:
        def isatty(self) -> bool:
            return True

    monkeypatch.setattr(sys, "stdout", Tty())
    monkeypatch.delenv("NO_COLOR", raising=False)
    assert lint_cli.use_color()
    monkeypatch.setenv("NO_COLOR", "1")
    assert not lint_cli.use_color()


def test_parallel_jobs_give_the_same_report_in_the_same_order(flows: Path) -> None:
    for index in range(6):
        (flows / f"copy{index}.xml").write_text(ERROR if index % 2 else WARNING)
    serial = run("--jobs", "1", "--format", "json", str(flows))
    parallel = run("--jobs", "2", "--format", "json", str(flows))
    assert parallel.exit_code == serial.exit_code == 1
    assert parallel.stdout == serial.stdout
    assert run("--jobs", "0", str(flows)).exit_code == 2
