"""Properties of the TwiML import over generated TwiML documents.

The strategy draws documents from the importer's own table of TwiML (verbs, their attributes
and kinds of value, what nests where), with good and bad values, comments, whitespace, SSML,
nouns inside Dial, and sometimes verbs Opentact has no counterpart for or names TwiML does
not have. Whatever it draws, the converted document must lint without errors, read back to
the same model, and the report must account for every element and attribute at its line.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from lxml import etree

from callflow.importers import ALLOWED_WARNINGS, Status, convert_twiml
from callflow.importers import twiml_vocab as vocab
from callflow.importers.report import TEXT
from callflow.lint import lint_source
from callflow.parser import parse
from callflow.serializer import to_xml

WORDS = st.text(
    st.characters(codec="utf-8", categories=("L", "N", "P", "Zs"), exclude_characters="\x85"),
    max_size=30,
)
URLS = st.sampled_from([
    "https://cdn.example.com/a.mp3", "http://ivr.example.com/next", "/menu", "next.xml",
    "ftp://files.example.com/x", "a b.mp3", "//cdn.example.com/b.wav", "",
])  # fmt: skip
VALUES: dict[str, st.SearchStrategy[str]] = {
    "seconds": st.one_of(st.integers(0, 120).map(str), st.sampled_from(["2.5", "x", "", "-1"])),
    "count": st.one_of(st.integers(0, 40).map(str), st.sampled_from(["x", ""])),
    "loop": st.one_of(st.integers(0, 5).map(str), st.sampled_from(["-1", "many"])),
    "key": st.sampled_from(["#", "*", "0", "5", "", "ab", "##", "+"]),
    "keys": st.sampled_from(["#", "*#", "1234567890*#", "", "x", "12a"]),
    "url": URLS,
    "method": st.sampled_from(["GET", "POST", "get", "post", "PUT", ""]),
    "bool": st.sampled_from(["true", "false", "TRUE", "maybe"]),
    "voice": st.sampled_from(
        [
            "man",
            "woman",
            "alice",
            "Polly.Joanna",
            "Polly.Hans-Neural",
            "Polly.Nobody",
            "Google.en-GB-Wavenet-B",
            "Google.xx",
            "robot",
            "",
        ]
    ),
    "language": st.sampled_from(["en-US", "en-gb", "fr", "de-DE", "12", "", "pt_BR"]),
    "input": st.sampled_from(["dtmf", "speech", "dtmf speech", "speech dtmf", "voice"]),
    "digits": st.text(st.sampled_from("0123456789*#wWx"), max_size=8),
    "reason": st.sampled_from(["rejected", "busy", "nope"]),
    "text": WORDS,
}
NUMBERS = st.sampled_from(["+15550100", "+1 (555) 010-0199", "5550100", "sales", ""])
SIP = st.sampled_from(["sip:a@pbx.example.com", "sip:b@pbx.example.com;transport=tls", "b d"])
PLAIN = ("Say", "Play", "Pause", "Hangup", "Reject", "Redirect", "Record")
UNKNOWN = ("Whisper", "say", "Conference", "Number")


@st.composite
def attributes(draw: st.DrawFn, tag: str) -> dict[str, str]:
    known = (vocab.CONVERTIBLE.get(tag) or vocab.NOUNS.get(tag) or vocab.Element()).attrs
    names = draw(st.lists(st.sampled_from(sorted(known)), max_size=4, unique=True)) if known else []
    out = {name: draw(VALUES[known[name]]) for name in names}
    if draw(st.integers(0, 9)) == 0:
        out["bogusAttr"] = draw(WORDS)
    return out


def element(draw: st.DrawFn, parent: Any, tag: str) -> Any:
    el = etree.SubElement(parent, tag, draw(attributes(tag)))
    if draw(st.integers(0, 6)) == 0:
        el.append(etree.Comment(" note "))
    return el


def say(draw: st.DrawFn, parent: Any) -> None:
    el = element(draw, parent, "Say")
    el.text = draw(WORDS)
    for _ in range(draw(st.integers(0, 2))):
        tag = draw(st.sampled_from([*vocab.SSML, "blink"]))
        inner = etree.SubElement(el, tag, {"alias": "alias text"} if tag == "sub" else {})
        inner.text, inner.tail = draw(WORDS), draw(WORDS)


def prompt(draw: st.DrawFn, parent: Any, tag: str) -> None:
    if tag == "Say":
        say(draw, parent)
        return
    el = element(draw, parent, tag)
    if tag == "Play":
        el.text = draw(URLS)


def dial(draw: st.DrawFn, parent: Any) -> None:
    el = element(draw, parent, "Dial")
    if draw(st.booleans()):
        el.text = draw(NUMBERS)
        return
    for noun in draw(st.lists(st.sampled_from(vocab.CONVERTIBLE["Dial"].children), max_size=3)):
        child = element(draw, el, noun)
        if noun == "Number":
            child.text = draw(NUMBERS)
        elif noun == "Sip":
            child.text = draw(SIP)
        elif noun == "Client" and draw(st.booleans()):
            etree.SubElement(child, "Identity").text = draw(st.sampled_from(["joey", "a b", ""]))
        else:
            child.text = draw(st.sampled_from(["joey", "standup", ""]))


def verb(draw: st.DrawFn, root: Any) -> None:
    kind = draw(st.sampled_from(["plain", "plain", "plain", "gather", "dial", "other", "comment"]))
    if kind == "comment":
        root.append(etree.Comment(" a comment - with a dash "))
    elif kind == "gather":
        gather = element(draw, root, "Gather")
        allowed = vocab.CONVERTIBLE["Gather"].children
        for tag in draw(st.lists(st.sampled_from([*allowed, *allowed, "Dial"]), max_size=4)):
            if tag == "Dial":
                dial(draw, gather)
            else:
                prompt(draw, gather, tag)
    elif kind == "dial":
        dial(draw, root)
    elif kind == "other":
        tag = draw(st.sampled_from([*sorted(vocab.NOT_CONVERTIBLE), *UNKNOWN]))
        element(draw, root, tag).text = draw(WORDS)
    else:
        tag = draw(st.sampled_from(PLAIN))
        if tag in ("Say", "Play", "Pause"):
            prompt(draw, root, tag)
            return
        el = element(draw, root, tag)
        if tag == "Redirect":
            el.text = draw(URLS)
        elif tag in ("Hangup", "Reject") and draw(st.booleans()):
            name = draw(st.sampled_from(["reason", "two words", ""]))
            etree.SubElement(el, "Parameter", {"name": name, "value": draw(WORDS)})


@st.composite
def twiml_documents(draw: st.DrawFn) -> str:
    root = etree.Element("Response")
    for _ in range(draw(st.integers(0, 6))):
        verb(draw, root)
    pretty = draw(st.booleans())
    text: str = etree.tostring(root, encoding="unicode", pretty_print=pretty)
    return '<?xml version="1.0" encoding="UTF-8"?>\n' + text


OPTIONS = st.fixed_dictionaries(
    {},
    optional={
        "base_url": st.sampled_from(["https://ivr.example.com/app/", "http://x.example/a.xml"]),
        "client_domain": st.sampled_from(["pbx.example.com", "sip.example.com:5061"]),
    },
)


@given(twiml_documents(), OPTIONS)
def test_every_conversion_lints_without_errors_and_reads_back(text: str, options: Any) -> None:
    model, _ = convert_twiml(text, **options)
    xml = to_xml(model)
    findings = lint_source(xml)
    assert [f.render() for f in findings if f.severity == "error"] == [], xml
    assert {f.code for f in findings} <= ALLOWED_WARNINGS, xml
    assert parse(xml) == model


@given(twiml_documents(), OPTIONS)
def test_the_report_accounts_for_every_element_and_attribute_at_its_line(
    text: str, options: Any
) -> None:
    _, report = convert_twiml(text, **options)
    root: Any = etree.fromstring(text.encode("utf-8"))
    elements: Counter[tuple[str, int]] = Counter()
    attrs: Counter[tuple[str, str, str]] = Counter()
    for el in root.iter():
        if isinstance(el.tag, str):
            elements[str(el.tag), el.sourceline or 0] += 1
            attrs.update((el.tag, str(name), str(value)) for name, value in el.attrib.items())
    assert Counter((e.element, e.line) for e in report.entries if e.attribute is None) == elements
    written = [e for e in report.entries if e.attribute not in (None, TEXT) and not e.implicit]
    assert Counter((e.element, e.attribute, e.value) for e in written) == attrs
    assert all(e.note for e in report.entries if e.status is not Status.EXACT)


@given(twiml_documents(), OPTIONS)
def test_a_verb_without_counterpart_is_reported_not_convertible(text: str, options: Any) -> None:
    """Unless it comes after the verb that ends the document, where it never runs anyway."""
    _, report = convert_twiml(text, **options)
    root: Any = etree.fromstring(text.encode("utf-8"))
    foreign = {
        (str(el.tag), el.sourceline or 0) for el in root
        if isinstance(el.tag, str) and el.tag not in vocab.CONVERTIBLE
    }  # fmt: skip
    # A nested element of the same name on the same line (a <Number> in a <Dial>, all on one
    # line) cannot be told apart by (name, line): those keys are left out of the check.
    foreign -= {
        (str(el.tag), el.sourceline or 0) for el in root.iter()
        if isinstance(el.tag, str) and el is not root and el.getparent() is not root
    }  # fmt: skip
    for entry in report.entries:
        top = entry.attribute is None and entry.within is None  # not a nested namesake
        if top and (entry.element, entry.line) in foreign:
            dead = entry.status is Status.EXACT and entry.note.startswith("left out: never runs")
            assert entry.status is Status.NOT_CONVERTIBLE or dead, entry
