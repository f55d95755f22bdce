"""Structured but wrong: well-formed documents built with no regard for the grammar (any
element anywhere, aliases and mis-cased names, unknown names, attribute soup, values of the
wrong type, stray text, comments that look like markup, every kind of line break).

``tests/test_robustness.py`` breaks valid documents and checks that nothing raises and that
findings fall inside the document. Here the documents are written by the test itself, so it
knows where every start tag and every attribute name begins, and can hold each finding to
pointing exactly at one of them: at an element of the name the message gives, at an
attribute of the name the message gives.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from xml.sax.saxutils import escape, quoteattr

from hypothesis import example, given
from hypothesis import strategies as st
from strategies import raw_values, xml_text

from callflow import grammar as g
from callflow import types as t
from callflow.diagnostics import Finding
from callflow.lint import lint_source
from callflow.parser import PARSE_RULES

CANONICAL = sorted(g.CLASS_BY_TAG)
ALIASES = [*sorted(name for name, rule in g.ELEMENTS.items() if rule.alias_of), g.SWITCH]
MISCASED = sorted({v for n in CANONICAL for v in (n.lower(), n.upper())} - set(g.ELEMENTS))
STRANGERS = ["Speak", "Number", "Redirect", "Conference", "Foo", "say_", "Response2"]
NAMES = st.from_regex(r"[A-Za-wyz_][A-Za-z0-9_.-]{0,7}", fullmatch=True)  # no xml* prefix
ELEMENT_NAMES = st.sampled_from(CANONICAL + ALIASES + MISCASED + STRANGERS) | NAMES
ATTR_NAMES = st.sampled_from(sorted({a for r in g.ELEMENTS.values() for a in r.attrs})) | NAMES
VALUE_TYPES = st.sampled_from([*t.ALL_TYPES, t.DESTINATION])
BREAKS = st.sampled_from(["\n", "\r\n", "\r"])
SPACE = st.sampled_from([" ", "  ", "\t"]) | BREAKS.map(lambda b: b + "    ")
ENTITIES = {"\n": "&#10;", "\r": "&#13;", "\t": "&#9;"}


@dataclass
class Written:
    """A document and where the test put each start tag and each attribute name."""

    text: str = ""
    tags: dict[int, str] = field(default_factory=dict)
    attrs: dict[int, tuple[str, str]] = field(default_factory=dict)

    def add(self, piece: str) -> None:
        self.text += piece


@st.composite
def wrong_element(draw: st.DrawFn, out: Written, depth: int, name: str | None = None) -> None:
    name = name or draw(ELEMENT_NAMES)
    out.tags[len(out.text)] = name
    out.add(f"<{name}")
    for attr in draw(st.lists(ATTR_NAMES, max_size=4, unique=True)):
        out.add(draw(SPACE))
        out.attrs[len(out.text)] = (name, attr)
        value = draw(raw_values(draw(VALUE_TYPES)) | xml_text(max_size=10))
        out.add(f"{attr}={quoteattr(value, ENTITIES)}")
    out.add(draw(st.sampled_from(["", " "])))
    children = draw(st.integers(0, 4 if depth < 4 else 0))
    if not children and draw(st.booleans()):
        out.add("/>")
        return
    out.add(">")
    for _ in range(children):
        out.add(draw(st.just("") | SPACE))
        kind = draw(st.sampled_from(["element", "element", "element", "text", "comment"]))
        if kind == "text":
            out.add(escape(draw(xml_text(max_size=12))))
        elif kind == "comment":  # markup inside a comment must not be taken for a tag
            fake = draw(st.sampled_from(["<Say a='1'>", "<Dial>", "</Response>", "x", ""]))
            out.add(f"<!--{fake}-->")
        else:
            draw(wrong_element(out, depth + 1))
    out.add(draw(st.just("") | SPACE) + f"</{name}>")


@st.composite
def wrong_documents(draw: st.DrawFn) -> Written:
    out = Written()
    if draw(st.booleans()):
        out.add('<?xml version="1.0"?>' + draw(BREAKS))
    if draw(st.booleans()):
        out.add("<!-- <Response><Say>not me</Say></Response> -->" + draw(BREAKS))
    root = draw(st.sampled_from(["Response"] * 8 + ["response", "Document"]))
    draw(wrong_element(out, 0, root))
    out.add(draw(BREAKS))
    return out


def line_col(text: str, offset: int) -> tuple[int, int]:
    starts = [0] + [b.end() for b in re.finditer(r"\r\n?|\n", text)]
    line = bisect.bisect_right(starts, offset)
    return line, offset - starts[line - 1] + 1


PARSE_CODES = {info.code for info in PARSE_RULES}
NAMED_ELEMENT = {
    "CF002": re.compile(r"not (?P<tag>\S+)$"),
    "CF003": re.compile(r"^unknown element (?P<tag>\S+) "),
    "CF004": re.compile(r"^(?P<tag>\S+) is not allowed inside "),
    "CF007": re.compile(r"^(?P<tag>\S+) needs the attribute "),
    "CF008": re.compile(r"^(?P<tag>[^\s:]+)(?::| does not take)"),
}
NAMED_ATTRIBUTE = {
    "CF005": re.compile(r"^unknown attribute (?P<attr>\S+) on (?P<tag>\S+)"),
    "CF006": re.compile(r"^(?P<tag>\S+) (?P<attr>\S+): "),
}


def check_placed(finding: Finding, doc: Written) -> None:
    tags = {line_col(doc.text, at): name for at, name in doc.tags.items()}
    attrs = {line_col(doc.text, at): pair for at, pair in doc.attrs.items()}
    where = (finding.line, finding.col)
    if finding.code in NAMED_ELEMENT:
        named = NAMED_ELEMENT[finding.code].search(finding.message)
        assert named, finding
        assert tags.get(where) == named["tag"], (finding, tags)
    elif finding.code in NAMED_ATTRIBUTE:
        named = NAMED_ATTRIBUTE[finding.code].search(finding.message)
        assert named, finding
        if named["attr"] == "content":  # a text value of the wrong type: at its element
            assert tags.get(where) == named["tag"], (finding, tags)
        else:
            assert attrs.get(where) == (named["tag"], named["attr"]), (finding, attrs)
    else:  # the semantic rules point at a start tag or at an attribute name
        assert where in tags or where in attrs, (finding, tags, attrs)


@example(Written('<Response>\r<Say\r  voice="x">a</Say></Response>', {0: "Response", 11: "Say"},
                 {18: ("Say", "voice")}))  # fmt: skip
@example(Written("<Response><!--<Say a='1'>--><Dial>\r\n<Say/></Dial></Response>",
                 {0: "Response", 28: "Dial", 36: "Say"}))  # fmt: skip
@given(wrong_documents())
def test_every_finding_points_at_the_element_or_attribute_it_names(doc: Written) -> None:
    for encoding in ("utf-8", "utf-16"):
        findings = lint_source(doc.text.encode(encoding))
        assert findings == lint_source(doc.text.encode("utf-8")) or encoding == "utf-8"
        for finding in findings:
            assert finding.code != "CF001", (finding, doc.text)  # it is well-formed
            assert finding.message.strip() and "\n" not in finding.render()
            check_placed(finding, doc)


@given(wrong_documents(), st.sampled_from(["\x00", "&", "<", "\x0b"]))
def test_a_wrong_document_made_ill_formed_is_one_cf001_on_that_line(
    doc: Written, junk: str
) -> None:
    """The same documents with one character no XML may hold where it is put: one finding,
    on the junk's line for a character never allowed, not before it for markup (the parser
    may read on: ``<`` then ``A`` is a start tag until the next line proves it is not)."""
    at = doc.text.index(">", max(doc.tags)) + 1
    broken = doc.text[:at] + junk + doc.text[at:]
    (finding,) = lint_source(broken.encode("utf-8"))
    assert finding.code == "CF001", finding
    line = line_col(broken, at)[0]
    if junk in "&<":
        assert line <= finding.line <= line_col(broken, len(broken))[0], (finding, broken)
    else:
        assert finding.line == line, (finding, broken)
