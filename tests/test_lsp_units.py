"""The language server's pieces, in process: every handler over every prefix of the example
flows (a document typed character by character), the fixes over generated documents, the
ranges and positions. The protocol itself is tested end to end in test_lsp.py."""

from __future__ import annotations

import contextlib
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

pytest.importorskip("pygls", reason="the lsp extra is not installed (pip install '.[lsp]')")

from lsprotocol import types as lsp

from callflow.lint import lint_source
from callflow.lsp import actions, complete, diagnose, docs, navigate
from callflow.lsp.scan import scan
from callflow.lsp.textmap import UTF8, UTF16, UTF32, TextMap
from tests.strategies import valid_documents

ROOT = Path(__file__).resolve().parent.parent
FLOWS = sorted(ROOT.glob("examples/*.xml")) + sorted(
    (ROOT / "tests" / "data" / "opentact-shapes").glob("*.xml")
)
TEXTS = [p.read_text(encoding="utf-8") for p in FLOWS]


def _every_handler(text: str, offset: int) -> None:
    """What the server does for a document and a cursor: nothing may raise."""
    report = diagnose.lint_text(text, None)
    markup = scan(text)
    for encoding in (UTF16, UTF8):
        textmap = TextMap(text, encoding)
        for found in diagnose.diagnostics(report, encoding):
            start, end = textmap.offset(found.range.start), textmap.offset(found.range.end)
            assert 0 <= start <= end <= len(text)
        assert textmap.offset(textmap.position(offset)) == offset
        docs.hover(markup, textmap, offset, report.findings)
        complete.complete(markup, textmap, offset)
        navigate.symbols(markup, textmap)
        navigate.definition("file:///x.xml", markup, textmap, offset)
        actions.code_actions("file:///x.xml", markup, textmap, 0, len(text), report.findings)
    with contextlib.suppress(actions.Refused):
        actions.format_edits(text, None, UTF16)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_no_prefix_of_an_example_flow_crashes_a_handler(data: st.DataObject) -> None:
    text = data.draw(st.sampled_from(TEXTS))
    prefix = text[: data.draw(st.integers(0, len(text)))]
    _every_handler(prefix, data.draw(st.integers(0, len(prefix))))


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_no_edit_in_the_middle_crashes_a_handler(data: st.DataObject) -> None:
    """Typing inside a finished document: a slice taken out, or a character put in."""
    text = data.draw(st.sampled_from(TEXTS))
    start = data.draw(st.integers(0, len(text)))
    end = data.draw(st.integers(start, min(len(text), start + 40)))
    typed = data.draw(st.sampled_from(["", "<", '"', "/", ">", "=", "<!--", "é", "\U0001f600"]))
    changed = text[:start] + typed + text[end:]
    _every_handler(changed, data.draw(st.integers(0, len(changed))))


def _codes(text: str) -> list[str]:
    return [f.code for f in lint_source(text)]


def _check_fixes(text: str) -> int:
    """Each fix of each finding, applied, takes that finding away and breaks nothing."""
    report = diagnose.lint_text(text, None)
    markup = scan(text)
    before = _codes(text)
    checked = 0
    for located in report.findings:
        for fix in actions.fixes(located, markup):
            after = _codes(actions.apply(text, fix.edits))
            code = located.finding.code
            assert after.count(code) < before.count(code), (fix.title, located.finding)
            assert not [c for c in after if c < "CF100" or c == "CF190"], (fix.title, after)
            checked += 1
    return checked


@pytest.mark.parametrize("path", FLOWS, ids=lambda p: p.name)
def test_every_fix_of_the_shapes_and_examples_works(path: Path) -> None:
    _check_fixes(path.read_text(encoding="utf-8"))


ALIASES = """<?xml version="1.0" encoding="UTF-8"?>
<Response>
  <Gather numDigits="1" finishOnKey="#" method="post" url="http://ivr.example.com/menu"/>
  <Gather dtmf_length="1" length="1">
    <Say>Press 1.</Say>
    <Switch>
      <Case dtmf="1"><Dial><Sip>agent@pbx.example.com</Sip><Error/></Dial></Case>
      <Default><Say>No.</Say></Default>
    </Switch>
  </Gather>
  <callback>http://ivr.example.com/next?a=1&amp;b=2</callback>
  <Tone hz="440" don="100" doff="100" v="-3"/>
  <Curl url="http://ivr.example.com/log" method="delete" />
  <Gather numDigits="1" length="1" finishOnKey="*"><Say>Two aliases, one value.</Say></Gather>
</Response>
"""


def test_every_fmt_fixable_finding_gets_a_precise_fix() -> None:
    report = diagnose.lint_text(ALIASES, None)
    markup = scan(ALIASES)
    fixable = [x for x in report.findings if x.finding.code in {"CF150", "CF152", "CF153"}]
    assert len(fixable) >= 9
    for located in fixable:
        fmt_fix = [f for f in actions.fixes(located, markup) if f.preferred]
        assert fmt_fix, located.finding
        for start, end, _new in fmt_fix[0].edits:  # small edits, not the whole document
            assert end - start < 80
    assert _check_fixes(ALIASES) >= 2 * len(fixable)


def test_all_fmt_fixes_together_give_what_callflow_fmt_gives_modulo_layout() -> None:
    text = ALIASES
    for _ in range(20):  # one fix at a time, re-linting, as a person would
        report = diagnose.lint_text(text, None)
        markup = scan(text)
        fix = next(
            (f for x in report.findings for f in actions.fixes(x, markup) if f.preferred), None
        )
        if fix is None:
            break
        text = actions.apply(text, fix.edits)
    assert not {"CF150", "CF152", "CF153"} & set(_codes(text))
    assert actions.formatted(text, None) == actions.formatted(ALIASES, None)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(valid_documents())
def test_fixes_work_on_generated_documents(text: str) -> None:
    _check_fixes(text)


def test_ranges_are_the_start_tag_or_the_attribute() -> None:
    text = (
        '<Response>\n  <Dial\n      timeout="5000">\n    <To>+15555550100</To>\n  </Dial>\n'
        '  <Play record="x"/>\n</Response>\n'
    )
    report = diagnose.lint_text(text, None)
    spans = {x.finding.code: text[x.start : x.end] for x in report.findings}
    assert spans["CF161"] == '<Dial\n      timeout="5000">'
    assert spans["CF113"] == 'record="x"'


def test_positions_count_utf16_units_by_default() -> None:
    text = '<Response><Say>\U0001f600 é</Say><Play record="nope"/></Response>'
    report = diagnose.lint_text(text, None)
    [found] = [x for x in report.findings if x.finding.code == "CF113"]
    chars = text.index('record="nope"')
    by = {e: diagnose.diagnostics(report, e)[0].range.start.character for e in (UTF16, UTF8, UTF32)}
    assert by == {UTF32: chars, UTF16: chars + 1, UTF8: chars + 3 + 1}
    assert found.start == chars


def test_a_document_that_is_not_a_call_flow_is_left_alone() -> None:
    assert (
        diagnose.lint_text("<project><modelVersion>4</modelVersion></project>", None).findings == ()
    )
    assert diagnose.lint_text("", None).findings == ()


def test_a_bad_config_is_one_diagnostic_and_no_lint(tmp_path: Path) -> None:
    (tmp_path / "callflow.toml").write_text("select = [\n", encoding="utf-8")
    report = diagnose.lint_text(
        "<Response><Dial><To>+1555</To></Dial></Response>", str(tmp_path / "a.xml")
    )
    [only] = diagnose.diagnostics(report, UTF16)
    assert only.severity == lsp.DiagnosticSeverity.Error and "callflow.toml" in only.message
    assert report.findings == ()


def test_excluded_files_get_no_diagnostics(tmp_path: Path) -> None:
    (tmp_path / "callflow.toml").write_text('exclude = ["legacy"]\n', encoding="utf-8")
    text = "<Response><Dial><To>+15555550100</To></Dial></Response>"
    assert diagnose.lint_text(text, str(tmp_path / "legacy" / "a.xml")).findings == ()
    assert diagnose.lint_text(text, str(tmp_path / "flows" / "a.xml")).findings != ()


def test_a_broken_version_keeps_the_good_findings_before_the_first_change() -> None:
    good_text = (
        '<Response>\n  <Dial><To>+15555550100</To></Dial>\n  <Pause length="1"/>\n'
        '  <Play record="x"/>\n</Response>\n'
    )
    good = diagnose.lint_text(good_text, None)
    assert good.modelled and {x.finding.code for x in good.findings} == {"CF161", "CF160", "CF113"}
    broken = diagnose.lint_text(good_text.replace('<Play record="x"/>', "<Play record="), None)
    assert not broken.modelled
    kept = diagnose.keep_stale(good, broken)
    assert {x.finding.code for x in kept.stale} == {"CF161", "CF160"}
    shown = diagnose.diagnostics(kept, UTF16)
    assert [d.severity for d in shown if d.code != "CF001"] == [lsp.DiagnosticSeverity.Hint] * 2
    edited_above = good_text.replace("<Dial>", "<Dial >").replace('<Play record="x"/>', "<Play")
    kept = diagnose.keep_stale(good, diagnose.lint_text(edited_above, None))
    assert kept.stale == ()  # positions after an edit are not trusted
    assert diagnose.keep_stale(good, good).stale == ()


def test_code_description_links_to_the_rule_docs_when_configured() -> None:
    report = diagnose.lint_text("<Response><Dial><To>+15555550100</To></Dial></Response>", None)
    [plain] = diagnose.diagnostics(report, UTF16)
    assert plain.code_description is None
    [linked] = diagnose.diagnostics(report, UTF16, "https://docs.example.com/rules/{code}")
    assert linked.code_description is not None
    assert linked.code_description.href == "https://docs.example.com/rules/CF161"


def _block(doc: str, after: str, fence: str) -> str:
    start = doc.index(fence, doc.index(after)) + len(fence)
    return doc[start : doc.index("```", start)]


def test_the_example_in_docs_editors_is_what_the_server_says() -> None:
    doc = (ROOT / "docs" / "editors.md").read_text(encoding="utf-8")
    flow = _block(doc, "A document with three mistakes", "```xml\n")
    shown = _block(doc, "and what the server publishes", "```\n").splitlines()
    report = diagnose.lint_text(flow, None)
    said = [
        f"{d.range.start.line + 1}:{d.range.start.character + 1}-{d.range.end.character + 1}"
        f" {d.severity.name.lower() if d.severity else ''} {d.code} {d.message}"
        for d in diagnose.diagnostics(report, UTF16)
    ]
    assert [line for line in said if " CF161 " not in line] == shown
    assert next(str(d.code) for d in diagnose.diagnostics(report, UTF16)) == "CF161"
    assert said[0].startswith("2:3-74 warning CF161 ")  # the whole start tag, as the text says
    markup = scan(flow)
    titles = {f.title for x in report.findings for f in actions.fixes(x, markup)}
    assert {
        "Fix CF152: write POST",
        "Ignore CF152 on this line",
        "Add an <Error> handler",
    } <= titles
    [handler] = [
        f for x in report.findings for f in actions.fixes(x, markup) if f.title.startswith("Add")
    ]
    assert handler.edits[0][2] == _block(doc, "which\nputs this inside the Gather", "```xml\n")


def _server_with(text: str) -> tuple[object, str, list[lsp.PublishDiagnosticsParams]]:
    """A server object with one open document, publishing into a list (no I/O)."""
    from pygls.workspace import Workspace

    from callflow.lsp.server import make_server

    server = make_server()
    server.protocol._workspace = Workspace(None)
    uri = "file:///nowhere/flow.xml"
    server.workspace.put_text_document(lsp.TextDocumentItem(uri, "xml", 1, text))
    published: list[lsp.PublishDiagnosticsParams] = []
    server.text_document_publish_diagnostics = published.append  # type: ignore[method-assign]
    return server, uri, published


def _edit(server: object, uri: str, text: str, version: int) -> None:
    server.workspace.update_text_document(  # type: ignore[attr-defined]
        lsp.VersionedTextDocumentIdentifier(version=version, uri=uri),
        lsp.TextDocumentContentChangeWholeDocument(text),
    )


FLOW = "<Response><Dial><To>+15555550100</To></Dial></Response>"


def test_a_newer_change_cancels_the_pending_lint() -> None:
    import asyncio

    async def typing() -> list[lsp.PublishDiagnosticsParams]:
        server, uri, published = _server_with(FLOW)
        for version in range(2, 7):
            _edit(server, uri, FLOW + " " * version, version)
            server.schedule(uri, 0.2)  # type: ignore[attr-defined]
            await asyncio.sleep(0.01)
        await server.pending[uri]  # type: ignore[attr-defined]
        return published

    published = asyncio.run(typing())
    assert [p.version for p in published] == [6]
    assert [d.code for d in published[0].diagnostics] == ["CF161"]


def test_a_lint_overtaken_by_a_change_is_not_published(monkeypatch: pytest.MonkeyPatch) -> None:
    import asyncio

    from callflow.lsp import server as module

    real = module.diagnose.lint_text

    async def changed_while_linting() -> list[lsp.PublishDiagnosticsParams]:
        server, uri, published = _server_with(FLOW)

        def slow(text: str, path: str | None) -> diagnose.Report:
            _edit(server, uri, "<Response/>", 2)  # the user typed meanwhile
            return real(text, path)

        monkeypatch.setattr(module.diagnose, "lint_text", slow)
        server.schedule(uri, 0)  # type: ignore[attr-defined]
        await server.pending[uri]  # type: ignore[attr-defined]
        return published

    assert asyncio.run(changed_while_linting()) == []


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(valid_documents())
def test_the_server_reports_what_callflow_lint_reports(text: str) -> None:
    assert [x.finding for x in diagnose.lint_text(text, None).findings] == lint_source(text)


@pytest.mark.parametrize("lf", [ALIASES, *TEXTS[:8]], ids=["aliases", *(p.name for p in FLOWS[:8])])
def test_ranges_cover_the_same_text_with_crlf_line_ends(lf: str) -> None:
    crlf = lf.replace("\n", "\r\n")

    def covered(text: str) -> list[tuple[str | int | None, str]]:
        textmap = TextMap(text)
        report = diagnose.lint_text(text, None)
        return [
            (d.code, text[textmap.offset(d.range.start) : textmap.offset(d.range.end)])
            for d in diagnose.diagnostics(report, UTF16)
        ]

    assert [(c, t.replace("\r\n", "\n")) for c, t in covered(crlf)] == covered(lf)
    assert covered(lf) or lf is not ALIASES


def test_a_fixable_finding_with_no_small_edit_gets_the_whole_document_as_fmt_writes_it() -> None:
    text = (
        "<Response>\n  <Callback>http://ivr.example.com/a<!-- why --></Callback>\n"
        "  <Error><Hangup/></Error>\n</Response>\n"
    )
    report = diagnose.lint_text(text, None)
    [found] = [x for x in report.findings if x.finding.code == "CF150"]
    [fix] = [f for f in actions.fixes(found, scan(text)) if f.title.startswith("Fix")]
    assert fix.title == "Fix CF150: format the document as callflow fmt does"
    assert actions.apply(text, fix.edits) == actions.formatted(text, None)
    assert "CF150" not in _codes(actions.apply(text, fix.edits))


def test_after_a_slash_completion_closes_the_open_element() -> None:
    text = "<Response>\n  <Gather>\n    <Say>Hi.</Say>\n  </"
    labels = [c.label for c in complete.complete(scan(text), TextMap(text), len(text))]
    assert labels == ["Gather"]


def test_hover_on_an_attribute_value_shows_the_attribute() -> None:
    text = '<Response><Play leg="aleg" url="https://x.example.com/a.mp3"/></Response>'
    found = docs.hover(scan(text), TextMap(text), text.index("aleg") + 1, ())
    assert found is not None and isinstance(found.contents, lsp.MarkupContent)
    assert "`aleg`" in found.contents.value and "`bleg`" in found.contents.value
    assert found.range == TextMap(text).range(text.index("leg="), text.index(" url"))


def test_a_repeated_value_under_a_second_alias_is_removed_as_the_message_says() -> None:
    text = '<Response><Gather numDigits="1" length="1"><Say>x</Say></Gather></Response>'
    report = diagnose.lint_text(text, None)
    by_attr = {text[x.start : x.end]: x for x in report.findings if x.finding.code == "CF150"}
    repeat = by_attr['length="1"']
    assert "remove it" in repeat.finding.message
    [fix] = [f for f in actions.fixes(repeat, scan(text)) if f.preferred]
    assert fix.title == "Fix CF150: remove it"
    assert actions.apply(text, fix.edits) == text.replace(' length="1"', "")
    [fix] = [f for f in actions.fixes(by_attr['numDigits="1"'], scan(text)) if f.preferred]
    assert actions.apply(text, fix.edits) == text.replace("numDigits", "dtmf_length")


def test_inserted_lines_end_as_the_document_s_lines_do() -> None:
    text = "<Response>\r\n  <Dial><To>+15555550100</To></Dial>\r\n</Response>\r\n"
    report = diagnose.lint_text(text, None)
    [found] = report.findings
    [handler] = [f for f in actions.fixes(found, scan(text)) if f.title.startswith("Add")]
    fixed = actions.apply(text, handler.edits)
    assert "\n" not in fixed.replace("\r\n", "")
    assert _codes(fixed) == []


def test_a_bug_in_linting_is_shown_to_the_user(monkeypatch: pytest.MonkeyPatch) -> None:
    import asyncio

    from callflow.lsp import server as module

    def bug(text: str, path: str | None) -> diagnose.Report:
        raise RuntimeError("deliberate bug for the test")

    shown: list[lsp.ShowMessageParams] = []

    async def run() -> list[lsp.PublishDiagnosticsParams]:
        server, uri, published = _server_with(FLOW)
        server.window_show_message = shown.append  # type: ignore[attr-defined]
        monkeypatch.setattr(module.diagnose, "lint_text", bug)
        server.schedule(uri, 0)  # type: ignore[attr-defined]
        await server.pending[uri]  # type: ignore[attr-defined]
        return published

    assert asyncio.run(run()) == []
    [message] = shown
    assert message.type == lsp.MessageType.Error and "deliberate bug" in message.message


def test_recordings_offered_to_play_are_those_cf113_accepts_there() -> None:
    text = (
        '<Response>\n  <RecordStart tag="bg"/>\n  <Record tag="msg">\n    <Play record=""/>\n'
        '  </Record>\n  <Play record=""/>\n  <Record tag="later"/>\n</Response>\n'
    )
    markup, textmap = scan(text), TextMap(text)
    inside = text.index('""') + 1
    after = text.index('""', inside) + 1
    assert [c.label for c in complete.complete(markup, textmap, inside)] == ["bg"]
    assert [c.label for c in complete.complete(markup, textmap, after)] == ["bg", "msg"]
    for label in ("bg", "msg"):  # what was offered, CF113 accepts
        chosen = text[:after] + label + text[after:]
        assert "CF113" not in [f.code for f in lint_source(chosen) if f.line == 6]
    inner = text[:inside] + "msg" + text[inside:after] + "bg" + text[after:]
    assert "CF113" in [f.code for f in lint_source(inner)]  # and what was not, it rejects
