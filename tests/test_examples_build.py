"""The bundled examples: each parses and lints clean, and the builder script reproduces one."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import callflow
from callflow import model as m
from callflow.lint import lint_file

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
FLOWS = sorted(EXAMPLES.glob("*.xml"))
REQUIRED = {"main-menu", "after-hours", "geo-routing", "voicemail", "callback-flow"}


def test_the_promised_examples_exist() -> None:
    assert {p.stem for p in FLOWS} >= REQUIRED


@pytest.mark.parametrize("path", FLOWS, ids=[p.name for p in FLOWS])
def test_example_lints_without_errors_or_warnings(path: Path) -> None:
    callflow.parse(path)  # raises ParseError with findings if the grammar refuses it
    result = lint_file(str(path))
    assert [f.render() for f in result.findings] == []


def _depth(node: m.Node) -> int:
    """Nesting depth of Gathers: 1 for a flat menu."""
    inner = max((_depth(c) for c in node.children), default=0)
    return inner + 1 if isinstance(node, m.Gather) else inner


def test_main_menu_has_three_menu_levels_with_handlers() -> None:
    flow = callflow.parse(EXAMPLES / "main-menu.xml")
    assert _depth(flow) == 3
    top = next(c for c in flow.children if isinstance(c, m.Gather))
    assert len(top.branches) >= 3 and top.default is not None and top.error_handler is not None
    dials = [n for n in _walk(flow) if isinstance(n, m.Dial)]
    assert dials and all(d.error_handler is not None for d in dials)
    assert isinstance(flow.commands[-1], m.Hangup)


def _walk(node: m.Node) -> list[m.Node]:
    out = [node]
    for child in node.children:
        out.extend(_walk(child))
    return out


def test_build_script_prints_the_main_menu_model() -> None:
    script = EXAMPLES / "build_main_menu.py"
    done = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, check=True, timeout=60
    )
    assert done.stderr == ""
    assert callflow.parse(done.stdout) == callflow.parse(EXAMPLES / "main-menu.xml")
