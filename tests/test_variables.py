"""Placeholders: where they count, how values are escaped, what a missing value says, and the
property that any text value renders into a document that speaks exactly that value."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from callflow import Response, Say, lint, parse
from callflow import model as m
from callflow.builder import Meta
from callflow.parser import load_bytes
from callflow.serializer import escape_text, to_xml
from callflow.variables import (
    BAD_CHARACTER,
    MISPLACED_PLACEHOLDER,
    MISSING_VALUE,
    NEAR_PLACEHOLDER,
    TEMPLATE_HINT,
    RenderError,
    Template,
    escape,
    find,
    render,
    render_model,
)

XML_TEXT = st.text(
    st.characters(blacklist_categories=("Cs",), blacklist_characters="\ufffe\uffff").filter(
        lambda c: c in "\t\n\r" or ord(c) >= 0x20
    ),
    max_size=40,
)
"""Any text XML 1.0 can carry, with the characters that need escaping among it."""
SPECIAL = st.text(st.sampled_from("<>&\"' \t\r\n{}é漢🙂ab"), max_size=20)


def said(xml: str) -> str:
    """The one Say's words in a rendered document (which must parse)."""
    doc = parse(xml)
    says = [c for c in doc.children if isinstance(c, m.Say)]
    assert len(says) == 1
    return says[0].spoken


def test_placeholders_are_found_in_text_cdata_and_attributes_with_their_place() -> None:
    text = (
        '<?xml version="1.0"?>\n<!-- {not_me} -->\n<Response>\n'
        "  <Gather timeout=\"{t}\" tag='{tag}'><Say>Hi {name}</Say></Gather>\n"
        "  <Say><![CDATA[{code}]]></Say>\n</Response>\n"
    )
    found = find(text)
    assert [(p.name, p.line, p.col, p.element, p.attribute, p.context) for p in found] == [
        ("t", 4, 20, "Gather", "timeout", "attr"),
        ("tag", 4, 30, "Gather", "tag", "attr'"),
        ("name", 4, 45, "Say", None, "text"),
        ("code", 5, 17, "Say", None, "cdata"),
    ]


def test_doubled_braces_are_literal_and_other_braces_stay_as_written() -> None:
    text = '<Response><Say>{{name}} {"a": 1} }} {x}</Say><Meta name="j" value="{{}}"/></Response>'
    template = Template(text)
    assert [p.name for p in template.placeholders] == ["x"]
    doc = parse(template.render({"x": "X"}))
    assert isinstance(doc.children[0], m.Say)
    assert doc.children[0].spoken == '{name} {"a": 1} } X'
    assert isinstance(doc.children[1], m.Meta)
    assert doc.children[1].value == "{}"


def test_a_mistyped_placeholder_is_a_warning_and_a_brace_in_a_name_an_error() -> None:
    template = Template('<Response><Say>Hi {first name}</Say><Say a{x}="1">b</Say></Response>')
    codes = [(f.code, f.severity, f.col) for f in template.findings]
    assert (NEAR_PLACEHOLDER.code, "warning", 19) in codes
    assert any(code == MISPLACED_PLACEHOLDER.code and sev == "error" for code, sev, _ in codes)
    assert template.placeholders == ()  # neither is a placeholder


def test_values_are_escaped_for_where_they_go() -> None:
    text = "<Response><Say text=\"{a}\" tag='{b}'/><Say>{c}</Say></Response>"
    value = 'O\'Brien "JJ" <Jr.> & co, café 漢字'
    doc = parse(render(text, {"a": value, "b": value, "c": value}))
    first, second = doc.children
    assert isinstance(first, m.Say) and isinstance(second, m.Say)
    assert first.text == value and first.tag == value
    assert second.spoken == value


def test_a_value_with_line_breaks_keeps_the_template_lines() -> None:
    text = '<Response>\n  <Say>{a}</Say>\n  <Say text="{a}"/>\n  <Pause length="x"/>\n</Response>\n'
    rendered = render(text, {"a": "one\ntwo\r\nthree"})
    assert rendered.count("\n") == text.count("\n")
    loaded = load_bytes(rendered.encode())
    assert [f.line for f in loaded.findings] == [4]  # the bad Pause, on the template's line


def test_a_missing_value_names_the_placeholder_and_its_line() -> None:
    template = Template(
        "<Response>\n<Say>Hi {first_name}</Say>\n<Say>{first_name}</Say>\n</Response>"
    )
    with pytest.raises(RenderError) as caught:
        template.render({"other": "x"})
    [(holder, rule, message)] = caught.value.problems
    assert rule is MISSING_VALUE
    assert (holder.name, holder.line, holder.col) == ("first_name", 2, 9)
    assert "{first_name}" in message and "text of Say" in message


@pytest.mark.parametrize("bad", ["\x00", "\x1b", "\ufffe", "a\ud800b"])
def test_a_character_xml_cannot_carry_is_refused(bad: str) -> None:
    with pytest.raises(RenderError) as caught:
        render("<Response><Say>{v}</Say></Response>", {"v": bad})
    assert caught.value.problems[0][1] is BAD_CHARACTER


# ---- the rendering property ------------------------------------------------------------------


@given(XML_TEXT | SPECIAL)
def test_any_value_in_an_attribute_is_spoken_exactly(value: str) -> None:
    for quote in ('"', "'"):
        xml = render(f"<Response><Say text={quote}{{v}}{quote}/></Response>", {"v": value})
        if value:  # an empty text is a Say without words: parsed, but no prompt
            assert said(xml) == value


@given(XML_TEXT | SPECIAL)
def test_any_value_in_element_text_is_spoken_without_surrounding_whitespace(value: str) -> None:
    """The parser strips element text (``str.strip``), so does a rendered one."""
    for body in ("{v}", "<![CDATA[{v}]]>"):
        xml = render(f"<Response><Say>{body}</Say></Response>", {"v": value})
        if value.strip():
            assert said(xml) == value.strip()
    inside = render("<Response><Say>Hello {v}!</Say></Response>", {"v": value})
    assert said(inside) == f"Hello {value}!"


@given(XML_TEXT | SPECIAL)
def test_escape_makes_any_text_literal_template_text(value: str) -> None:
    xml = render(f"<Response><Say>[{escape_text(escape(value))}]</Say></Response>", {})
    assert said(xml) == f"[{value}]"


@given(XML_TEXT | SPECIAL)
def test_model_and_text_rendering_agree(value: str) -> None:
    built = Response(Say("Hello {v}!", tag="{v}x"), Meta("who", "{v}")).build()
    by_model = render_model(built, {"v": value})
    by_text = parse(render(to_xml(built), {"v": value}))
    assert by_model == by_text


# ---- model level, and lint on a template ----------------------------------------------------


def test_render_model_fills_strings_checks_types_and_leaves_comments() -> None:
    built = Response(Say("Hi {name}"), m.Comment(text=" {name} ")).build()
    done = render_model(built, {"name": "  Ann  "})
    say, comment = done.children
    assert isinstance(say, m.Say) and say.content == "Hi   Ann"  # stripped as parsed text is
    assert isinstance(comment, m.Comment) and comment.text == " {name} "
    with pytest.raises(RenderError):
        render_model(built, {})
    url = Response(m.Play(url="https://a.example.com/{file}")).build()
    with pytest.raises(ValueError, match="Play url"):
        render_model(url, {"file": "a b.mp3"})


def test_lint_on_a_template_hints_at_render_and_campaign() -> None:
    findings = lint('<Response><Gather timeout="{t}"><Say>x</Say></Gather></Response>')
    assert [f.code for f in findings] == ["CF006"]
    assert findings[0].hint == TEMPLATE_HINT
    plain = lint('<Response><Gather timeout="soon"><Say>x</Say></Gather></Response>')
    assert plain[0].hint != TEMPLATE_HINT
