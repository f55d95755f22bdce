"""The ``simulator.resolvers`` package's lazy exports (#24): every name its callers import from
it resolves to the object its submodule defines, and an unknown name fails as Python's own
modules fail."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import pytest

import simulator.resolvers as resolvers

ROOT = Path(__file__).resolve().parents[1]


def imported_from_package() -> set[str]:
    """Every name the project's code and tests import with ``from simulator.resolvers import``
    that is not a submodule: what callers rely on the package to export."""
    names: set[str] = set()
    for folder in ("callflow", "simulator", "tests", "bench", "examples"):
        for path in (ROOT / folder).rglob("*.py"):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            for node in ast.walk(tree):
                if isinstance(node, ast.ImportFrom) and node.module == "simulator.resolvers":
                    names.update(alias.name for alias in node.names)
    submodules = {p.stem for p in (ROOT / "simulator" / "resolvers").glob("*.py")}
    return names - submodules


def test_callers_import_only_exported_names() -> None:
    used = imported_from_package()
    assert len(used) >= 10  # the parse found the callers
    assert used <= set(resolvers.__all__)


@pytest.mark.parametrize("name", sorted(resolvers.__all__))
def test_each_export_is_the_object_its_submodule_defines(name: str) -> None:
    exported = getattr(resolvers, name)
    if isinstance(exported, type) or callable(exported):
        home = importlib.import_module(exported.__module__)
        assert exported.__module__.startswith("simulator.resolvers.")
        assert exported.__name__ == name
    else:  # a constant: the one submodule that defines it under that name
        homes = [
            importlib.import_module(f"simulator.resolvers.{p.stem}")
            for p in sorted((ROOT / "simulator" / "resolvers").glob("*.py"))
            if p.stem != "__init__"
        ]
        defining = [m for m in homes if name in vars(m) and vars(m)[name] is exported]
        assert defining
        home = defining[0]
    assert getattr(home, name) is exported


def test_star_import_brings_every_export() -> None:
    scope: dict[str, object] = {}
    exec("from simulator.resolvers import *", scope)
    assert set(resolvers.__all__) <= set(scope)


def test_an_unknown_name_is_an_attribute_error_like_any_module() -> None:
    with pytest.raises(AttributeError) as raised:
        _ = resolvers.NoSuchResolver  # type: ignore[attr-defined]
    assert str(raised.value) == "module 'simulator.resolvers' has no attribute 'NoSuchResolver'"
    assert not hasattr(resolvers, "exchange_module")
    from_json = importlib.import_module("json")
    with pytest.raises(AttributeError) as plain:
        _ = from_json.NoSuchResolver  # type: ignore[attr-defined]
    assert str(plain.value).replace("'json'", "'simulator.resolvers'") == str(raised.value)
