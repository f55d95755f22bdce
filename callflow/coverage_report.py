"""Reading a coverage report (``callflow test --coverage-json``, ``callflow explore --format
json``) back: which of its entries is the flow at hand, and what that entry covered.

A report names each flow by the path as it was typed and by the SHA-256 of its bytes. The path
string means nothing from another folder (``menu.xml`` run in ``flows/`` is ``flows/menu.xml``
from the repository root), so an entry is found by content first, then by the resolved path
(relative to the current folder or to the report's), and only then, when the report holds a
single flow, by being the only one (with a warning when its content differs).
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from callflow import graph as g


@dataclass(frozen=True, slots=True)
class Marks:
    """What some runs covered: site ids of commands, (site id, label) of branches."""

    commands: frozenset[str]
    branches: frozenset[tuple[str, str]]


class CoverageError(Exception):
    """A coverage file that cannot be used for this flow."""


def read_marks(path: Path, flow: Path) -> tuple[Marks, str | None]:
    """The coverage of ``flow`` in a coverage JSON file, and a warning when it looks stale."""
    sha = g.digest(flow)
    entry = find_entry(read_report(path), flow, path.parent, sha)
    try:
        commands = frozenset(str(i["id"]) for i in entry["commands"]["items"] if i["hits"])
        branches = frozenset((str(i["id"]), str(i["branch"]))
                             for i in entry["branches"]["items"] if i["hits"])  # fmt: skip
    except (KeyError, TypeError) as exc:
        raise CoverageError(f"not a coverage report (missing {exc})") from None
    warning = None
    if entry.get("sha256") not in (None, sha):
        warning = f"{path}: measured on another version of {flow}; colours may be wrong"
    return Marks(commands, branches), warning


def read_report(path: Path) -> list[dict[str, Any]]:
    """The per-flow entries of a coverage JSON file; ``CoverageError`` says why it is unusable."""
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise CoverageError(f"cannot read it: {exc.strerror or exc}") from None
    except (ValueError, UnicodeDecodeError, RecursionError) as exc:
        raise CoverageError(f"not JSON: {exc}") from None
    return flows(data)


def flows(data: Any) -> list[dict[str, Any]]:
    """The per-flow entries of a report (explore's JSON holds one under ``coverage``)."""
    if isinstance(data, dict) and isinstance(data.get("coverage"), dict):
        data = data["coverage"]
    if not isinstance(data, dict) or not isinstance(data.get("flows"), list):
        raise CoverageError("not a coverage report (no 'flows' list)")
    return [f for f in data["flows"] if isinstance(f, dict)]


def _resolved(entry: dict[str, Any], folder: Path) -> set[str]:
    """Where an entry's path may point: from the current folder, or from the report's."""
    name = entry.get("flow")
    if not isinstance(name, str) or not name:
        return set()
    return {os.path.realpath(name), os.path.realpath(folder / name)}


def find_entry(
    entries: list[dict[str, Any]], flow: Path, folder: Path, sha: str | None
) -> dict[str, Any]:
    """The entry for ``flow``: same content, then same resolved file, then the only one.

    Among entries with the same content (one file under two names), the one that is also
    the same file wins.
    """
    here = os.path.realpath(flow)
    same_file = [e for e in entries if here in _resolved(e, folder)]
    same_content = [e for e in entries if sha is not None and e.get("sha256") == sha]
    if same_content:
        both = [e for e in same_content if any(e is f for f in same_file)]
        return (both or same_content)[0]
    if same_file:
        return same_file[0]
    if len(entries) == 1:
        return entries[0]
    names = ", ".join(str(e.get("flow")) for e in entries) or "none"
    raise CoverageError(f"has no entry for {flow} (it covers: {names})")
