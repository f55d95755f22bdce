"""``callflow import twiml``: where the XML and the report go, exit codes, -o DIR, JSON, and
inputs that cannot be converted at all."""

from __future__ import annotations

import json
import os
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from callflow.cli import cli
from callflow.importers import Status
from callflow.lint import lint_source
from callflow.parser import parse

DATA = Path(__file__).parent / "data" / "twiml"
OLD = 1_000_000_000


def run(*args: str) -> Result:
    return CliRunner().invoke(cli, ["import", "twiml", *args])


@pytest.fixture
def files(tmp_path: Path) -> Path:
    """A copy of the data files, so a test can check nothing touched them."""
    folder = tmp_path / "twiml"
    shutil.copytree(DATA, folder)
    return folder


def test_one_file_to_stdout_with_the_report_on_stderr(files: Path) -> None:
    result = run(str(files / "comments.xml"))
    assert result.exit_code == 0  # everything converted (some of it with changes)
    assert result.stdout.startswith('<?xml version="1.0" encoding="UTF-8"?>\n<!-- before')
    assert lint_source(result.stdout) == []
    assert f"{files / 'comments.xml'}:6:25: changed Gather action=" in result.stderr
    assert result.stderr.splitlines()[-1].endswith("0 not convertible")
    assert ": exact " not in result.stderr  # only with --verbose
    verbose = run("-v", str(files / "comments.xml"))
    assert ":5:3: exact <Say> -> <Say>" in verbose.stderr


def test_something_not_convertible_exits_1_and_says_where(files: Path) -> None:
    result = run(str(files / "conference_only.xml"))
    assert result.exit_code == 1
    assert f"{files / 'conference_only.xml'}:4:5: not-convertible <Conference>" in result.stderr
    assert "<!-- TwiML <Conference> on line 4 not converted" in result.stdout


def test_output_dir_writes_name_xml_per_input_and_leaves_inputs_alone(
    files: Path, tmp_path: Path
) -> None:
    inputs = [files / "comments.xml", files / "whitespace.xml"]
    before = {p: p.read_bytes() for p in inputs}
    out = tmp_path / "out" / "nested"
    result = run("-o", str(out), *map(str, inputs))
    assert result.exit_code == 0, result.output
    assert sorted(os.listdir(out)) == ["comments.xml", "whitespace.xml"]  # no temporary files
    for path in inputs:
        written = out / path.name
        assert f"wrote {written}" in result.stdout
        assert [f.code for f in lint_source(written)] in ([], ["CF161"])  # a Play of a URL
        assert parse(written) == parse(run(str(path)).stdout)
        assert path.read_bytes() == before[path]


def test_output_dir_replaces_an_older_output(files: Path, tmp_path: Path) -> None:
    (tmp_path / "comments.xml").write_text("old")
    assert run("-o", str(tmp_path), str(files / "comments.xml")).exit_code == 0
    assert (tmp_path / "comments.xml").read_text().startswith("<?xml")


def test_never_overwrites_an_input(files: Path) -> None:
    source = files / "comments.xml"
    data = source.read_bytes()
    os.utime(source, (OLD, OLD))
    result = run("-o", str(files), str(source))
    assert result.exit_code == 2
    assert "would overwrite the input" in result.stderr
    assert source.read_bytes() == data and source.stat().st_mtime == OLD


def test_two_inputs_for_one_output_are_refused_before_anything_is_written(
    files: Path, tmp_path: Path
) -> None:
    other = tmp_path / "elsewhere"
    other.mkdir()
    shutil.copy(files / "comments.xml", other / "comments.xml")
    out = tmp_path / "out"
    result = run("-o", str(out), str(files / "comments.xml"), str(other / "comments.xml"))
    assert result.exit_code == 2
    assert "would both be written to" in result.stderr
    assert not out.exists()


def test_more_than_one_file_needs_output_dir(files: Path) -> None:
    result = run(str(files / "comments.xml"), str(files / "whitespace.xml"))
    assert result.exit_code == 2
    assert "give -o DIR" in result.stderr


@pytest.mark.parametrize(
    ("text", "code", "where"),
    [
        ("<Response>\n  <Say>Hi\n</Response>\n", "CF001", ":3:"),
        ('<?xml version="1.0"?>\n<!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n'
         "<Response><Say>&x;</Say></Response>", "CF009", ":2:1:"),
        ("<?xml version='1.0'?>\n<Resp/>", "CF002", ":2:1:"),
    ],
    ids=["not-well-formed", "doctype", "wrong-root"],
)  # fmt: skip
def test_unreadable_input_exits_2_with_file_line_col(
    tmp_path: Path, text: str, code: str, where: str
) -> None:
    path = tmp_path / "broken.xml"
    path.write_text(text)
    out = tmp_path / "out"
    result = run("-o", str(out), str(path))
    assert result.exit_code == 2
    line = result.stderr.splitlines()[0]
    assert line.startswith(f"{path}{where}") and f" {code} error " in line
    assert "Traceback" not in result.output
    assert not (out / "broken.xml").exists()


def test_a_missing_file_is_unreadable(tmp_path: Path) -> None:
    result = run(str(tmp_path / "nope.xml"))
    assert result.exit_code == 2
    assert "CF011 error cannot read" in result.stderr


def test_good_files_are_still_written_when_another_is_broken(files: Path, tmp_path: Path) -> None:
    broken = tmp_path / "broken.xml"
    broken.write_text("<Response>")
    out = tmp_path / "out"
    result = run("-o", str(out), str(broken), str(files / "comments.xml"))
    assert result.exit_code == 2
    assert (out / "comments.xml").exists()


def test_json_report_holds_every_entry_and_the_xml(files: Path) -> None:
    result = run("--format", "json", "--client-domain", "pbx.example.com",
                 str(files / "dial_text.xml"))  # fmt: skip
    assert result.exit_code == 1  # sendDigits
    data = json.loads(result.stdout)
    (one,) = data["files"]
    assert one["file"] == str(files / "dial_text.xml") and one["output"] is None
    assert parse(one["xml"]).children
    statuses = {e["status"] for e in one["entries"]}
    assert statuses <= {s.value for s in Status}
    send = [e for e in one["entries"] if e["attribute"] == "sendDigits"]
    assert send == [{
        "line": 5, "col": 13, "element": "Number", "attribute": "sendDigits", "value": "ww1234",
        "status": "not-convertible", "result": "",
        "note": "Opentact cannot send digits once the callee answers", "implicit": False,
        "within": None, "left_out": False,
    }]  # fmt: skip
    assert data["summary"]["not-convertible"] == one["summary"]["not-convertible"] == 1
    assert data["summary"]["files"] == 1 and data["summary"]["unreadable"] == 0


def test_json_with_output_dir_and_a_broken_file(files: Path, tmp_path: Path) -> None:
    broken = tmp_path / "broken.xml"
    broken.write_text("<Response>")
    out = tmp_path / "out"
    result = run("--format", "json", "-o", str(out), str(files / "comments.xml"), str(broken))
    assert result.exit_code == 2
    good, bad = json.loads(result.stdout)["files"]
    assert good["output"] == str(out / "comments.xml") and "xml" not in good
    assert bad["errors"][0]["code"] == "CF001"


def test_base_url_resolves_relative_urls(files: Path) -> None:
    result = run("--base-url", "https://ivr.example.com/app/", str(files / "after_end.xml"))
    assert result.exit_code == 0
    assert 'url="https://ivr.example.com/app/next.xml"' in result.stdout


@pytest.mark.parametrize(
    ("option", "value"),
    [("--base-url", "/relative"), ("--base-url", "ftp://x/"), ("--client-domain", "a b")],
)
def test_bad_options_are_usage_errors(files: Path, option: str, value: str) -> None:
    result = run(option, value, str(files / "comments.xml"))
    assert result.exit_code == 2
    assert option in result.stderr


def test_import_group_lists_twiml() -> None:
    result = CliRunner().invoke(cli, ["import", "--help"])
    assert result.exit_code == 0
    assert "twiml" in result.stdout
