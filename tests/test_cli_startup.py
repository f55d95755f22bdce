"""The entry point's garbage collector handling: off while a subcommand's modules load,
on again afterwards whatever happens, and the loaded modules frozen once a process."""

from __future__ import annotations

import gc
import importlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

import callflow.cli as cli_module
from callflow.cli import main


@pytest.fixture
def fresh(monkeypatch: pytest.MonkeyPatch) -> Iterator[list[str]]:
    """A process state as at start, gc.freeze recorded instead of done, the collector's
    state seen by every module load of a subcommand."""
    events: list[str] = []
    monkeypatch.setattr(cli_module, "_PROCESS", {"importing": False, "frozen": False})
    monkeypatch.setattr(cli_module.gc, "freeze", lambda: events.append("freeze"))
    real = importlib.import_module

    def load(name: str, package: str | None = None) -> Any:
        events.append(f"load {name} gc={'on' if gc.isenabled() else 'off'}")
        return real(name, package)

    monkeypatch.setattr(cli_module.importlib, "import_module", load)
    yield events
    gc.enable()


def _run(args: list[str]) -> int:
    try:
        main(args)
    except SystemExit as exc:
        return int(exc.code or 0)
    return 0


def test_off_while_the_subcommand_loads_then_on_and_frozen_once(
    fresh: list[str], tmp_path: Path
) -> None:
    flow = tmp_path / "f.xml"
    flow.write_text("<Response><Hangup/></Response>\n")
    assert _run(["lint", "--no-cache", str(flow)]) == 0
    assert fresh == ["load callflow.cli.lint gc=off", "freeze"]
    assert gc.isenabled()
    assert _run(["lint", "--no-cache", str(flow)]) == 0
    assert fresh[2:] == ["load callflow.cli.lint gc=off"]  # frozen once a process
    assert gc.isenabled()


@pytest.mark.parametrize("args", [["--help"], ["no-such-command"], ["lint"]])
def test_on_again_when_no_subcommand_runs(fresh: list[str], args: list[str]) -> None:
    _run(args)
    assert gc.isenabled()


def test_left_off_when_the_caller_had_turned_it_off(fresh: list[str], tmp_path: Path) -> None:
    flow = tmp_path / "f.xml"
    flow.write_text("<Response><Hangup/></Response>\n")
    gc.disable()
    _run(["lint", "--no-cache", str(flow)])
    assert not gc.isenabled()
    assert "freeze" not in fresh
