"""The code quality gates the project promises: mypy --strict and ruff, run as tests.

They run the tools over the packages exactly as a developer would, so CI fails when a change
brings a type error or a lint finding, not only when behaviour breaks.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=ROOT, capture_output=True, text=True, check=False)


def test_mypy_strict_is_clean_on_the_packages() -> None:
    pytest.importorskip("mypy")
    done = _run(sys.executable, "-m", "mypy", "--strict", "callflow", "simulator")
    assert done.returncode == 0, done.stdout + done.stderr


@pytest.mark.skipif(
    shutil.which("ruff") is None and not (Path(sys.executable).parent / "ruff").exists(),
    reason="ruff not installed",
)
def test_ruff_check_and_format_are_clean() -> None:
    ruff = shutil.which("ruff") or str(Path(sys.executable).parent / "ruff")
    check = _run(ruff, "check", ".")
    assert check.returncode == 0, check.stdout + check.stderr
    fmt = _run(ruff, "format", "--check", ".")
    assert fmt.returncode == 0, fmt.stdout + fmt.stderr
