"""The pre-commit hooks this repository publishes (``.pre-commit-hooks.yaml``), run by the real
pre-commit on a temporary git repository.

Offline, pre-commit cannot build a ``language: python`` hook's environment (it would pip-install
this project and its dependencies), so the test copies each published hook into a ``repo:
local`` config with ``language: system`` and runs the ``callflow`` installed beside this Python.
Everything else (id, entry, file types, how files are passed) is the published hook's own.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
MANIFEST = ROOT / ".pre-commit-hooks.yaml"
BIN = Path(sys.executable).parent

GOOD = '<?xml version="1.0" encoding="UTF-8"?>\n<Response>\n  <Say>Hello.</Say>\n</Response>\n'
BAD = "<Response>\n  <Hangup/>\n  <Say>Nobody hears this.</Say>\n</Response>\n"
UNFORMATTED = "<Response><Say>Hello.</Say></Response>"

pytestmark = [
    pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed"),
    pytest.mark.skipif(not (BIN / "callflow").exists(), reason="callflow is not installed here"),
]


def published() -> dict[str, dict[str, Any]]:
    hooks: list[dict[str, Any]] = yaml.safe_load(MANIFEST.read_text())
    return {hook["id"]: hook for hook in hooks}


def pre_commit(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env["PATH"] = f"{BIN}{os.pathsep}{env.get('PATH', '')}"
    env["PRE_COMMIT_HOME"] = str(cwd.parent / "pre-commit-home")
    env["NO_COLOR"] = "1"
    command = [sys.executable, "-m", "pre_commit", *args]
    return subprocess.run(command, cwd=cwd, env=env, capture_output=True, text=True, check=False)


@pytest.fixture
def repo(tmp_path: Path) -> Path:
    """A git repository whose pre-commit config holds the published hooks, run locally."""
    folder = tmp_path / "project"
    folder.mkdir()
    subprocess.run(["git", "init", "-q", str(folder)], check=True)
    hooks = [{**hook, "language": "system"} for hook in published().values()]
    config = {"repos": [{"repo": "local", "hooks": hooks}]}
    (folder / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config))
    (folder / "flows").mkdir()
    (folder / "flows" / "good.xml").write_text(GOOD)
    (folder / "flows" / "bad.xml").write_text(BAD)
    (folder / "flows" / "messy.xml").write_text(UNFORMATTED)
    (folder / "notes.txt").write_text("<Response> not a flow\n")
    subprocess.run(["git", "add", "."], cwd=folder, check=True)
    return folder


def test_the_manifest_is_valid_and_publishes_lint_and_fmt() -> None:
    done = pre_commit("validate-manifest", str(MANIFEST), cwd=ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    hooks = published()
    assert hooks["callflow-lint"]["entry"] == "callflow lint"
    assert hooks["callflow-fmt"]["entry"] == "callflow fmt"
    assert all(h["types"] == ["xml"] and h["language"] == "python" for h in hooks.values())


def test_lint_hook_passes_a_good_file(repo: Path) -> None:
    done = pre_commit("run", "callflow-lint", "--files", "flows/good.xml", "notes.txt", cwd=repo)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Passed" in done.stdout


def test_lint_hook_fails_a_bad_file_naming_the_rule(repo: Path) -> None:
    done = pre_commit("run", "callflow-lint", "--all-files", cwd=repo)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "Failed" in done.stdout
    assert "flows/bad.xml:3:3: CF101 error Say after the Hangup" in done.stdout
    assert "notes.txt" not in done.stdout  # only XML files are passed to the hook


def test_lint_hook_honours_the_projects_config(repo: Path) -> None:
    (repo / "callflow.toml").write_text('ignore = ["CF101"]\n')
    done = pre_commit("run", "callflow-lint", "--files", "flows/bad.xml", cwd=repo)
    assert done.returncode == 0, done.stdout + done.stderr


def test_fmt_hook_rewrites_a_messy_file_and_then_passes(repo: Path) -> None:
    first = pre_commit("run", "callflow-fmt", "--files", "flows/messy.xml", cwd=repo)
    assert first.returncode == 1, first.stdout + first.stderr
    assert "files were modified by this hook" in first.stdout
    assert (repo / "flows" / "messy.xml").read_text() == (
        '<?xml version="1.0" encoding="UTF-8"?>\n<Response>\n  <Say>Hello.</Say>\n</Response>\n'
    )
    subprocess.run(["git", "add", "flows/messy.xml"], cwd=repo, check=True)
    again = pre_commit("run", "callflow-fmt", "--files", "flows/messy.xml", cwd=repo)
    assert again.returncode == 0, again.stdout + again.stderr
