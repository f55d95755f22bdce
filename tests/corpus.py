"""The project's own acceptance corpus (tests/data/corpus) and the bundled examples.

Everything here lives in the repository. A broken document's first line names the one finding
it must produce (``<!-- expect: line N: CODE: why -->``); the format is in
tests/data/corpus/README.md.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CORPUS = ROOT / "tests" / "data" / "corpus"
VALID = CORPUS / "valid"
BROKEN = CORPUS / "broken"
BUNDLED = ROOT / "examples"

_EXPECT = re.compile(r"<!-- expect: line (\d+): (CF\d{3}): (.+?) -->")
_COVERS = re.compile(r"<!-- covers: (CF\d{3}): (.+?) -->")


@dataclass(frozen=True)
class Broken:
    """A broken document and the one finding it must produce."""

    path: Path
    """The document to lint (absent on purpose for a ``.expect`` entry: it cannot be read)."""
    line: int
    code: str
    why: str
    covers: tuple[str, ...] = ()
    """Codes the grammar makes unreachable from XML, which this document stands for."""


def valid_files() -> list[Path]:
    """The corpus's valid flows: they parse and lint without errors."""
    return sorted(VALID.glob("*.xml"))


def bundled_examples() -> list[Path]:
    """The flows under examples/ (the README's commands run them)."""
    return sorted(BUNDLED.glob("*.xml"))


def read_header(source: Path) -> Broken:
    """The expectation a corpus entry states on its first line (and its ``covers`` lines)."""
    text = source.read_text(encoding="utf-8")
    first = text.split("\n", 1)[0]
    found = _EXPECT.fullmatch(first.strip())
    if found is None:
        raise ValueError(f"{source}: line 1 is not '<!-- expect: line N: CODE: why -->'")
    covers = tuple(m.group(1) for m in _COVERS.finditer(text))
    path = source.with_suffix(".xml") if source.suffix == ".expect" else source
    return Broken(path, int(found.group(1)), found.group(2), found.group(3), covers)


def broken_documents() -> list[Broken]:
    """Every broken document of the corpus, in file-name order."""
    entries = [*BROKEN.glob("*.xml"), *BROKEN.glob("*.expect")]
    return [read_header(p) for p in sorted(entries, key=lambda p: p.name)]


def broken_files() -> list[Path]:
    """The broken documents that exist as files (all but the unreadable entries)."""
    return [d.path for d in broken_documents() if d.path.exists()]
