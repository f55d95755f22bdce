"""``callflow render``: one document from --vars, one per row from --csv, each linted."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner, Result

from callflow.cli import cli
from callflow.parser import parse

FLOW = """<Response>
  <Say>Hi {name}</Say>
  <Gather timeout="{t}"><Say>Press 1.</Say><DTMF value="1"><Say>One</Say></DTMF></Gather>
</Response>
"""


def run(*args: str | Path) -> Result:
    return CliRunner().invoke(cli, [str(a) for a in args])


def test_vars_print_the_rendered_document(tmp_path: Path) -> None:
    (tmp_path / "f.xml").write_text(FLOW, encoding="utf-8")
    result = run("render", tmp_path / "f.xml", "--vars", '{"name": "<Ann & Bo>", "t": 5000}')
    assert result.exit_code == 0, result.stderr
    doc = parse(result.stdout)
    assert doc.children[0].spoken == "Hi <Ann & Bo>"  # type: ignore[attr-defined]
    assert doc.children[1].timeout == 5000  # type: ignore[attr-defined]
    (tmp_path / "v.json").write_text('{"name": "Cy", "t": "6000"}', encoding="utf-8")
    from_file = run("render", tmp_path / "f.xml", "--vars", f"@{tmp_path / 'v.json'}")
    assert from_file.exit_code == 0 and "Hi Cy" in from_file.stdout


def test_a_missing_or_bad_value_is_an_error_at_the_flow_line(tmp_path: Path) -> None:
    (tmp_path / "f.xml").write_text(FLOW, encoding="utf-8")
    missing = run("render", tmp_path / "f.xml", "--vars", '{"name": "Ann"}')
    assert missing.exit_code == 1 and missing.stdout == ""
    assert "f.xml:3:20: CP001 error no value for {t} (Gather timeout)" in missing.stderr
    bad = run("render", tmp_path / "f.xml", "--vars", '{"name": "Ann", "t": "soon"}')
    assert bad.exit_code == 1 and "f.xml:3:11: CF006 error Gather timeout" in bad.stderr


def test_csv_writes_one_document_per_good_row(tmp_path: Path) -> None:
    (tmp_path / "f.xml").write_text(FLOW, encoding="utf-8")
    (tmp_path / "v.csv").write_text("name,t,unused\nAnn,5000,x\nBo,,y\nCy,7000,z\n", "utf-8")
    out = tmp_path / "out"
    result = run("render", tmp_path / "f.xml", "--csv", tmp_path / "v.csv", "-o", out)
    assert result.exit_code == 1
    assert sorted(p.name for p in out.iterdir()) == ["f-row2.xml", "f-row4.xml"]
    assert "Hi Cy" in (out / "f-row4.xml").read_text(encoding="utf-8")
    assert "CP001 error row 3: no value for {t}" in result.stderr
    assert "v.csv:1:1: CP002 warning column 'unused'" in result.stderr
    many = run("render", tmp_path / "f.xml", "--csv", tmp_path / "v.csv")
    assert many.exit_code == 2 and "-o DIR" in many.stderr


def test_usage_errors(tmp_path: Path) -> None:
    (tmp_path / "f.xml").write_text(FLOW, encoding="utf-8")
    assert run("render", tmp_path / "f.xml").exit_code == 2
    assert run("render", tmp_path / "f.xml", "--vars", "[1]").exit_code == 2
    assert run("render", tmp_path / "f.xml", "--vars", "{").exit_code == 2
    assert run("render", tmp_path / "nope.xml", "--vars", "{}").exit_code == 2
