"""The funnel as a chart: a self-contained HTML page with an inline SVG (no dependency), or a
PNG when matplotlib happens to be installed (it is not a dependency of this project).

One horizontal bar per step, widest first: recipients simulated, calls answered, then every
command the funnel reports in document order, each bar as long as the calls that reached it,
its darker end the calls whose callee hung up there.
"""

from __future__ import annotations

import html
import importlib.util
from pathlib import Path
from typing import Any

BAR_HEIGHT = 26
GAP = 8
LABEL_WIDTH = 360
BAR_WIDTH = 480
VALUE_WIDTH = 150


class ChartUnavailable(Exception):
    """The chart format asked for cannot be made here (PNG without matplotlib)."""


def bars(data: dict[str, Any]) -> list[tuple[str, int, int]]:
    """(label, reached, hung up there) for each step of the funnel."""
    out = [
        ("recipients simulated", data["recipients"]["simulated"], 0),
        ("answered", data["calls"]["answered"], 0),
    ]
    for stage in data["stages"]:
        tag = f" {stage['tag']}" if stage["tag"] else ""
        label = f"line {stage['line']} {stage['command']}{tag}"
        out.append((label, stage["reached"], stage["hung_up"]))
    return out


def svg(data: dict[str, Any]) -> str:
    """The funnel as an SVG element."""
    steps = bars(data)
    top = max((n for _, n, _ in steps), default=0) or 1
    height = len(steps) * (BAR_HEIGHT + GAP) + GAP
    width = LABEL_WIDTH + BAR_WIDTH + VALUE_WIDTH
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" role="img" aria-label="campaign funnel">'
    ]
    for index, (label, count, dropped) in enumerate(steps):
        y = GAP + index * (BAR_HEIGHT + GAP)
        length = round(BAR_WIDTH * count / top)
        lost = round(BAR_WIDTH * dropped / top)
        share = f"{count / top * 100:.1f}%"
        middle = y + BAR_HEIGHT / 2
        parts.append(
            f'<text x="{LABEL_WIDTH - 8}" y="{middle}" text-anchor="end" '
            f'dominant-baseline="middle">{html.escape(label)}</text>'
        )
        parts.append(
            f'<rect class="bar" x="{LABEL_WIDTH}" y="{y}" width="{length}" '
            f'height="{BAR_HEIGHT}"><title>{count} ({share})</title></rect>'
        )
        if lost:
            parts.append(
                f'<rect class="lost" x="{LABEL_WIDTH + length - lost}" y="{y}" width="{lost}" '
                f'height="{BAR_HEIGHT}"><title>{dropped} hung up here</title></rect>'
            )
        note = f"{count} ({share})" + (f", {dropped} hung up" if dropped else "")
        parts.append(
            f'<text x="{LABEL_WIDTH + length + 6}" y="{middle}" '
            f'dominant-baseline="middle">{html.escape(note)}</text>'
        )
    parts.append("</svg>")
    return "\n".join(parts)


def page(data: dict[str, Any]) -> str:
    """A whole HTML page: the chart, the headline numbers and the billing rule."""
    title = f"Campaign funnel: {data['flow']} x {data['recipients_file']}"
    calls, billing = data["calls"], data["billing"]
    facts = [
        f"seed {data['seed']}",
        f"{calls['placed']} calls placed, {calls['answered']} answered",
        f"{billing['total_minutes']:g} billed minutes ({billing['rule']})",
        f"{data['unhandled_failures']['calls']} calls with an unhandled failure",
    ]
    items = "".join(f"<li>{html.escape(f)}</li>" for f in facts)
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{html.escape(title)}</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2rem; color: #222; }}
svg text {{ font-size: 13px; fill: #222; }}
.bar {{ fill: #4a7fc1; }}
.lost {{ fill: #c1554a; }}
</style>
</head>
<body>
<h1>{html.escape(title)}</h1>
<ul>{items}</ul>
{svg(data)}
<p>Bar length: calls that reached the step. Red end: callees who hung up there.</p>
</body>
</html>
"""


def png_available() -> bool:
    return importlib.util.find_spec("matplotlib") is not None


def write_chart(data: dict[str, Any], path: Path) -> None:
    """Write ``path`` as HTML (``.html``/``.htm``) or PNG (``.png``, needs matplotlib)."""
    suffix = path.suffix.lower()
    if suffix in (".html", ".htm"):
        path.write_text(page(data), encoding="utf-8")
        return
    if suffix != ".png":
        raise ChartUnavailable(f"{path}: write the chart as .html or .png")
    if not png_available():
        raise ChartUnavailable(
            "a PNG chart needs matplotlib, which is not installed "
            "(pip install matplotlib); an .html chart needs nothing"
        )
    _png(data, path)


def _png(data: dict[str, Any], path: Path) -> None:  # pragma: no cover - needs matplotlib
    importlib.import_module("matplotlib").use("Agg")
    plt: Any = importlib.import_module("matplotlib.pyplot")

    steps = bars(data)[::-1]
    figure, axes = plt.subplots(figsize=(10, 0.45 * len(steps) + 1))
    labels = [label for label, _, _ in steps]
    axes.barh(labels, [n for _, n, _ in steps], color="#4a7fc1")
    axes.barh(labels, [d for _, _, d in steps], left=[n - d for _, n, d in steps], color="#c1554a")
    axes.set_title(f"{data['flow']} x {data['recipients_file']} (seed {data['seed']})")
    figure.tight_layout()
    figure.savefig(path)
    plt.close(figure)
