"""The parser: positions, alias normalisation, comments and text, findings, and safety."""

from __future__ import annotations

import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import ClassVar

import pytest
from hypothesis import given
from hypothesis import strategies as st
from strategies import valid_documents

from callflow import model as m
from callflow import parser
from callflow.diagnostics import Finding
from callflow.parser import Loaded, ParseError, load, parse

PARSE_CODES = {info.code for info in parser.PARSE_RULES}


def col(line_text: str, marker: str, nth: int = 0) -> int:
    """1-based column of the nth occurrence of ``marker`` in one line of a test document."""
    index = -1
    for _ in range(nth + 1):
        index = line_text.index(marker, index + 1)
    return index + 1


def at(doc: str, line: int, marker: str, nth: int = 0) -> tuple[int, int]:
    return line, col(doc.split("\n")[line - 1], marker, nth)


def walk(node: m.Node) -> Iterator[m.Node]:
    yield node
    for child in node.children:
        yield from walk(child)


def document_order(model: m.Response) -> list[m.Node]:
    return [*model.leading, *walk(model), *model.trailing]


def only_finding(loaded: Loaded) -> Finding:
    assert loaded.model is None
    assert len(loaded.findings) == 1, loaded.findings
    return loaded.findings[0]


# ---- positions -----------------------------------------------------------------------------

POSITIONS = """<?xml version="1.0" encoding="UTF-8"?>
<!-- lead -->
<Response>
  <Say>One</Say> <Say>Two</Say>
  <!-- a <Say> in a comment --> <Pause/>
  <RecordStart/><Record tag="r"/>
  <Play
      url="https://media.example.com/a.mp3"/>
  <Say><![CDATA[<Say>]]>x\u2028y</Say><Hangup/>
</Response>
<!-- trail -->
"""


def test_every_element_and_comment_has_its_line_and_column() -> None:
    model = parse(POSITIONS)
    got = [(type(n).__name__, n.pos.line, n.pos.col) for n in document_order(model) if n.pos]
    d = POSITIONS
    expected = [
        ("Comment", *at(d, 2, "<!--")),
        ("Response", *at(d, 3, "<Response")),
        ("Say", *at(d, 4, "<Say", 0)),
        ("Say", *at(d, 4, "<Say", 1)),
        ("Comment", *at(d, 5, "<!--")),
        ("Pause", *at(d, 5, "<Pause")),
        ("RecordStart", *at(d, 6, "<RecordStart")),
        ("Record", *at(d, 6, "<Record ")),
        ("Play", *at(d, 7, "<Play")),
        ("Say", *at(d, 9, "<Say")),
        ("Hangup", *at(d, 9, "<Hangup")),
        ("Comment", *at(d, 11, "<!--")),
    ]
    assert got == expected


def test_positions_carry_the_file_name(tmp_path: Path) -> None:
    path = tmp_path / "flow.xml"
    path.write_text("<Response>\n  <Hangup/>\n</Response>\n", encoding="utf-8")
    model = parse(path)
    assert model.children[0].pos == m.Pos(str(path), 2, 3)
    assert parse(path.read_text(encoding="utf-8")).children[0].pos == m.Pos(None, 2, 3)


def test_crlf_line_endings_count_as_one_line_break() -> None:
    model = parse("<Response>\r\n  <Say>a</Say>\r\n    <Hangup/>\r\n</Response>\r\n")
    assert [(n.pos.line, n.pos.col) for n in model.children if n.pos] == [(2, 3), (3, 5)]


def offset(text: str, pos: m.Pos) -> int:
    lines = text.split("\n")
    return sum(len(line) + 1 for line in lines[: pos.line - 1]) + pos.col - 1


@given(valid_documents())
def test_each_position_points_at_its_own_tag_in_document_order(doc: str) -> None:
    offsets = []
    for node in document_order(parse(doc)):
        assert node.pos is not None
        where = offset(doc, node.pos)
        if isinstance(node, m.Comment):
            assert doc.startswith(f"<!--{node.text}-->", where)
        else:
            assert re.match(rf"<{node.TAG}[\s/>]", doc[where:]), (node.TAG, doc[where:][:30])
        offsets.append(where)
    assert offsets == sorted(set(offsets))


# ---- aliases ---------------------------------------------------------------------------------

LEGACY = """<Response>
  <Scheduler dow="mon" time="09:00:00-10:00:00"><Say>x</Say></Scheduler>
  <Gather numDigits="2" finishOnKey="*" callback="https://ivr.example.com/g" method="post">
    <Switch>
      <Case dtmf="12"><Say>a</Say></Case>
      <Default/>
      <Error say="true"/>
    </Switch>
  </Gather>
  <Gather length="3"/>
  <Tone hz="440" v="-3"/>
  <Dial><Sip>1000@pbx.example.net:5060</Sip></Dial>
  <callback>https://ivr.example.com/next</callback>
</Response>
"""


def test_aliases_give_the_same_model_as_canonical_names() -> None:
    canonical = m.Response(
        children=(
            m.Schedule(dow=("mon",), time="09:00:00-10:00:00", children=(m.Say(content="x"),)),
            m.Gather(
                dtmf_length=2,
                dtmf_stop="*",
                url="https://ivr.example.com/g",
                method="POST",
                children=(
                    m.DTMF(value="12", children=(m.Say(content="a"),)),
                    m.Default(),
                    m.Error(play=True),
                ),
            ),
            m.Gather(dtmf_length=3),
            m.Tone(hz="440", volume=-3),
            m.Dial(children=(m.To(content="1000@pbx.example.net:5060"),)),
            m.Callback(url="https://ivr.example.com/next"),
        )
    )
    assert parse(LEGACY) == canonical


def spelled(node: m.Node) -> m.Spelling:
    assert node.spelling is not None, node
    return node.spelling


def test_alias_spellings_are_kept() -> None:
    schedule, gather, short_gather, tone, dial, callback = parse(LEGACY).commands
    assert spelled(schedule).element == "Scheduler"
    assert spelled(gather).element is None
    assert spelled(gather).attrs == (
        ("dtmf_length", "numDigits"),
        ("dtmf_stop", "finishOnKey"),
        ("url", "callback"),
    )
    assert spelled(gather).values == (("method", "post"),)
    assert spelled(short_gather).attrs == (("dtmf_length", "length"),)
    assert spelled(tone).attrs == (("volume", "v"),)
    assert spelled(dial.children[0]).element == "Sip"
    assert spelled(callback).element == "callback"
    assert spelled(callback).attrs == (("url", "#content"),)


def test_switch_is_dissolved_into_the_gather_and_remembered() -> None:
    gather = parse(LEGACY).children[1]
    switch_at = m.Pos(None, *at(LEGACY, 4, "<Switch"))
    case, default, error = gather.children
    assert isinstance(case, m.DTMF) and isinstance(default, m.Default)
    assert isinstance(error, m.Error)
    assert spelled(case).element == "Case"
    assert spelled(case).attrs == (("value", "dtmf"),)
    assert spelled(error).attrs == (("play", "say"),)
    assert {spelled(n).wrapper for n in gather.children} == {switch_at}
    assert gather.spelling is not None and gather.spelling.wrapper is None


@pytest.mark.parametrize(
    ("doc", "field", "value", "conflict"),
    [
        ('<Gather dtmf_length="1" numDigits="2"/>', "dtmf_length", 1, ("numDigits", "2")),
        ('<Gather numDigits="2" dtmf_length="1"/>', "dtmf_length", 1, ("numDigits", "2")),
        ('<Gather numDigits="2" length="3"/>', "dtmf_length", 2, ("length", "3")),
        ('<Error play="true" say="false"/>', "play", True, ("say", "false")),
        ('<Tone hz="1" volume="0" v="-9"/>', "volume", 0, ("v", "-9")),
        ('<Callback url="https://a.example">https://b.example</Callback>', "url",
         "https://a.example", ("#content", "https://b.example")),
    ],
)  # fmt: skip
def test_alias_and_canonical_both_given_is_recorded(
    doc: str, field: str, value: object, conflict: tuple[str, str]
) -> None:
    node = parse(f"<Response>{doc}</Response>").children[0]
    assert getattr(node, field) == value
    assert spelled(node).conflicts == ((field, *conflict),)


@pytest.mark.parametrize("written", ["post", "Post", "pOsT"])
def test_method_case_is_normalised_and_the_raw_value_kept(written: str) -> None:
    doc = f'<Response><Curl url="https://x.example" method="{written}"/></Response>'
    curl = parse(doc).children[0]
    assert isinstance(curl, m.Curl)
    assert curl.method == "POST"
    assert spelled(curl).values == (("method", written),)


def test_canonical_spelling_leaves_no_trace() -> None:
    doc = '<Response><Gather dtmf_length="2" method="POST"><DTMF value="12"/></Gather></Response>'
    assert all(n.spelling is None for n in walk(parse(doc)))


# ---- comments and text -----------------------------------------------------------------------


def test_comments_are_kept_before_inside_and_after() -> None:
    doc = (
        "<!-- one --><!--two-->\n<Response>\n  <!-- in -->\n  <Say>Hi <!-- mid --> there</Say>\n"
        "  <Gather><Switch><!-- sw --><Case dtmf='1'/></Switch></Gather>\n</Response>\n<!-- end -->"
    )
    model = parse(doc)
    assert [c.text for c in model.leading] == [" one ", "two"]
    assert [c.text for c in model.trailing] == [" end "]
    comment, say, gather = model.children
    assert comment == m.Comment(text=" in ")
    assert say.children == (m.Comment(text=" mid "),)
    assert isinstance(say, m.Say) and say.content == "Hi  there"
    assert gather.children[0] == m.Comment(text=" sw ")


def test_text_is_stripped() -> None:
    doc = (
        "<Response>\n  <Say>\n    Hello,  world.\n  </Say>\n"
        "  <Dial><To>\n   +15551234567 \n</To></Dial>\n"
        "  <Meta name='note'>\n    two\n    lines\n  </Meta>\n</Response>"
    )
    say, dial, meta = parse(doc).children
    assert isinstance(say, m.Say) and say.content == "Hello,  world."
    assert dial.children == (m.To(content="+15551234567"),)
    assert isinstance(meta, m.Meta) and meta.content == "two\n    lines"


def test_whitespace_only_text_is_no_text() -> None:
    say = parse("<Response><Say lang='en-US'>  \n </Say></Response>").children[0]
    assert isinstance(say, m.Say) and say.content is None


# ---- findings of the schema stage ------------------------------------------------------------

# (document, code, line, marker of the reported column, words the rendered finding must hold)
SCHEMA_CASES = [
    ("<?xml version='1.0'?>\n<Document>\n  <Say>Hi</Say>\n</Document>", "CF002", 2, "<Document",
     ["Response", "Document"]),
    ("<Response>\n  <Say>Hi</Say> <Speak>x</Speak>\n</Response>", "CF003", 2, "<Speak",
     ["unknown element", "Speak", "did you mean Say?"]),
    ("<Response>\n  <Dial>\n    <To>+1555</To><Say>x</Say>\n  </Dial>\n</Response>", "CF004", 3,
     "<Say", ["Say", "Dial", "allowed here: Error, Meta, Sip, To"]),
    ("<Response>\n  <Say\n    lang='en-US' voice='alice'>x</Say>\n</Response>", "CF005", 3,
     "voice=", ["voice", "Say", "allowed", "lang"]),
    ("<Response>\n  <Pause length='two seconds'/>\n</Response>", "CF006", 2, "length=",
     ["Pause length", "'two seconds'", "milliseconds"]),
    ("<Response>\n  <Dial><To>call me maybe</To></Dial>\n</Response>", "CF006", 2, "<To",
     ["To", "'call me maybe'", "phone number"]),
    ("<Response>\n  <Gather dtmf_stop='**'/>\n</Response>", "CF006", 2, "dtmf_stop=",
     ["Gather dtmf_stop", "'**'", "one DTMF key"]),
    ("<Response>\n  <Schedule dow='mon,tues'/>\n</Response>", "CF006", 2, "dow=",
     ["Schedule dow: 'tues' is not a day name (sun, mon, tue, wed, thu, fri, sat)"]),
    ("<Response>\n  <Geo states='NJ,XX'/>\n</Response>", "CF006", 2, "states=",
     ["Geo states: 'XX' is not a US state code"]),
    ("<Response>\n  <Meta value='1'/>\n</Response>", "CF007", 2, "<Meta", ["Meta", "name"]),
    ("<Response>\n  <Gather>\n    <DTMF><Say>x</Say></DTMF>\n  </Gather>\n</Response>", "CF007",
     3, "<DTMF", ["DTMF", "value"]),
    ("<Response>\n  <Gather><Switch>\n    <Case/></Switch></Gather>\n</Response>", "CF007", 3,
     "<Case", ["Case", "value"]),
    ("<Response>\n  <Hangup>bye</Hangup>\n</Response>", "CF008", 2, "<Hangup",
     ["Hangup", "text"]),
]  # fmt: skip


@pytest.mark.parametrize(("doc", "code", "line", "marker", "words"), SCHEMA_CASES)
def test_schema_findings_say_where_and_what(
    doc: str, code: str, line: int, marker: str, words: list[str]
) -> None:
    finding = only_finding(load(doc))
    assert (finding.code, finding.line, finding.col) == (code, *at(doc, line, marker))
    assert finding.severity == "error"
    for word in words:
        assert word in finding.render()
    assert "\n" not in finding.render()


def test_every_schema_stage_code_is_exercised() -> None:
    assert {case[1] for case in SCHEMA_CASES} == {f"CF00{n}" for n in range(2, 9)}


def test_two_bad_elements_on_one_line_give_two_findings() -> None:
    doc = "<Response>\n  <Say voice='a'>x</Say><Say voice='b'>y</Say>\n</Response>"
    findings = load(doc).findings
    assert [(f.code, f.line, f.col) for f in findings] == [
        ("CF005", *at(doc, 2, "voice=", 0)),
        ("CF005", *at(doc, 2, "voice=", 1)),
    ]


def test_not_well_formed_is_one_finding_with_its_position() -> None:
    doc = "<Response>\n  <Say>Hi</Say>\n  <Pause></Say>\n</Response>"
    finding = only_finding(load(doc))
    assert (finding.code, finding.line) == ("CF001", 3)
    assert "not well-formed" in finding.message and "Pause" in finding.message
    assert not re.search(r"line \d+, column \d+", finding.message)


def expected_line(path: Path) -> int:
    header = re.search(r"expect: line (\d+)", path.read_text(encoding="utf-8"))
    assert header, f"{path.name} has no 'expect: line N' header"
    return int(header.group(1))


def test_bad_examples_refused_by_the_parser_point_at_the_expected_line(bad_example: Path) -> None:
    loaded = load(bad_example)
    if loaded.model is not None:
        pytest.skip("a semantic mistake: the linter reports it (see the lint tests)")
    assert [f.line for f in loaded.findings] == [expected_line(bad_example)]
    assert all(f.file == str(bad_example) for f in loaded.findings)


# ---- safety ----------------------------------------------------------------------------------

BILLION_LAUGHS = """<?xml version="1.0"?>
<!DOCTYPE Response [
  <!ENTITY lol "lol">
  <!ENTITY lol1 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">
  <!ENTITY lol2 "&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;&lol1;">
  <!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">
  <!ENTITY lol4 "&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;&lol3;">
  <!ENTITY lol5 "&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;&lol4;">
  <!ENTITY lol6 "&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;&lol5;">
  <!ENTITY lol7 "&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;&lol6;">
  <!ENTITY lol8 "&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;&lol7;">
  <!ENTITY lol9 "&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;&lol8;">
]>
<Response><Say tag="&lol9;">&lol9;</Say></Response>
"""


def everything_said(loaded: Loaded) -> str:
    """All output a user or a later stage could see: findings, model, decoded text."""
    return "\n".join([*(f.render() for f in loaded.findings), repr(loaded.model), loaded.text])


@pytest.mark.parametrize("form", ["str", "bytes"])
def test_entity_bomb_is_refused_without_expansion(form: str) -> None:
    loaded = load(BILLION_LAUGHS if form == "str" else BILLION_LAUGHS.encode())
    finding = only_finding(loaded)
    assert (finding.code, finding.line) == ("CF009", 2)
    assert "lollol" not in everything_said(loaded)


def xxe_documents(target: str) -> list[str]:
    return [
        f'<!DOCTYPE Response [<!ENTITY xxe SYSTEM "{target}">]>\n'
        "<Response><Say>&xxe;</Say></Response>",
        f'<!DOCTYPE Response [<!ENTITY % p SYSTEM "{target}"> %p;]>\n'
        "<Response><Say>x</Say></Response>",
        f'<!DOCTYPE Response SYSTEM "{target}">\n<Response><Say>x</Say></Response>',
    ]


def test_external_entities_never_read_local_files(tmp_path: Path) -> None:
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-7f3a", encoding="utf-8")
    missing = tmp_path / "absent.txt"
    for target, absent in ((secret.as_uri(), missing.as_uri()), (str(secret), str(missing))):
        for doc, twin in zip(xxe_documents(target), xxe_documents(absent), strict=True):
            path = tmp_path / "flow.xml"
            path.write_text(doc, encoding="utf-8")
            for source in (doc, doc.encode(), path):
                loaded = load(source)
                assert only_finding(loaded).code == "CF009"
                assert "TOP-SECRET" not in everything_said(loaded)
            # Whether the file exists, and what it holds, makes no difference: it is not read.
            assert load(doc).findings == load(twin).findings


class _Recorder(BaseHTTPRequestHandler):
    requests: ClassVar[list[str]]

    def do_GET(self) -> None:
        type(self).requests.append(self.path)
        body = b'<!ENTITY hi "FETCHED-FROM-NETWORK">'
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def dtd_server() -> Iterator[tuple[str, list[str]]]:
    """A local HTTP server that would serve a DTD, recording every request it gets."""
    requests: list[str] = []
    handler = type("Handler", (_Recorder,), {"requests": requests})
    server = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/evil.dtd", requests
    finally:
        server.shutdown()
        server.server_close()


def test_remote_dtds_and_entities_are_refused_without_network(
    dtd_server: tuple[str, list[str]],
) -> None:
    url, requests = dtd_server
    docs = [
        *xxe_documents(url),
        f'<!DOCTYPE Response SYSTEM "{url}">\n<Response><Say>&hi;</Say></Response>',
    ]
    for doc in docs:
        loaded = load(doc)
        assert only_finding(loaded).code in {"CF009", "CF001"}
        assert "FETCHED" not in everything_said(loaded)
    assert requests == []


def nested(depth: int) -> str:
    """A document whose elements nest ``depth`` deep (Response counts as 1), one per line."""
    inner = depth - 1
    return "<Response>\n" + "<Record>\n" * inner + "</Record>" * inner + "\n</Response>"


def test_depth_at_the_limit_is_accepted() -> None:
    assert load(nested(parser.MAX_DEPTH)).model is not None


@pytest.mark.parametrize("extra", [1, 300])
def test_depth_over_the_limit_is_too_large(extra: int) -> None:
    finding = only_finding(load(nested(parser.MAX_DEPTH + extra)))
    assert finding.code == "CF010"
    assert str(parser.MAX_DEPTH) in finding.message
    if extra == 1:  # our own check names the element that is one level too deep
        assert (finding.line, finding.col) == (parser.MAX_DEPTH + 1, 1)


def test_documents_over_the_size_limit_are_too_large(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(parser, "MAX_BYTES", 2000)
    doc = "<Response><!--" + "x" * 2000 + "--></Response>"
    path = tmp_path / "big.xml"
    path.write_text(doc, encoding="utf-8")
    for source in (doc, doc.encode(), path, str(path)):
        finding = only_finding(load(source))
        assert (finding.code, finding.line, finding.col) == ("CF010", 1, 1)
        assert "2000" in finding.message
    small = "<Response><!--" + "x" * 1900 + "--></Response>"
    assert load(small).model is not None


# ---- encodings and sources -------------------------------------------------------------------

TWIN = "<Response>\n  <Say>Café ☎ 𝄞</Say>\n  <!-- ünï -->\n  <Hangup tag='ß'/>\n</Response>\n"


def same_parse(a: Loaded, b: Loaded) -> None:
    assert a.findings == b.findings == []
    assert a.model == b.model
    assert a.model is not None and b.model is not None
    assert [n.pos for n in document_order(a.model)] == [n.pos for n in document_order(b.model)]
    assert without_declaration(a.text) == without_declaration(b.text)


def without_declaration(text: str) -> str:
    return re.sub(r"^\ufeff?(<\?xml[^>]*\?>)?", "", text)


@pytest.mark.parametrize(
    ("declaration", "encode"),
    [
        ("", lambda s: b"\xef\xbb\xbf" + s.encode("utf-8")),
        ("", lambda s: s.encode("utf-16")),
        ("", lambda s: b"\xff\xfe" + s.encode("utf-16-le")),
        ("", lambda s: b"\xfe\xff" + s.encode("utf-16-be")),
        ('<?xml version="1.0" encoding="UTF-8"?>\n', lambda s: b"\xef\xbb\xbf" + s.encode()),
        ('<?xml version="1.0" encoding="UTF-16"?>\n', lambda s: s.encode("utf-16")),
        ('<?xml version="1.0" encoding="UTF-16"?>\n',
         lambda s: b"\xfe\xff" + s.encode("utf-16-be")),
    ],
    ids=["utf8-bom", "utf16", "utf16le-bom", "utf16be-bom", "utf8-bom-decl", "utf16-decl",
         "utf16be-decl"],
)  # fmt: skip
def test_bom_encodings_parse_like_plain_utf8(declaration: str, encode: object) -> None:
    assert callable(encode)
    plain = load((declaration.replace("UTF-16", "UTF-8") + TWIN).encode("utf-8"))
    same_parse(load(encode(declaration + TWIN)), plain)


@given(valid_documents(), st.sampled_from(["utf-8-sig", "utf-16", "utf-16-be"]))
def test_any_valid_document_parses_alike_in_any_bom_encoding(doc: str, codec: str) -> None:
    data = doc.encode(codec)
    if codec == "utf-16-be":
        data = b"\xfe\xff" + data
    same_parse(load(data), load(doc.encode("utf-8")))


@pytest.mark.parametrize("encoding", ["ISO-8859-1", "UTF-16", "windows-1252", "no-such-codec"])
def test_str_input_ignores_the_encoding_its_declaration_names(encoding: str) -> None:
    text = f'<?xml version="1.0" encoding="{encoding}"?>\n{TWIN}'
    bare = f'<?xml version="1.0"?>\n{TWIN}'
    same_parse(load(text), load(bare))
    say = parse(text).children[0]
    assert isinstance(say, m.Say) and say.content == "Café ☎ 𝄞"


def test_str_input_with_a_bom_character() -> None:
    same_parse(load("\ufeff" + TWIN), load(TWIN))


def test_missing_file_and_directory_are_unreadable(tmp_path: Path) -> None:
    for source in (tmp_path / "nope.xml", str(tmp_path / "nope.xml"), tmp_path):
        finding = only_finding(load(source))
        assert (finding.code, finding.line, finding.col) == ("CF011", 1, 1)
        assert finding.file == str(source)
        assert "cannot read" in finding.message
        with pytest.raises(ParseError) as raised:
            parse(source)
        assert [f.code for f in raised.value.findings] == ["CF011"]


def test_every_finding_code_is_a_parse_rule() -> None:
    docs = [case[0] for case in SCHEMA_CASES] + [BILLION_LAUGHS, "<Response>", nested(100)]
    codes = {f.code for doc in docs for f in load(doc).findings}
    assert codes <= PARSE_CODES
    assert {"CF001", "CF009", "CF010"} <= codes
