"""``callflow graph``: draw a flow as Mermaid (renders on GitHub as is), Graphviz dot, or SVG.

Steps are commands (a Gather with its prompts is one step), edges are labelled with the key or
outcome that takes them, and failures going to an ``Error`` handler are dashed. With
``--coverage FILE`` (the JSON of ``callflow test --coverage-json`` or ``callflow explore
--format json``) steps and branches are coloured: green when some run went there, red when none
did. The graph itself comes from ``callflow.graph``; this module only writes it out.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import click

from callflow import graph as g
from callflow.coverage_report import CoverageError, Marks, read_marks
from callflow.parser import UNREADABLE, load

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE = 0, 1, 2
GREEN, GREEN_FILL, RED, RED_FILL = "#1e8e3e", "#e6f4ea", "#d93025", "#fce8e6"
LABEL_MAX = 48
"""Longest text shown in a step; the rest is cut with an ellipsis."""


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= LABEL_MAX else text[: LABEL_MAX - 1] + "…"


def _text(step: g.Step) -> str:
    return _short(step.text) + (f" (line {step.line})" if step.line is not None else "")


def _step_mark(step: g.Step, marks: Marks | None) -> bool | None:
    if marks is None or step.site is None:
        return None
    return step.site in marks.commands


def _edge_mark(edge: g.Edge, marks: Marks | None) -> bool | None:
    if marks is None or edge.branch is None:
        return None
    return edge.branch in marks.branches


# ---- Mermaid ---------------------------------------------------------------------------------

_MERMAID_ESCAPES = {'"': "#quot;", "#": "#35;", "<": "#lt;", ">": "#gt;"}
_MERMAID_SHAPES = {
    "start": ('(["', '"])'), "end": ('(["', '"])'), "Hangup": ('(["', '"])'),
    "Gather": ('{{"', '"}}'), "Call": ('{"', '"}'), "Geo": ('{"', '"}'),
    "Schedule": ('{"', '"}'), "document": ('[["', '"]]'),
}  # fmt: skip


def _mermaid_text(text: str) -> str:
    return "".join(_MERMAID_ESCAPES.get(c, c) for c in text)


def mermaid(graph: g.Graph, marks: Marks | None = None) -> str:
    """A Mermaid ``flowchart``: GitHub renders it inside a ```mermaid block as it is."""
    lines = ["flowchart TD"]
    for step in graph.steps:
        left, right = _MERMAID_SHAPES.get(step.kind, ('["', '"]'))
        lines.append(f"    {step.id}{left}{_mermaid_text(_text(step))}{right}")
    green: list[str] = []
    red: list[str] = []
    for index, edge in enumerate(graph.edges):
        arrow = "-.->" if edge.handler else "-->"
        label = f'|"{_mermaid_text(edge.label)}"|' if edge.label else ""
        lines.append(f"    {edge.source} {arrow}{label} {edge.target}")
        mark = _edge_mark(edge, marks)
        if mark is not None:
            (green if mark else red).append(str(index))
    if marks is not None:
        covered = [s.id for s in graph.steps if _step_mark(s, marks) is True]
        missed = [s.id for s in graph.steps if _step_mark(s, marks) is False]
        lines.append(f"    classDef covered fill:{GREEN_FILL},stroke:{GREEN}")
        lines.append(f"    classDef uncovered fill:{RED_FILL},stroke:{RED}")
        for name, ids in (("covered", covered), ("uncovered", missed)):
            if ids:
                lines.append(f"    class {','.join(ids)} {name}")
        for colour, indexes in ((GREEN, green), (RED, red)):
            if indexes:
                lines.append(f"    linkStyle {','.join(indexes)} stroke:{colour},stroke-width:2px")
    return "\n".join(lines) + "\n"


# ---- Graphviz dot ----------------------------------------------------------------------------

_DOT_SHAPES = {
    "start": "oval", "end": "oval", "Hangup": "oval", "Gather": "hexagon", "Call": "diamond",
    "Geo": "diamond", "Schedule": "diamond", "document": "folder",
}  # fmt: skip


def _dot_text(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'


def dot(graph: g.Graph, marks: Marks | None = None) -> str:
    """A Graphviz ``digraph`` (``dot -Tsvg`` draws it)."""
    lines = [
        "digraph callflow {",
        '    graph [rankdir=TB, fontname="Helvetica"];',
        '    node [shape=box, style=rounded, fontname="Helvetica", fontsize=10];',
        '    edge [fontname="Helvetica", fontsize=9];',
    ]
    for step in graph.steps:
        attrs = [f"label={_dot_text(_text(step))}"]
        if step.kind in _DOT_SHAPES:
            attrs.append(f"shape={_DOT_SHAPES[step.kind]}")
        mark = _step_mark(step, marks)
        if mark is not None:
            fill, line = (GREEN_FILL, GREEN) if mark else (RED_FILL, RED)
            attrs += ['style="rounded,filled"', f'fillcolor="{fill}"', f'color="{line}"']
        lines.append(f"    {step.id} [{', '.join(attrs)}];")
    for edge in graph.edges:
        attrs = [f"label={_dot_text(edge.label)}"] if edge.label else []
        if edge.handler:
            attrs.append("style=dashed")
        mark = _edge_mark(edge, marks)
        if mark is not None:
            attrs += [f'color="{GREEN if mark else RED}"', "penwidth=2"]
        tail = f" [{', '.join(attrs)}]" if attrs else ""
        lines.append(f"    {edge.source} -> {edge.target}{tail};")
    lines.append("}")
    return "\n".join(lines) + "\n"


def svg(dot_text: str) -> bytes:
    """The graph drawn by Graphviz; ``FileNotFoundError`` when ``dot`` is not installed."""
    program = shutil.which("dot")
    if program is None:
        raise FileNotFoundError("dot")
    done = subprocess.run([program, "-Tsvg"], input=dot_text.encode(), capture_output=True,
                          check=False, timeout=60)  # fmt: skip
    if done.returncode != 0:
        raise RuntimeError(done.stderr.decode(errors="replace").strip() or "dot failed")
    return done.stdout


# ---- the command -------------------------------------------------------------------------------


@click.command()
@click.argument("flow", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--format", "fmt", type=click.Choice(["mermaid", "dot", "svg"]), default="mermaid",
              show_default=True, help="svg needs Graphviz's dot program.")  # fmt: skip
@click.option("--coverage", "coverage_file", type=click.Path(dir_okay=False, path_type=Path),
              metavar="FILE", help="Colour by coverage: the JSON of `callflow test "
              "--coverage-json` or `callflow explore --format json`.")  # fmt: skip
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path),
              metavar="FILE", help="Write to FILE instead of standard output.")  # fmt: skip
def graph(flow: Path, fmt: str, coverage_file: Path | None, output: Path | None) -> None:
    """Draw FLOW: commands as steps, branches labelled with the key or outcome, failures to
    their Error handler dashed.

    \b
    Examples:
      callflow graph menu.xml > menu.mmd               paste into a ```mermaid block
      callflow graph menu.xml --format svg -o menu.svg
      callflow test --coverage-json cov.json scenarios/
      callflow graph menu.xml --coverage cov.json      green: tested, red: never tested

    Exit status: 0 drawn, 1 the flow does not parse, 2 usage error, unreadable input, or
    --format svg without Graphviz.
    """
    loaded = load(flow)
    if loaded.model is None:
        for finding in loaded.findings:
            click.echo(finding.render(), err=True)
        unreadable = any(f.code == UNREADABLE.code for f in loaded.findings)
        sys.exit(EXIT_USAGE if unreadable else EXIT_FINDINGS)
    marks = None
    if coverage_file is not None:
        try:
            marks, warning = read_marks(coverage_file, flow)
        except CoverageError as exc:
            click.echo(f"callflow graph: {coverage_file}: {exc}", err=True)
            sys.exit(EXIT_USAGE)
        if warning is not None:
            click.echo(f"callflow graph: warning: {warning}", err=True)
    drawn = g.build(loaded.model)
    data: bytes
    if fmt == "mermaid":
        data = mermaid(drawn, marks).encode()
    else:
        text = dot(drawn, marks)
        data = text.encode()
        if fmt == "svg":
            try:
                data = svg(text)
            except FileNotFoundError:
                click.echo("callflow graph: --format svg needs Graphviz's `dot` program, which "
                           "is not installed (apt install graphviz, brew install graphviz); "
                           "--format dot or mermaid need nothing", err=True)  # fmt: skip
                sys.exit(EXIT_USAGE)
            except (RuntimeError, subprocess.TimeoutExpired) as exc:
                click.echo(f"callflow graph: dot failed: {exc}", err=True)
                sys.exit(EXIT_USAGE)
    if output is None:
        sys.stdout.buffer.write(data)
        sys.stdout.flush()
        return
    try:
        output.write_bytes(data)
    except OSError as exc:
        click.echo(f"callflow graph: cannot write {output}: {exc.strerror}", err=True)
        sys.exit(EXIT_USAGE)
