"""The flows the page may show: the ``*.xml`` files under the served paths, and nothing else.

A flow is named in URLs by its path below the served folder (``menus/main.xml``). A name is
looked up among the files the linter's own walk finds (``callflow.lint.expand``: hidden
entries skipped, links leading out passed over), never joined to a folder and opened, so
``../`` or an absolute path in a URL names no flow. A scenario the page saves goes beside its
flow, under a plain file name.
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from callflow.config import ConfigError, Configs, Settings
from callflow.decoding import decode_for_display
from callflow.graph import build
from callflow.lint import FileResult, expand, lint_data, lint_loaded
from callflow.parser import load_bytes
from callflow.reporting import finding_dict
from simulator.debugger import Refused
from simulator.web.phone import SAVE_NAME
from simulator.web.picture import svg

MAX_FLOW_BYTES = 4 * 1024 * 1024
"""A flow larger than this is listed as unreadable, not shown (the parser has its own bound)."""


class NotServed(LookupError):
    """A name that is not one of the served flows (or a file name the page may not write)."""


@dataclass(frozen=True, slots=True)
class Library:
    """The served paths: folders (walked for ``*.xml``) and single files."""

    paths: tuple[Path, ...]

    @property
    def base(self) -> Path:
        """The folder names are relative to: the common folder of everything served."""
        folders = [p if p.is_dir() else p.parent for p in self.paths]
        return Path(os.path.commonpath([os.path.abspath(f) for f in folders]))

    def files(self) -> dict[str, Path]:
        """Name -> file of every served flow, in the linter's order."""
        base = self.base
        found: dict[str, Path] = {}
        for item in expand(self.paths):
            if isinstance(item, FileResult):
                continue
            path = Path(os.path.abspath(item))
            found[path.relative_to(base).as_posix()] = path
        return found

    def resolve(self, name: str) -> Path:
        """The file of a served flow; ``NotServed`` for any other name."""
        path = self.files().get(name)
        if path is None:
            raise NotServed(f"no served flow is named {name!r}")
        return path

    def listing(self) -> list[dict[str, Any]]:
        """Every flow with its lint status (counts of errors and warnings)."""
        rows = []
        configs = _configs()
        for name, path in self.files().items():
            result = _lint(path, _settings(configs, path))
            rows.append({
                "name": name,
                "errors": result.count("error"),
                "warnings": result.count("warning"),
                "unreadable": result.unreadable,
            })  # fmt: skip
        return rows

    def flow(self, name: str) -> dict[str, Any]:
        """What a flow's page shows: source, findings, the graph (data and SVG), a digest
        that changes when the file does."""
        path = self.resolve(name)
        data = _read(path)
        loaded = load_bytes(data, str(path))
        findings = lint_loaded(loaded, _settings(_configs(), path))
        source = decode_for_display(data)  # as the parser read it (BOM, XML declaration)
        page: dict[str, Any] = {
            "name": name,
            "source": source,
            "digest": hashlib.sha256(data).hexdigest(),
            "findings": [finding_dict(f) | {"file": name} for f in findings],
            "svg": None,
            "steps": [],
            "edges": [],
        }
        model = loaded.model
        if model is not None:
            graph = build(model)
            page["svg"] = svg(graph)
            page["steps"] = [{"id": s.id, "kind": s.kind, "text": s.text, "line": s.line}
                             for s in graph.steps]  # fmt: skip
            page["edges"] = [{"source": e.source, "target": e.target, "label": e.label,
                              "handler": e.handler} for e in graph.edges]  # fmt: skip
        return page

    def digest(self, name: str) -> str:
        return hashlib.sha256(_read(self.resolve(name))).hexdigest()

    def scenario_target(self, flow: Path, file_name: str) -> Path:
        """Where the page saves a scenario of ``flow``: beside it, under a plain name."""
        if not SAVE_NAME.fullmatch(file_name):
            raise NotServed(
                f"{file_name!r} is not a scenario file name the page may write: letters, digits,"
                " '.', '_' and '-', ending in .yaml or .yml, no folder"
            )
        return flow.parent / file_name


def _read(path: Path) -> bytes:
    with path.open("rb") as handle:
        data = handle.read(MAX_FLOW_BYTES + 1)
    if len(data) > MAX_FLOW_BYTES:
        raise NotServed(f"{path.name} is larger than {MAX_FLOW_BYTES} bytes")
    return data


def _configs() -> Configs:
    """The project's settings, found per file as `callflow lint` finds them (the nearest
    callflow.toml or pyproject.toml [tool.callflow] above it), read afresh for each request
    so an edited config shows at once."""
    return Configs()


def _settings(configs: Configs, path: Path) -> Settings:
    try:
        return configs.for_path(str(path))
    except ConfigError as exc:  # as `callflow lint` does: the config is wrong, say where
        raise Refused(str(exc)) from None


def _lint(path: Path, settings: Settings) -> FileResult:
    try:
        return lint_data(str(path), _read(path), settings)
    except (OSError, NotServed):
        return FileResult(str(path), unreadable=True)
