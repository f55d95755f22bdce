"""Reading a TwiML document as safely as an Opentact one: the same lxml parser (no DTD, no
entities, no network, the resolver that reads no external file), the same size and depth
limits and the same findings (``file:line:col: CF001 error ...``), but no Opentact schema.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from callflow import parser as p
from callflow.diagnostics import Finding
from callflow.parser import ParseError

XML_NS = "{http://www.w3.org/XML/1998/namespace}"


@dataclass
class TwimlDocument:
    """A well-formed TwiML tree and where each of its elements and attributes is."""

    tree: p.SourceTree

    @property
    def root(self) -> Any:
        return self.tree.root

    @property
    def file(self) -> str | None:
        return self.tree.file

    def pos(self, el: Any) -> tuple[int, int]:
        """Line and column where the start tag of ``el`` begins."""
        at = self.tree.pos(el)
        return at.line, at.col

    def attr_pos(self, el: Any, name: str) -> tuple[int, int]:
        """Line and column of attribute ``name`` of ``el`` (its start tag if not written)."""
        line, col = self.tree.attr_pos(el, name)
        return int(line), int(col)


def attr_name(key: str) -> str:
    """lxml's ``{namespace}name`` as written: ``xml:lang`` for the XML namespace."""
    if key.startswith(XML_NS):
        return "xml:" + key[len(XML_NS) :]
    return key.rsplit("}", 1)[-1]


def tag_name(el: Any) -> str:
    tag = el.tag
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else "?"


def _fail(info: Any, message: str, file: str | None, line: int = 1, col: int = 1) -> ParseError:
    return ParseError([Finding(info.code, info.severity, message, file, line, col)])


def read_source(source: str | bytes | os.PathLike[str], file: str | None = None) -> TwimlDocument:
    """Read TwiML from a path, text or bytes; ``ParseError`` if it cannot be read, is not
    well-formed, is unsafe or too large, or its root is not ``<Response>``. As for
    ``callflow.parse``, a ``str`` that does not start with ``<`` is a path."""
    if isinstance(source, str) and not source.lstrip("\ufeff \t\r\n").startswith("<"):
        source = Path(source)
    if isinstance(source, os.PathLike):
        file = file or os.fspath(source)
        try:
            data = p.read_bytes(source)
        except p.DocumentTooLarge as exc:
            raise _fail(p.TOO_LARGE, str(exc), file) from None
        except OSError as exc:
            raise _fail(p.UNREADABLE, f"cannot read: {exc.strerror or exc}", file) from None
        return read_bytes(data, file)
    if isinstance(source, str):  # already decoded: an encoding declaration no longer applies
        return read_bytes(source.lstrip("\ufeff").encode("utf-8"), file, "utf-8")
    return read_bytes(source, file)


def read_bytes(data: bytes, file: str | None = None, encoding: str | None = None) -> TwimlDocument:
    """Parse with the Opentact reader's safety rules and limits (``callflow.parser.read_tree``)
    and check the root; ``ParseError`` if any of that fails."""
    doc = TwimlDocument(p.read_tree(data, file, encoding))
    if doc.root.tag != "Response":
        line, col = doc.pos(doc.root)
        msg = f"root element must be Response (a TwiML voice document), not {tag_name(doc.root)}"
        raise _fail(p.WRONG_ROOT, msg, file, line, col)
    return doc
