"""``<Tone>``: ``hz`` is optional (440 Hz, our decision), the simulator says which defaults it
used, and lint rule CF116 warns about a Tone that plays for its whole default timeout."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from lxml import etree

from callflow import Response, parse
from callflow import model as m
from callflow.lint import lint_source
from callflow.schema import xsd_path
from simulator import simulate


def test_bare_tone_builds_serialises_and_parses_back() -> None:
    r = Response()
    r.tone()
    r.hangup()
    xml = r.to_xml()
    assert "<Tone/>" in xml
    built = r.build()
    tone = built.commands[0]
    assert isinstance(tone, m.Tone)
    assert tone.hz == m.TONE_DEFAULT_HZ == "440"
    assert parse(xml) == built


def test_a_written_default_is_kept() -> None:
    r = Response()
    r.tone("440", don=200)
    assert '<Tone hz="440" don="200"/>' in r.to_xml()
    tone = r.build().commands[0]
    assert not tone.defaulted("hz")


@pytest.mark.parametrize(
    "body",
    [
        "<Tone/>",
        "<Tone />",
        "<Tone></Tone>",
        '<Tone><Meta name="category" value="music"/></Tone>',
    ],
)
def test_bare_and_empty_tones_have_no_errors_and_validate(body: str) -> None:
    text = f"<Response>{body}<Hangup/></Response>"
    errors = [f for f in lint_source(text) if f.severity == "error"]
    assert errors == []
    schema = etree.XMLSchema(etree.parse(str(xsd_path())))
    assert schema.validate(etree.fromstring(text.encode()))


def test_the_xsd_declares_the_default() -> None:
    tree = etree.parse(str(xsd_path()))
    ns = {"xs": "http://www.w3.org/2001/XMLSchema"}
    (hz,) = tree.xpath("//xs:complexType[@name='ToneType']/xs:attribute[@name='hz']", namespaces=ns)
    assert hz.get("default") == "440"
    assert hz.get("use") is None


def test_simulated_bare_tone_says_which_defaults_it_used() -> None:
    call = simulate(parse("<Response><Tone/><Hangup/></Response>"))
    (event,) = call.of_kind("tone")
    assert event.data["hz"] == "440"
    assert event.data["length"] == 30000
    assert event.data["defaults"] == ["hz", "timeout"]
    assert call.result == "hangup"


def test_a_fully_written_tone_names_no_default() -> None:
    call = simulate(parse('<Response><Tone hz="880" don="300"/></Response>'))
    (event,) = call.of_kind("tone")
    assert event.data == {"hz": "880", "length": 300}


_MS = st.integers(min_value=1, max_value=60_000)


@given(
    hz=st.none() | st.sampled_from(["440", "880", "350,440", "440x2"]),
    don=st.none() | _MS,
    doff=st.none() | _MS,
    timeout=st.none() | _MS,
)
def test_cf116_and_the_tone_event_agree_with_what_was_written(
    hz: str | None, don: int | None, doff: int | None, timeout: int | None
) -> None:
    attrs = {"hz": hz, "don": don, "doff": doff, "timeout": timeout}
    written = " ".join(f'{k}="{v}"' for k, v in attrs.items() if v is not None)
    text = f"<Response><Tone {written}/><Hangup/></Response>"
    codes = [f.code for f in lint_source(text)]
    assert ("CF116" in codes) == (don is None and timeout is None)
    (event,) = simulate(parse(text)).of_kind("tone")
    defaults = event.data.get("defaults", [])
    assert ("hz" in defaults) == (hz is None)
    assert event.data["hz"] == (hz or "440")
    assert ("timeout" in defaults) == (don is None and doff is None and timeout is None)
    if "timeout" in defaults:
        assert event.data["length"] == 30000
