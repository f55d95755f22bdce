"""What the bundled examples import is installed by the package or by its ``examples`` extra
(``pip install '.[examples]'``, as the README says), so every example runs after the README's
install without guessing which package is missing."""

from __future__ import annotations

import ast
import re
import sys
import tomllib
from importlib.metadata import packages_distributions
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OWN = {"callflow", "simulator", "examples"}


def _requirement_names(requirements: list[str]) -> set[str]:
    return {
        re.split(r"[\s<>=!~\[;]", r, maxsplit=1)[0].lower().replace("_", "-") for r in requirements
    }


def _imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


def third_party_imports() -> dict[str, set[str]]:
    """Top-level module -> the example files importing it, for modules not ours or stdlib."""
    where: dict[str, set[str]] = {}
    for path in sorted((ROOT / "examples").rglob("*.py")):
        for module in _imports(path) - OWN - set(sys.stdlib_module_names) - {"__future__"}:
            where.setdefault(module, set()).add(str(path.relative_to(ROOT)))
    return where


def test_every_example_import_is_a_dependency_or_in_the_examples_extra() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    allowed = _requirement_names(project["dependencies"])
    allowed |= _requirement_names(project["optional-dependencies"]["examples"])
    dists = packages_distributions()
    imports = third_party_imports()
    assert "flask" in imports  # the web app is scanned: the check is not vacuous
    missing = {}
    for module, files in imports.items():
        names = {d.lower().replace("_", "-") for d in dists.get(module, [module])}
        if not names & allowed:
            missing[module] = sorted(files)
    assert not missing, f"install these with the package or the 'examples' extra: {missing}"
