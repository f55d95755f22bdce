"""``python -m bench.lsp [--elements N] [--repeats R]``: the language server's diagnostics of a
large document against ``callflow lint`` of the same file.

Issue 18's budget: a 5,000-element document gets its diagnostics within the time `callflow
lint` takes for that file. Three measures, each the median of R runs:

- in process, in turns: ``lint_file`` (what the CLI does per file) and the server's work per
  change (``diagnose.lint_text``: the forgiving scan, the same lint, the ranges, then the LSP
  diagnostics);
- the real server over stdio (debounce 0): from a ``didChange`` to its
  ``publishDiagnostics``, which is what an editor waits for;
- the real command in a new process, ``callflow lint --no-cache FILE`` (start-up included).

Not wired into ``python -m bench`` (it needs the ``lsp`` extra); results are printed as JSON.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from callflow.lint import lint_file

SERVER = [
    sys.executable,
    "-c",
    "import sys; from callflow.cli import main; sys.exit(main(['lsp']))",
]
_MAIN = "import sys; from callflow.cli import main; sys.exit(main())"

_BRANCH = """      <DTMF value="{key}">
        <Say>Option {key} of menu {n}.</Say>
        <Dial timeout="25000" tag="m{n}k{key}"><To>+1503555{n:04d}</To></Dial>
      </DTMF>
"""


def document(elements: int) -> str:
    """A flow of about ``elements`` elements: menus of three branches (each with a Dial that
    has no Error handler, so CF161 findings come too), 16 elements per menu."""
    menus = max(1, (elements - 1) // 16)
    parts = ['<?xml version="1.0" encoding="UTF-8"?>\n<Response>\n']
    for n in range(menus):
        parts.append(f'  <Gather dtmf_length="1" timeout="8000" tag="menu-{n}">\n')
        parts.append(f"    <Say>Menu {n}: press 1, 2 or 3.</Say>\n")
        parts.extend(_BRANCH.format(key=key, n=n) for key in (1, 2, 3))
        parts.append("    <Default><Say>Not an option.</Say></Default>\n  </Gather>\n")
    parts.append("</Response>\n")
    return "".join(parts)


def count_elements(text: str) -> int:
    from callflow.lsp.scan import scan

    return sum(1 for _ in scan(text).elements())


def in_process(path: Path, text: str, repeats: int) -> dict[str, float]:
    from callflow.lsp import diagnose

    def server() -> int:
        report = diagnose.lint_text(text, str(path))
        return len(diagnose.diagnostics(report, "utf-16"))

    def cli() -> int:
        return len(lint_file(str(path)).findings)

    assert server() == cli(), "the server and the CLI must report the same findings"
    times: dict[str, list[float]] = {"lint_file_s": [], "server_lint_s": []}
    for _ in range(repeats):
        for name, run in (("lint_file_s", cli), ("server_lint_s", server)):
            start = time.perf_counter()
            run()
            times[name].append(time.perf_counter() - start)
    return {name: round(statistics.median(values), 4) for name, values in times.items()}


async def _through_the_server(path: Path, text: str, repeats: int) -> float:
    from lsprotocol import types as lsp
    from pytest_lsp import client_capabilities, make_test_lsp_client

    client = make_test_lsp_client()
    await client.start_io(*SERVER)
    try:
        await client.initialize_session(
            lsp.InitializeParams(
                capabilities=client_capabilities("neovim"),
                initialization_options={"debounce_ms": 0},
            )
        )
        uri = path.as_uri()
        item = lsp.TextDocumentItem(uri=uri, language_id="xml", version=1, text=text)
        client.text_document_did_open(lsp.DidOpenTextDocumentParams(text_document=item))
        await client.wait_for_notification(lsp.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        times = []
        for version in range(2, repeats + 2):
            changed = text.replace("Menu 0:", f"Menu 0 ({version}):", 1)
            start = time.perf_counter()
            client.text_document_did_change(
                lsp.DidChangeTextDocumentParams(
                    text_document=lsp.VersionedTextDocumentIdentifier(uri=uri, version=version),
                    content_changes=[lsp.TextDocumentContentChangeWholeDocument(text=changed)],
                )
            )
            await client.wait_for_notification(lsp.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
            times.append(time.perf_counter() - start)
        await client.shutdown_session()
    finally:
        await client.stop()
    return round(statistics.median(times), 4)


def new_process(path: Path, repeats: int) -> float:
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        subprocess.run(
            [sys.executable, "-c", _MAIN, "lint", "--no-cache", str(path)],
            capture_output=True,
            check=False,
        )
        times.append(time.perf_counter() - start)
    return round(statistics.median(times), 4)


def run(elements: int, repeats: int) -> dict[str, Any]:
    text = document(elements)
    with tempfile.TemporaryDirectory(prefix="callflow-bench-lsp-") as tmp:
        path = Path(tmp) / "large.xml"
        path.write_text(text, encoding="utf-8")
        out: dict[str, Any] = {
            "elements": count_elements(text),
            "bytes": len(text.encode("utf-8")),
            "findings": len(lint_file(str(path)).findings),
        }
        out.update(in_process(path, text, repeats))
        out["server_change_to_diagnostics_s"] = asyncio.run(
            _through_the_server(path, text, repeats)
        )
        out["callflow_lint_process_s"] = new_process(path, repeats)
    out["server_vs_lint_file"] = round(out["server_lint_s"] / out["lint_file_s"], 2)
    out["editor_wait_vs_cli_process"] = round(
        out["server_change_to_diagnostics_s"] / out["callflow_lint_process_s"], 2
    )
    return out


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.lsp", description=__doc__)
    parser.add_argument("--elements", type=int, default=5000)
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args(argv)
    print(json.dumps(run(args.elements, args.repeats), indent=2))


if __name__ == "__main__":
    main()
