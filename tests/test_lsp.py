"""`callflow lsp` end to end: a real client (pytest-lsp) drives the server over stdio.

What an editor does, message by message: initialize, didOpen, didChange, and the requests
(hover, completion, codeAction, formatting, documentSymbol, definition). The diagnostics are
checked against `callflow lint` of the same text.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

pytest.importorskip("pygls", reason="the lsp extra is not installed (pip install '.[lsp]')")
pytest_lsp = pytest.importorskip("pytest_lsp", reason="pytest-lsp is not installed")

from lsprotocol import types as lsp  # noqa: E402
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities  # noqa: E402

from callflow.config import Configs  # noqa: E402
from callflow.lint import lint_file, lint_paths  # noqa: E402
from callflow.lsp.textmap import TextMap  # noqa: E402

pytestmark = pytest.mark.asyncio(loop_scope="module")

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
SERVER = [
    sys.executable,
    "-c",
    "import sys; from callflow.cli import main; sys.exit(main(['lsp']))",
]
WAIT = 20.0
DOCS = "https://docs.example.com/callflow/rules#{code}"


@pytest_lsp.fixture(config=ClientServerConfig(server_command=SERVER), scope="module")
async def client(lsp_client: LanguageClient) -> AsyncIterator[None]:
    params = lsp.InitializeParams(
        capabilities=client_capabilities("neovim"),
        initialization_options={"debounce_ms": 50, "docs_url": DOCS},
    )
    await lsp_client.initialize_session(params)
    yield
    await lsp_client.shutdown_session()


def _open(client: LanguageClient, uri: str, text: str, version: int = 1) -> None:
    client.diagnostics.pop(uri, None)
    item = lsp.TextDocumentItem(uri=uri, language_id="xml", version=version, text=text)
    client.text_document_did_open(lsp.DidOpenTextDocumentParams(text_document=item))


def _change(client: LanguageClient, uri: str, text: str, version: int) -> None:
    client.text_document_did_change(
        lsp.DidChangeTextDocumentParams(
            text_document=lsp.VersionedTextDocumentIdentifier(uri=uri, version=version),
            content_changes=[lsp.TextDocumentContentChangeWholeDocument(text=text)],
        )
    )


async def _diagnostics(client: LanguageClient, uri: str) -> list[lsp.Diagnostic]:
    async with asyncio.timeout(WAIT):
        while uri not in client.diagnostics:
            await client.wait_for_notification(lsp.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    return client.diagnostics[uri]


def _summary(found: list[lsp.Diagnostic]) -> list[tuple[str, int, int, str]]:
    return [(str(d.code), d.range.start.line, d.range.start.character, d.message) for d in found]


def _cli(paths: list[Path]) -> list[tuple[str, int, int, str]]:
    """What `callflow lint` reports, in the LSP's terms (0-based; ASCII text)."""
    out = []
    for result in lint_paths([str(p) for p in paths], jobs=1, configs=Configs()):
        for f in result.findings:
            message = f.message + (f" ({f.hint})" if f.hint else "")
            out.append((f.code, f.line - 1, f.col - 1, message))
    return out


BROKEN = """<?xml version="1.0" encoding="UTF-8"?>
<Response>
  <Dial><To>+15035550100</To></Dial>
  <Gather numDigits="1" method="post">
    <Say>Press 1.</Say>
    <DTMF value="1"><Say>One.</Say></DTMF>
    <DTMF value="1"><Say>Never.</Say></DTMF>
  </Gather>
  <Record tag="greeting" timeout="5000"/>
  <Play record="greting"/>
</Response>
"""


async def test_diagnostics_are_the_findings_of_callflow_lint(
    client: LanguageClient, tmp_path: Path
) -> None:
    flows = [*sorted(EXAMPLES.glob("*.xml"))]
    broken = tmp_path / "broken.xml"
    broken.write_text(BROKEN, encoding="utf-8")
    flows.append(broken)
    for path in flows:
        _open(client, path.as_uri(), path.read_text(encoding="utf-8"))
        found = await _diagnostics(client, path.as_uri())
        assert _summary(found) == _cli([path]), path
    found = client.diagnostics[broken.as_uri()]
    assert {str(d.code) for d in found} >= {"CF161", "CF150", "CF152", "CF120", "CF113"}
    assert all(d.source == "callflow" for d in found)
    for d in found:  # the initialization option reached the server
        assert d.code_description is not None
        assert d.code_description.href == DOCS.replace("{code}", str(d.code))
    play = next(d for d in found if d.code == "CF113")
    line = BROKEN.splitlines()[play.range.start.line]
    start, end = play.range.start.character, play.range.end.character
    assert line[start:end] == 'record="greting"'  # the attribute, start and end
    dial = next(d for d in found if d.code == "CF161")
    assert BROKEN.splitlines()[2][dial.range.start.character : dial.range.end.character] == "<Dial>"
    assert dial.severity == lsp.DiagnosticSeverity.Warning
    assert next(d for d in found if d.code == "CF120").severity == lsp.DiagnosticSeverity.Error


async def test_settings_and_suppressions_as_the_cli(client: LanguageClient, tmp_path: Path) -> None:
    (tmp_path / "pyproject.toml").write_text(
        '[tool.callflow]\nignore = ["CF150"]\nseverity = {CF161 = "error"}\n', encoding="utf-8"
    )
    folder = tmp_path / "flows" / "deep"
    folder.mkdir(parents=True)
    path = folder / "menu.xml"
    text = BROKEN.replace(
        '<Play record="greting"/>', '<Play record="greting"/> <!-- callflow: ignore=CF113 -->'
    )
    path.write_text(text, encoding="utf-8")
    _open(client, path.as_uri(), text)
    found = await _diagnostics(client, path.as_uri())
    assert _summary(found) == _cli([path])
    codes = {str(d.code) for d in found}
    assert "CF150" not in codes and "CF113" not in codes and "CF152" in codes
    assert next(d for d in found if d.code == "CF161").severity == lsp.DiagnosticSeverity.Error


async def test_did_change_and_a_document_that_is_not_well_formed(
    client: LanguageClient, tmp_path: Path
) -> None:
    uri = (tmp_path / "typing.xml").as_uri()
    _open(client, uri, BROKEN)
    assert "CF120" in {str(d.code) for d in await _diagnostics(client, uri)}
    broken = BROKEN.replace("</Gather>", "</Gathr>")
    client.diagnostics.pop(uri, None)
    at = TextMap(BROKEN).range(BROKEN.index("</Gather>") + 5, BROKEN.index("</Gather>") + 8)
    client.text_document_did_change(  # an incremental change, as editors send them
        lsp.DidChangeTextDocumentParams(
            text_document=lsp.VersionedTextDocumentIdentifier(uri=uri, version=2),
            content_changes=[lsp.TextDocumentContentChangePartial(range=at, text="hr")],
        )
    )
    found = await _diagnostics(client, uri)
    hints = [d for d in found if d.severity == lsp.DiagnosticSeverity.Hint]
    assert [str(d.code) for d in found if d not in hints] == ["CF001"]  # as callflow lint
    # the last good findings before the break stay, as hints; those after it are gone
    assert {str(d.code) for d in hints} == {"CF161", "CF150", "CF152", "CF120"}
    assert all(d.message.endswith("[from the last well-formed version]") for d in hints)
    where = next(d for d in found if d not in hints).range
    line = broken.splitlines()[where.start.line]
    assert line[where.start.character : where.end.character] == "</Gathr>"
    client.diagnostics.pop(uri, None)
    _change(client, uri, BROKEN.replace('value="1"><Say>Never', 'value="2"><Say>Never'), 3)
    found = await _diagnostics(client, uri)
    assert "CF120" not in {str(d.code) for d in found} and "CF113" in {str(d.code) for d in found}


async def test_typing_a_flow_character_by_character(client: LanguageClient, tmp_path: Path) -> None:
    """Every prefix goes to the server as a change; the last lint is of the whole text."""
    text = (EXAMPLES / "voicemail.xml").read_text(encoding="utf-8")
    uri = (tmp_path / "typed.xml").as_uri()
    _open(client, uri, "")
    step = max(1, len(text) // 300)
    version = 1
    for end in range(1, len(text) + 1, step):
        version += 1
        _change(client, uri, text[:end], version)
    client.diagnostics.pop(uri, None)
    _change(client, uri, text, version + 1)
    path = tmp_path / "typed.xml"
    path.write_text(text, encoding="utf-8")
    expected = _summary_of(lint_file(str(path)).findings)
    async with asyncio.timeout(WAIT):
        while (
            _summary(client.diagnostics.get(uri, [])) != expected or uri not in client.diagnostics
        ):
            await client.wait_for_notification(lsp.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
    line = next(i for i, x in enumerate(text.splitlines()) if x.startswith("<Response"))
    hover = await client.text_document_hover_async(
        lsp.HoverParams(lsp.TextDocumentIdentifier(uri), lsp.Position(line, 3))
    )
    assert hover is not None and "Response" in str(hover.contents)  # still serving


def _summary_of(findings: list) -> list[tuple[str, int, int, str]]:  # type: ignore[type-arg]
    return [
        (f.code, f.line - 1, f.col - 1, f.message + (f" ({f.hint})" if f.hint else ""))
        for f in findings
    ]


async def test_hover_shows_grammar_docs_and_rule_explanations(
    client: LanguageClient, tmp_path: Path
) -> None:
    uri = (tmp_path / "hover.xml").as_uri()
    _open(client, uri, BROKEN)
    await _diagnostics(client, uri)
    lines = BROKEN.splitlines()

    async def at(line: int, word: str) -> str:
        where = lsp.Position(line, lines[line].index(word) + 1)
        found = await client.text_document_hover_async(
            lsp.HoverParams(lsp.TextDocumentIdentifier(uri), where)
        )
        assert found is not None and isinstance(found.contents, lsp.MarkupContent)
        return found.contents.value

    gather = await at(3, "Gather")
    assert "Collects" in gather or "DTMF" in gather
    assert "`dtmf_length`" in gather and "`attempts`" in gather
    method = await at(3, "method")
    assert "`GET`" in method and "`POST`" in method and "Default: `GET`" in method
    alias = await at(3, "numDigits")
    assert "alias of `dtmf_length`" in alias and "CF150 alias-spelling" in alias
    dial = await at(2, "Dial")
    assert "CF161 no-error-handler" in dial  # --explain text of the finding under the cursor


async def test_completion_from_the_grammar(client: LanguageClient, tmp_path: Path) -> None:
    text = (
        "<Response>\n"
        '  <Record tag="msg"/>\n'
        '  <Gather method="">\n'
        '    <DTMF value="1"/>\n'
        '    <DTMF value=""/>\n'
        "    <\n"
        "  </Gather>\n"
        '  <Play record=""/>\n'
        '  <Schedule dow="mon,"/>\n'
        '  <Say lang="en-US" >Hi</Say>\n'
        "</Response>\n"
    )
    uri = (tmp_path / "complete.xml").as_uri()
    _open(client, uri, text)
    lines = text.splitlines()

    async def labels(line: int, column: int) -> set[str]:
        found = await client.text_document_completion_async(
            lsp.CompletionParams(lsp.TextDocumentIdentifier(uri), lsp.Position(line, column))
        )
        assert found is not None
        items = found.items if isinstance(found, lsp.CompletionList) else found
        return {item.label for item in items}

    children = await labels(5, 5)
    assert {"DTMF", "Default", "Error", "Say", "Play"} <= children
    assert "Response" not in children and "To" not in children and "Dial" not in children
    assert await labels(2, lines[2].index('""') + 1) == {"GET", "POST"}
    keys = await labels(4, lines[4].index('""') + 1)
    assert "1" not in keys and {"0", "2", "9", "*", "#"} <= keys
    assert await labels(7, lines[7].index('""') + 1) == {"msg"}
    days = await labels(8, lines[8].index(',"') + 1)
    assert "mon" not in days and {"tue", "sun"} <= days
    attributes = await labels(9, lines[9].index(">"))
    assert "lang" not in attributes and {"gender", "loop", "text", "tag"} <= attributes


async def test_quick_fixes_applied_make_the_finding_disappear(
    client: LanguageClient, tmp_path: Path
) -> None:
    uri = (tmp_path / "fix.xml").as_uri()
    _open(client, uri, BROKEN)
    found = await _diagnostics(client, uri)
    for code, title in [
        ("CF152", "Fix CF152"),
        ("CF150", "Fix CF150"),
        ("CF161", "Add an <Error> handler"),
        ("CF113", "Ignore CF113 on this line"),
    ]:
        diagnostic = next(d for d in found if d.code == code)
        actions = await client.text_document_code_action_async(
            lsp.CodeActionParams(
                lsp.TextDocumentIdentifier(uri),
                diagnostic.range,
                lsp.CodeActionContext(diagnostics=[diagnostic]),
            )
        )
        assert actions is not None
        action = next(a for a in actions if isinstance(a, lsp.CodeAction) and title in a.title)
        assert action.edit is not None and action.edit.changes is not None
        fixed = _apply(BROKEN, action.edit.changes[uri])
        path = tmp_path / f"fixed-{code}.xml"
        path.write_text(fixed, encoding="utf-8")
        after = lint_file(str(path)).findings
        before = sum(1 for d in found if d.code == code)
        assert sum(1 for f in after if f.code == code) == before - 1, fixed
        assert not [f for f in after if f.code.startswith("CF0")], fixed  # still valid


def _apply(text: str, edits: list[lsp.TextEdit]) -> str:
    textmap = TextMap(text)
    spans = sorted(
        ((textmap.offset(e.range.start), textmap.offset(e.range.end), e.new_text) for e in edits),
        reverse=True,
    )
    for start, end, new in spans:
        text = text[:start] + new + text[end:]
    return text


async def test_formatting_equals_callflow_fmt(client: LanguageClient, tmp_path: Path) -> None:
    text = BROKEN.replace('    <DTMF value="1"><Say>Never.</Say></DTMF>\n', "").replace(
        '<Play record="greting"/>', '<Play record="greeting"/>'
    )
    path = tmp_path / "fmt.xml"
    path.write_text(text, encoding="utf-8")
    _open(client, path.as_uri(), text)
    edits = await client.text_document_formatting_async(
        lsp.DocumentFormattingParams(
            lsp.TextDocumentIdentifier(path.as_uri()), lsp.FormattingOptions(2, True)
        )
    )
    assert edits
    from callflow.cli import main

    with pytest.raises(SystemExit):
        main(["fmt", str(path)])
    assert _apply(text, edits) == path.read_text(encoding="utf-8") != text
    broken = (tmp_path / "refused.xml").as_uri()
    _open(client, broken, BROKEN)
    refused = await client.text_document_formatting_async(
        lsp.DocumentFormattingParams(
            lsp.TextDocumentIdentifier(broken), lsp.FormattingOptions(2, True)
        )
    )
    assert refused is None  # fmt refuses a document with errors: no edit


async def test_symbols_and_definition(client: LanguageClient, tmp_path: Path) -> None:
    uri = (tmp_path / "nav.xml").as_uri()
    text = BROKEN.replace('<Play record="greting"/>', '<Play record="greeting"/>')
    _open(client, uri, text)
    symbols = await client.text_document_document_symbol_async(
        lsp.DocumentSymbolParams(lsp.TextDocumentIdentifier(uri))
    )
    assert symbols is not None
    names = [s.name for s in symbols if isinstance(s, lsp.DocumentSymbol)]
    assert names == ["Dial", "Gather", "Record"]
    gather = next(s for s in symbols if isinstance(s, lsp.DocumentSymbol) and s.name == "Gather")
    assert [c.name for c in gather.children or []] == ["DTMF 1", "DTMF 1"]
    lines = text.splitlines()
    play = lsp.Position(9, lines[9].index("greeting") + 2)
    found = await client.text_document_definition_async(
        lsp.DefinitionParams(lsp.TextDocumentIdentifier(uri), play)
    )
    assert isinstance(found, list) and len(found) == 1
    assert isinstance(found[0], lsp.Location) and found[0].range.start.line == 8
    second = lsp.Position(6, lines[6].index('"1"') + 1)
    found = await client.text_document_definition_async(
        lsp.DefinitionParams(lsp.TextDocumentIdentifier(uri), second)
    )
    assert isinstance(found, list) and found[0].range.start.line == 5


async def test_an_edited_settings_file_relints_the_open_documents(
    client: LanguageClient, tmp_path: Path
) -> None:
    settings = tmp_path / "callflow.toml"
    settings.write_text("", encoding="utf-8")
    path = tmp_path / "watched.xml"
    path.write_text(BROKEN, encoding="utf-8")
    _open(client, path.as_uri(), BROKEN)
    assert "CF152" in {str(d.code) for d in await _diagnostics(client, path.as_uri())}
    settings.write_text('ignore = ["CF152"]\n', encoding="utf-8")
    client.diagnostics.pop(path.as_uri(), None)
    change = lsp.FileEvent(uri=settings.as_uri(), type=lsp.FileChangeType.Changed)
    client.workspace_did_change_watched_files(lsp.DidChangeWatchedFilesParams(changes=[change]))
    found = await _diagnostics(client, path.as_uri())
    assert "CF152" not in {str(d.code) for d in found}
    assert _summary(found) == _cli([path])
    errors = [m for m in client.messages if m.type == lsp.MessageType.Error]
    assert not errors  # the server never failed in front of the user
