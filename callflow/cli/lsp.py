"""``callflow lsp``: start the language server (needs the ``lsp`` extra)."""

from __future__ import annotations

import importlib.util

import click


@click.command()
@click.option(
    "--tcp",
    "port",
    type=click.IntRange(1, 65535),
    metavar="PORT",
    help="Listen on 127.0.0.1:PORT instead of stdin/stdout (for debugging the server).",
)
def lsp(port: int | None) -> None:
    """Serve the linter, the formatter and the grammar docs to an editor (LSP over stdio).

    Diagnostics as you type (the findings of `callflow lint`, with your [tool.callflow]
    settings and callflow: ignore comments), hover docs, completion, quick fixes, formatting
    (as `callflow fmt`), an outline and go to definition, for documents whose root is
    <Response>. Editor setups: docs/editors.md.

    Needs the optional dependencies: pip install 'opentact-callflow[lsp]'.
    """
    if importlib.util.find_spec("pygls") is None:
        raise click.UsageError("callflow lsp needs pygls: pip install 'opentact-callflow[lsp]'")
    from callflow.lsp.server import make_server

    server = make_server()
    if port is None:
        server.start_io()
    else:
        server.start_tcp("127.0.0.1", port)
