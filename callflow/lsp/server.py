"""The protocol side: documents in, diagnostics, hovers, completions, fixes and edits out.

Linting runs off the event loop (a worker thread), ``DEBOUNCE`` seconds after the last change
to a document; a newer change cancels the pending lint, and a result for a version that is no
longer current is dropped, so what the editor shows is always about the text it holds.
"""

from __future__ import annotations

import asyncio
import os
from dataclasses import dataclass
from importlib.metadata import PackageNotFoundError, version
from typing import Any

from lsprotocol import types as lsp
from pygls.lsp.server import LanguageServer
from pygls.uris import to_fs_path
from pygls.workspace import TextDocument

from callflow.lsp import actions, complete, diagnose, docs, navigate
from callflow.lsp.diagnose import Report
from callflow.lsp.scan import Markup, scan
from callflow.lsp.textmap import UTF16, TextMap

SETTINGS_FILES = ("callflow.toml", "pyproject.toml")
"""Files whose change re-lints every open document (where settings come from)."""
DEBOUNCE = 0.2
"""Seconds to wait after a change before linting (typing resets the wait)."""


def _version() -> str:
    try:
        return version("opentact-callflow")
    except PackageNotFoundError:  # running from a checkout that is not installed
        return "0"


@dataclass(frozen=True, slots=True)
class _View:
    """One version of a document, scanned, in the client's position encoding."""

    uri: str
    text: str
    path: str | None
    markup: Markup
    textmap: TextMap


class CallflowServer(LanguageServer):
    """The server and what it remembers: the last lint of each open document."""

    def __init__(self) -> None:
        super().__init__("callflow", _version())
        self.debounce = DEBOUNCE
        self.reports: dict[str, Report] = {}
        self.good: dict[str, Report] = {}
        """The last lint of each document that was read into a model."""
        self.docs_url: str | None = None
        """``codeDescription`` of every diagnostic: a URL with ``{code}`` (option docs_url)."""
        self.pending: dict[str, asyncio.Task[None]] = {}
        self.views: dict[str, _View] = {}
        """The last scan of each document: requests between two changes share it."""

    @property
    def encoding(self) -> str:
        chosen = self.workspace.position_encoding
        return str(getattr(chosen, "value", chosen) or UTF16)

    def view(self, uri: str) -> _View:
        document = self.workspace.get_text_document(uri)
        text = document.source
        known = self.views.get(uri)
        if known is not None and known.text == text and known.textmap.encoding == self.encoding:
            return known
        made = _View(uri, text, path_of(document), scan(text), TextMap(text, self.encoding))
        self.views[uri] = made
        return made

    def findings(self, view: _View) -> tuple[diagnose.Located, ...]:
        """The last lint's findings, if it was of this very text (else none: stale)."""
        report = self.reports.get(view.uri)
        return report.findings if report is not None and report.text == view.text else ()

    def schedule(self, uri: str, delay: float) -> None:
        previous = self.pending.pop(uri, None)
        if previous is not None:
            previous.cancel()
        self.pending[uri] = asyncio.get_running_loop().create_task(self.lint(uri, delay))

    async def lint(self, uri: str, delay: float) -> None:
        if delay > 0:
            await asyncio.sleep(delay)
        document = self.workspace.get_text_document(uri)
        text, at_version = document.source, document.version
        loop = asyncio.get_running_loop()
        try:
            report = await loop.run_in_executor(None, diagnose.lint_text, text, path_of(document))
        except Exception as exc:  # a bug: said to the user, never a silent stop of diagnostics
            message = (
                f"callflow lsp: internal error while linting {uri}: {type(exc).__name__}: {exc}"
                " (please report it)"
            )
            self.window_show_message(lsp.ShowMessageParams(lsp.MessageType.Error, message))
            return
        current = self.workspace.text_documents.get(uri)
        if current is None or current.version != at_version or current.source != text:
            return  # closed, or changed while linting: a newer lint is on its way
        if report.modelled:
            self.good[uri] = report
        else:
            report = diagnose.keep_stale(self.good.get(uri), report)
        self.reports[uri] = report
        found = diagnose.diagnostics(report, self.encoding, self.docs_url)
        self.text_document_publish_diagnostics(
            lsp.PublishDiagnosticsParams(uri=uri, diagnostics=found, version=at_version)
        )


def path_of(document: TextDocument) -> str | None:
    """The file a document is (for its settings), or None for an unsaved buffer."""
    if not document.uri.startswith("file:"):
        return None
    path = to_fs_path(document.uri)
    return os.path.abspath(path) if path else None


def make_server() -> CallflowServer:
    server = CallflowServer()

    @server.feature(lsp.INITIALIZE)
    def initialize(ls: CallflowServer, params: lsp.InitializeParams) -> None:
        options: Any = params.initialization_options
        if isinstance(options, dict) and isinstance(options.get("debounce_ms"), int | float):
            ls.debounce = max(0.0, float(options["debounce_ms"]) / 1000)
        if isinstance(options, dict) and isinstance(options.get("docs_url"), str):
            ls.docs_url = options["docs_url"]

    @server.feature(lsp.INITIALIZED)
    async def initialized(ls: CallflowServer, params: lsp.InitializedParams) -> None:
        """Ask to hear of settings files changing, where the client lets servers ask."""
        workspace = ls.client_capabilities.workspace
        watching = workspace.did_change_watched_files if workspace else None
        if watching is None or not watching.dynamic_registration:
            return
        watch = lsp.DidChangeWatchedFilesRegistrationOptions(
            watchers=[lsp.FileSystemWatcher(glob_pattern=f"**/{name}") for name in SETTINGS_FILES]
        )
        registration = lsp.Registration(
            id="callflow-settings",
            method=lsp.WORKSPACE_DID_CHANGE_WATCHED_FILES,
            register_options=watch,
        )
        try:
            await ls.client_register_capability_async(lsp.RegistrationParams([registration]))
        except Exception as exc:  # the client said no: settings apply at the next change
            message = f"callflow: settings files are not watched ({exc})"
            ls.window_log_message(lsp.LogMessageParams(lsp.MessageType.Info, message))

    @server.feature(lsp.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    async def settings_changed(ls: CallflowServer, params: lsp.DidChangeWatchedFilesParams) -> None:
        """A settings file changed: every open document is linted again with the new ones."""
        if any(change.uri.endswith(SETTINGS_FILES) for change in params.changes):
            for uri in list(ls.workspace.text_documents):
                ls.schedule(uri, 0)

    @server.feature(lsp.TEXT_DOCUMENT_DID_OPEN)
    async def did_open(ls: CallflowServer, params: lsp.DidOpenTextDocumentParams) -> None:
        ls.schedule(params.text_document.uri, 0)

    @server.feature(lsp.TEXT_DOCUMENT_DID_CHANGE)
    async def did_change(ls: CallflowServer, params: lsp.DidChangeTextDocumentParams) -> None:
        ls.schedule(params.text_document.uri, ls.debounce)

    @server.feature(lsp.TEXT_DOCUMENT_DID_SAVE)
    async def did_save(ls: CallflowServer, params: lsp.DidSaveTextDocumentParams) -> None:
        ls.schedule(params.text_document.uri, 0)  # settings files may have changed too

    @server.feature(lsp.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: CallflowServer, params: lsp.DidCloseTextDocumentParams) -> None:
        uri = params.text_document.uri
        task = ls.pending.pop(uri, None)
        if task is not None:
            task.cancel()
        ls.reports.pop(uri, None)
        ls.good.pop(uri, None)
        ls.views.pop(uri, None)
        ls.text_document_publish_diagnostics(lsp.PublishDiagnosticsParams(uri=uri, diagnostics=[]))

    @server.feature(lsp.TEXT_DOCUMENT_HOVER)
    def hover(ls: CallflowServer, params: lsp.HoverParams) -> lsp.Hover | None:
        view = ls.view(params.text_document.uri)
        if not diagnose.is_callflow(view.text):
            return None
        offset = view.textmap.offset(params.position)
        return docs.hover(view.markup, view.textmap, offset, ls.findings(view))

    @server.feature(
        lsp.TEXT_DOCUMENT_COMPLETION,
        lsp.CompletionOptions(trigger_characters=["<", " ", '"', ","]),
    )
    def completion(ls: CallflowServer, params: lsp.CompletionParams) -> lsp.CompletionList:
        view = ls.view(params.text_document.uri)
        offset = view.textmap.offset(params.position)
        root = view.markup.root_name
        if root not in (None, "", diagnose.ROOT) and not diagnose.ROOT.startswith(root):
            return lsp.CompletionList(is_incomplete=False, items=[])
        items = complete.complete(view.markup, view.textmap, offset)
        return lsp.CompletionList(is_incomplete=False, items=items)

    @server.feature(
        lsp.TEXT_DOCUMENT_CODE_ACTION,
        lsp.CodeActionOptions(code_action_kinds=[lsp.CodeActionKind.QuickFix]),
    )
    def code_action(ls: CallflowServer, params: lsp.CodeActionParams) -> list[lsp.CodeAction]:
        view = ls.view(params.text_document.uri)
        start = view.textmap.offset(params.range.start)
        end = view.textmap.offset(params.range.end)
        found = ls.findings(view)
        return actions.code_actions(
            view.uri, view.markup, view.textmap, start, end, found, view.path
        )

    @server.feature(lsp.TEXT_DOCUMENT_FORMATTING)
    def formatting(
        ls: CallflowServer, params: lsp.DocumentFormattingParams
    ) -> list[lsp.TextEdit] | None:
        view = ls.view(params.text_document.uri)
        if not diagnose.is_callflow(view.text):
            return None
        try:
            return actions.format_edits(view.text, view.path, ls.encoding)
        except actions.Refused as exc:
            message = f"callflow fmt leaves this document alone: {exc}"
            ls.window_show_message(lsp.ShowMessageParams(lsp.MessageType.Warning, message))
            return None

    @server.feature(lsp.TEXT_DOCUMENT_DOCUMENT_SYMBOL)
    def document_symbol(
        ls: CallflowServer, params: lsp.DocumentSymbolParams
    ) -> list[lsp.DocumentSymbol]:
        view = ls.view(params.text_document.uri)
        if not diagnose.is_callflow(view.text):
            return []
        return navigate.symbols(view.markup, view.textmap)

    @server.feature(lsp.TEXT_DOCUMENT_DEFINITION)
    def definition(ls: CallflowServer, params: lsp.DefinitionParams) -> list[lsp.Location] | None:
        view = ls.view(params.text_document.uri)
        offset = view.textmap.offset(params.position)
        return navigate.definition(view.uri, view.markup, view.textmap, offset)

    return server
