"""The importer package's public names, as its docstring shows them used."""

from __future__ import annotations

import callflow.importers as importers


def test_star_import_gives_every_public_name() -> None:
    """``from callflow.importers import *`` fails on a name in __all__ it does not define."""
    namespace: dict[str, object] = {}
    exec("from callflow.importers import *", namespace)
    assert set(importers.__all__) <= set(namespace)
    text = "<Response><Say>Hi</Say></Response>"
    model, report = namespace["convert_twiml"](text)  # type: ignore[operator]
    assert namespace["twiml"](text) == model  # type: ignore[operator]
    assert isinstance(report, namespace["Report"])  # type: ignore[arg-type]
