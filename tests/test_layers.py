"""The layers below the CLI never import it: ``callflow/cli`` only parses options and prints,
so the editor server, the web page, the load users and the core reach the same facts through
core modules (``callflow.formatting``, ``callflow.coverage_report``...), never the reverse."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BELOW_CLI = ("callflow", "simulator")
CLI = "callflow.cli"


def _module(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _imports(path: Path) -> set[str]:
    package = _module(path) if path.name == "__init__.py" else _module(path).rpartition(".")[0]
    return _named(path.read_text(encoding="utf-8"), package)


def _resolved(node: ast.ImportFrom, package: str) -> str:
    """The module a ``from ... import`` line names, relative ones resolved against ``package``."""
    base = node.module or ""
    if node.level:
        anchor = package.split(".")
        anchor = anchor[: len(anchor) - (node.level - 1)]
        base = ".".join([*anchor, *([base] if base else [])])
    return base


def _named(text: str, package: str) -> set[str]:
    """Every module the ``import`` and ``from ... import`` lines of ``text`` name (relative
    ones resolved against ``package``), with ``from X import Y`` also giving ``X.Y``."""
    tree = ast.parse(text)
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = _resolved(node, package)
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


def _below_cli() -> list[Path]:
    files = [p for top in BELOW_CLI for p in sorted((ROOT / top).rglob("*.py"))]
    return [p for p in files if not _module(p).startswith(CLI)]


def _is_cli(name: str) -> bool:
    return name == CLI or name.startswith(CLI + ".")


def test_the_walk_sees_the_surfaces_below_the_cli() -> None:
    names = {_module(p) for p in _below_cli()}
    for surface in ("callflow.lsp.actions", "simulator.web.app", "simulator.load.user"):
        assert surface in names


@pytest.mark.parametrize("path", _below_cli(), ids=lambda p: _module(p))
def test_no_layer_below_the_cli_imports_it(path: Path) -> None:
    bad = sorted(n for n in _imports(path) if _is_cli(n))
    assert not bad, f"{path.relative_to(ROOT)} imports {', '.join(bad)}"


@pytest.mark.parametrize(
    "path", [p for p in _below_cli() if _module(p).startswith("callflow.")], ids=_module
)
def test_the_core_never_imports_the_simulator(path: Path) -> None:
    """Data flows one way: what the core and the simulator both need (the names of a
    request's parameters, ``callflow.requests_contract``) lives in the core."""
    bad = sorted(n for n in _imports(path) if n.split(".")[0] == "simulator")
    assert not bad, f"{path.relative_to(ROOT)} imports {', '.join(bad)}"


def test_the_check_resolves_relative_and_from_imports() -> None:
    text = "from ..cli import fmt\nfrom callflow import cli\nimport os\n"
    names = _named(text, "callflow.lsp")
    assert {"callflow.cli", "callflow.cli.fmt"} <= names
    assert not any(
        _is_cli(n) for n in _named("from ..formatting import canonical\n", "callflow.lsp")
    )


PACKAGES = ("callflow", "simulator")


def _ours(name: str) -> bool:
    return name.split(".")[0] in PACKAGES


def _private(name: str) -> bool:
    return name.startswith("_") and not name.startswith("__")


def _private_uses(text: str, package: str) -> list[str]:
    """Private names (``_x``) of another module of the packages that ``text`` uses: imported
    (``from callflow.convert import _constructor``) or read off an imported module
    (``serializer._INDENT``)."""
    tree = ast.parse(text)
    modules: dict[str, str] = {}  # local name -> module of ours it is bound to
    found: list[str] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if _ours(alias.name) and alias.asname:
                    modules[alias.asname] = alias.name
        elif isinstance(node, ast.ImportFrom):
            base = _resolved(node, package)
            if not _ours(base):
                continue
            for alias in node.names:
                if _private(alias.name):
                    found.append(f"{base}.{alias.name}")
                else:
                    modules[alias.asname or alias.name] = f"{base}.{alias.name}"
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Name)
            and node.value.id in modules
            and _private(node.attr)
        ):
            found.append(f"{modules[node.value.id]}.{node.attr}")
    return sorted(set(found))


def _package_of(path: Path) -> str:
    return _module(path) if path.name == "__init__.py" else _module(path).rpartition(".")[0]


@pytest.mark.parametrize(
    "path", [p for top in PACKAGES for p in sorted((ROOT / top).rglob("*.py"))], ids=_module
)
def test_no_module_uses_a_private_name_of_another(path: Path) -> None:
    """A helper another module needs is public and documented in the layer it belongs to:
    a private name is free to change without looking for users elsewhere."""
    used = _private_uses(path.read_text(encoding="utf-8"), _package_of(path))
    assert not used, f"{path.relative_to(ROOT)} uses {', '.join(used)}"


def test_the_private_name_check_sees_imports_and_attributes() -> None:
    text = (
        "from callflow.convert import _constructor, public\n"
        "from callflow import serializer\n"
        "import callflow.model as m\n"
        "x = serializer._INDENT + m._hidden + m.__name__ + public._inner\n"
        "from os import _exit\nimport os\ny = os._exit\n"
    )
    assert _private_uses(text, "callflow") == [
        "callflow.convert._constructor", "callflow.convert.public._inner",
        "callflow.model._hidden", "callflow.serializer._INDENT",
    ]  # fmt: skip
    assert _private_uses("from ..convert import _plan\n", "callflow.lsp") == [
        "callflow.convert._plan"
    ]
