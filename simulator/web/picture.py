"""``callflow.graph`` drawn as SVG for the page, with no Graphviz and no script library.

A plain layered drawing: each step goes one row below the deepest step that leads to it along
forward edges (edges back up, a loop's, are drawn as curves on the right), steps of a row keep
document order. Every step is a ``<g class="step" id="step-ID">`` so the page highlights the
current command by its graph id; Error edges are dashed, as ``callflow graph`` draws them.
"""

from __future__ import annotations

import textwrap
from html import escape

from callflow import graph as g

BOX_W, BOX_H = 210, 46
GAP_X, GAP_Y = 28, 64
MARGIN = 20
TEXT_CHARS = 30
"""Characters of a step's text per line inside its box (two lines at most)."""


def layers(graph: g.Graph) -> dict[str, int]:
    """Step id -> row: the longest path from the start along edges that do not go back."""
    out: dict[str, list[str]] = {}
    for edge in graph.edges:
        out.setdefault(edge.source, []).append(edge.target)
    order: list[str] = []
    state: dict[str, int] = {}  # 1: on the path being walked, 2: done
    back: set[tuple[str, str]] = set()
    for root in [g.START, *(s.id for s in graph.steps)]:
        if root in state:
            continue
        stack: list[tuple[str, int]] = [(root, 0)]
        state[root] = 1
        while stack:
            node, index = stack.pop()
            targets = out.get(node, [])
            if index < len(targets):
                stack.append((node, index + 1))
                target = targets[index]
                if state.get(target) == 1:
                    back.add((node, target))
                elif target not in state:
                    state[target] = 1
                    stack.append((target, 0))
            else:
                state[node] = 2
                order.append(node)
    row = {s.id: 0 for s in graph.steps}
    for node in reversed(order):  # a topological order of the forward edges
        for target in out.get(node, []):
            if (node, target) not in back:
                row[target] = max(row[target], row[node] + 1)
    return row


def _lines(text: str) -> list[str]:
    """At most two lines, broken between words; what does not fit ends with an ellipsis."""
    lines = textwrap.wrap(text, TEXT_CHARS, break_long_words=True) or [""]
    if len(lines) > 2:
        lines = [lines[0], lines[1][: TEXT_CHARS - 1] + "…"]
    return lines


def svg(graph: g.Graph) -> str:
    """The graph as one ``<svg>`` element (inline in the page)."""
    row = layers(graph)
    rows: dict[int, list[g.Step]] = {}
    for step in graph.steps:
        rows.setdefault(row[step.id], []).append(step)
    width = max(len(r) for r in rows.values()) * (BOX_W + GAP_X) + 2 * MARGIN + 60
    height = (max(rows) + 1) * (BOX_H + GAP_Y) + 2 * MARGIN
    at: dict[str, tuple[float, float]] = {}
    for number, steps in rows.items():
        span = len(steps) * (BOX_W + GAP_X) - GAP_X
        left = (width - 60 - span) / 2
        for index, step in enumerate(steps):
            at[step.id] = (left + index * (BOX_W + GAP_X), MARGIN + number * (BOX_H + GAP_Y))
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="graph" width="{width:.0f}" '
        f'height="{height:.0f}" viewBox="0 0 {width:.0f} {height:.0f}">',
        '<defs><marker id="arrow" viewBox="0 0 10 10" refX="10" refY="5" markerWidth="7" '
        'markerHeight="7" orient="auto-start-reverse"><path d="M0,0 L10,5 L0,10 z"/></marker>'
        "</defs>",
    ]
    for edge in graph.edges:
        parts.append(_edge(edge, at[edge.source], at[edge.target], row))
    for step in graph.steps:
        parts.append(_step(step, at[step.id]))
    parts.append("</svg>")
    return "\n".join(parts)


def _edge(edge: g.Edge, source: tuple[float, float], target: tuple[float, float],
          row: dict[str, int]) -> str:  # fmt: skip
    sx, sy = source[0] + BOX_W / 2, source[1] + BOX_H
    tx, ty = target[0] + BOX_W / 2, target[1]
    if row[edge.target] > row[edge.source]:
        mid = (sy + ty) / 2
        path = f"M{sx:.0f},{sy:.0f} C{sx:.0f},{mid:.0f} {tx:.0f},{mid:.0f} {tx:.0f},{ty:.0f}"
        lx, ly = (sx + tx) / 2, mid
    else:  # back to an earlier row: around the right side of both boxes
        rx = max(source[0], target[0]) + BOX_W + GAP_X * 0.8
        sy, ty = source[1] + BOX_H / 2, target[1] + BOX_H / 2
        sx, tx = source[0] + BOX_W, target[0] + BOX_W
        path = f"M{sx:.0f},{sy:.0f} C{rx:.0f},{sy:.0f} {rx:.0f},{ty:.0f} {tx:.0f},{ty:.0f}"
        lx, ly = rx - 6, (sy + ty) / 2
    kind = "edge handler" if edge.handler else "edge"
    data = f' data-source="{edge.source}" data-target="{edge.target}"'
    if edge.branch is not None:
        data += f' data-branch="{escape(edge.branch[0] + "|" + edge.branch[1])}"'
    text = ""
    if edge.label:
        text = (f'<text class="edge-label" x="{lx:.0f}" y="{ly:.0f}" text-anchor="middle">'
                f"{escape(edge.label)}</text>")  # fmt: skip
    return (f'<g class="{kind}"{data}><path d="{path}" fill="none" marker-end="url(#arrow)"/>'
            f"{text}</g>")  # fmt: skip


def _step(step: g.Step, at: tuple[float, float]) -> str:
    x, y = at
    line = f' data-line="{step.line}"' if step.line is not None else ""
    shape = ' rx="22"' if step.site is None else ' rx="4"'
    texts = _lines(step.text)
    if step.line is not None:
        texts[0] = f"L{step.line} {texts[0]}"
    baseline = y + BOX_H / 2 - (len(texts) - 1) * 7 + 4
    spans = "".join(
        f'<text x="{x + BOX_W / 2:.0f}" y="{baseline + i * 14:.0f}" text-anchor="middle">'
        f"{escape(t)}</text>"
        for i, t in enumerate(texts)
    )
    return (f'<g class="step step-{escape(step.kind)}" id="step-{step.id}"{line}>'
            f"<title>{escape(step.text)}</title>"
            f'<rect x="{x:.0f}" y="{y:.0f}" width="{BOX_W}" height="{BOX_H}"{shape}/>'
            f"{spans}</g>")  # fmt: skip
