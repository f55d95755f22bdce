"""Documents that name the XSD for editors (``xsi:noNamespaceSchemaLocation`` on <Response>):
the linter accepts them without fetching anything, and ``fmt`` keeps the attribute."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner
from hypothesis import given
from strategies import xml_text

from callflow import model as m
from callflow.cli import cli
from callflow.lint import lint_source
from callflow.parser import parse
from callflow.schema import xsd_path
from callflow.serializer import to_xml

XSI = "http://www.w3.org/2001/XMLSchema-instance"


def document(location: str) -> str:
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        f'<Response xmlns:xsi="{XSI}"\n'
        f'          xsi:noNamespaceSchemaLocation="{location}">\n'
        "  <Say>Hello.</Say>\n"
        "</Response>\n"
    )


def test_lint_accepts_a_schema_location_local_or_remote_without_reading_it(
    tmp_path: Path,
) -> None:
    missing = tmp_path / "nowhere" / "opentact.xsd"
    for location in (xsd_path().as_uri(), str(missing), "https://example.invalid/opentact.xsd"):
        assert lint_source(document(location)) == []


def test_the_schema_location_is_kept_on_the_model_and_written_back() -> None:
    location = xsd_path().as_uri()
    model = parse(document(location))
    assert model.schema_location == location
    written = to_xml(model)
    assert f'xmlns:xsi="{XSI}"' in written
    assert f'xsi:noNamespaceSchemaLocation="{location}"' in written
    assert parse(written) == model
    assert lint_source(written) == []


def test_a_document_without_it_gets_none_written() -> None:
    model = parse("<Response><Hangup/></Response>")
    assert model.schema_location is None
    assert "xsi" not in to_xml(model)


def test_fmt_keeps_the_attribute_and_a_second_fmt_changes_nothing(tmp_path: Path) -> None:
    path = tmp_path / "flow.xml"
    path.write_text(document("../schemas/opentact.xsd").replace("<Say>", "<Say >"))
    first = CliRunner().invoke(cli, ["fmt", str(path)])
    assert first.exit_code == 0, first.output
    text = path.read_text()
    assert 'xsi:noNamespaceSchemaLocation="../schemas/opentact.xsd"' in text
    assert f'xmlns:xsi="{XSI}"' in text
    again = CliRunner().invoke(cli, ["fmt", "--check", str(path)])
    assert again.exit_code == 0 and "0 would be reformatted" in again.stderr


@given(xml_text(max_size=40))
def test_any_location_text_round_trips(location: str) -> None:
    model = m.Response(children=(m.Hangup(),), schema_location=location)
    assert parse(to_xml(model)).schema_location == location
