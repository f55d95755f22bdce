"""Record the HTTP traffic of a live or in-process run to a YAML cassette, and replay it offline.

A cassette lets CI run the scenarios of a dynamic IVR without its backend: record once against
the real app (``--record-http cassette.yaml``), replay the answers as canned ones afterwards.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any

import yaml

from callflow.fsio import read_regular
from simulator.http import HttpAnswer, HttpRequest, Resolver, without_query

VERSION = 1
_HEADER = "# HTTP cassette of opentact-callflow: recorded requests and answers, in order.\n"


class CassetteError(Exception):
    """A cassette that cannot be read; ``file``, ``line``, ``col`` say where (1-based)."""

    def __init__(self, file: str, message: str, line: int = 1, col: int = 1) -> None:
        self.file, self.message, self.line, self.col = file, message, line, col
        super().__init__(f"{file}:{line}:{col}: {message}")


@dataclass(frozen=True, slots=True)
class Interaction:
    request: HttpRequest
    answer: HttpAnswer


class RecordingResolver:
    """Passes every request to ``inner`` and keeps request and answer for the cassette.

    The cassette is written (atomically) by ``save`` / ``close``, so a run that crashes halfway
    does not leave half a file; ``close`` also closes ``inner``.
    """

    def __init__(
        self,
        inner: Resolver,
        path: str | os.PathLike[str],
        interactions: list[Interaction] | None = None,
    ) -> None:
        """``interactions``: a list to append to, shared when several runs fill one cassette."""
        self.inner = inner
        self.path = Path(path)
        self.interactions: list[Interaction] = interactions if interactions is not None else []

    def resolve(self, request: HttpRequest) -> HttpAnswer:
        answer = self.inner.resolve(request)
        self.interactions.append(Interaction(request, answer))
        return answer

    def save(self) -> None:
        write_cassette(self.path, self.interactions)

    def close(self) -> None:
        try:
            self.save()
        finally:
            close = getattr(self.inner, "close", None)
            if callable(close):
                close()

    def __enter__(self) -> RecordingResolver:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()


@dataclass
class CassetteResolver:
    """Replays a cassette: by (method, URL with query, body), else by (method, URL without query).

    Among the recordings that match, each is used once in recording order and the last one
    again after that, so a flow that asks the same URL twice gets what it got when recorded.
    An unmatched request fails, as a server with no answer would.
    """

    interactions: list[Interaction] = field(default_factory=list)
    used: set[int] = field(default_factory=set)

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> CassetteResolver:
        return cls(read_cassette(path))

    def resolve(self, request: HttpRequest) -> HttpAnswer:
        method = request.method.upper()
        exact = [
            i
            for i, it in enumerate(self.interactions)
            if it.request.method.upper() == method
            and it.request.url == request.url
            and it.request.body == request.body
        ]
        loose = exact or [
            i
            for i, it in enumerate(self.interactions)
            if it.request.method.upper() == method
            and without_query(it.request.url) == without_query(request.url)
        ]
        if not loose:
            return HttpAnswer(
                error=f"no recorded answer for {method} {request.url}", source=request.url
            )
        chosen = next((i for i in loose if i not in self.used), loose[-1])
        self.used.add(chosen)
        return self.interactions[chosen].answer

    def close(self) -> None:
        """Nothing to release; here so every resolver can be closed the same way."""


def write_cassette(path: str | os.PathLike[str], interactions: list[Interaction]) -> None:
    """Write atomically: a temporary file in the same directory, then a rename."""
    doc = {"version": VERSION, "interactions": [_dump(it) for it in interactions]}
    text = _HEADER + yaml.dump(doc, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)
    target = Path(path)
    fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
        os.replace(tmp, target)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def read_cassette(path: str | os.PathLike[str]) -> list[Interaction]:
    name = os.fspath(path)
    try:
        text = read_regular(path).decode("utf-8")  # a FIFO is refused, not awaited
    except (OSError, UnicodeDecodeError) as exc:
        raise CassetteError(name, f"cannot read cassette: {exc}") from None
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line, col = (mark.line + 1, mark.column + 1) if mark is not None else (1, 1)
        problem = getattr(exc, "problem", None) or str(exc)
        raise CassetteError(name, f"not valid YAML: {problem}", line, col) from None
    if not isinstance(data, dict) or data.get("version") != VERSION:
        raise CassetteError(name, f"not a cassette (expected 'version: {VERSION}' at the top)")
    items = data.get("interactions")
    if not isinstance(items, list):
        raise CassetteError(name, "'interactions' must be a list")
    nodes = _item_nodes(root)
    out = []
    for index, item in enumerate(items):
        try:
            out.append(_load(item))
        except (TypeError, ValueError) as exc:
            node = nodes[index] if index < len(nodes) else None
            line = node.start_mark.line + 1 if node is not None else 1
            raise CassetteError(name, f"interaction {index + 1}: {exc}", line) from None
    return out


def _dump(it: Interaction) -> dict[str, Any]:
    req, ans = it.request, it.answer
    request: dict[str, Any] = {
        "method": req.method,
        "url": req.url,
        "command": req.command,
        "timeout_ms": req.timeout_ms,
    }
    if req.body is not None:
        request["body"] = req.body
    answer: dict[str, Any] = {}
    for key in ("status", "error", "elapsed_ms", "source", "text"):
        value = getattr(ans, key)
        if value is not None:
            answer[key] = value
    return {"request": request, "answer": answer}


def _load(item: object) -> Interaction:
    if not isinstance(item, dict):
        raise TypeError("expected a mapping with 'request' and 'answer'")
    req, ans = item.get("request"), item.get("answer")
    if not isinstance(req, dict) or not isinstance(ans, dict):
        raise TypeError("expected a mapping with 'request' and 'answer'")
    body = req.get("body")
    if body is not None and not isinstance(body, dict):
        raise TypeError("request body must be a mapping")
    request = HttpRequest(
        method=_typed(req, "method", str),
        url=_typed(req, "url", str),
        body=body,
        timeout_ms=_typed(req, "timeout_ms", int, 0),
        command=_typed(req, "command", str, ""),
    )
    answer = HttpAnswer(
        status=_typed(ans, "status", int, None),
        text=_typed(ans, "text", str, None),
        error=_typed(ans, "error", str, None),
        elapsed_ms=_typed(ans, "elapsed_ms", int, 0),
        source=_typed(ans, "source", str, None),
    )
    if answer.status is None and answer.error is None:
        raise ValueError("answer needs a 'status' or an 'error'")
    return Interaction(request, answer)


_MISSING = object()


def _typed(mapping: dict[str, Any], key: str, kind: type, default: Any = _MISSING) -> Any:
    value = mapping.get(key, default)
    if value is _MISSING:
        raise ValueError(f"missing '{key}'")
    if value is not default and (not isinstance(value, kind) or isinstance(value, bool)):
        raise TypeError(f"'{key}' must be {kind.__name__}, not {type(value).__name__}")
    return value


def _item_nodes(root: yaml.Node | None) -> list[yaml.Node]:
    """The YAML nodes of the interactions, for line numbers in errors."""
    if not isinstance(root, yaml.MappingNode):
        return []
    for key, value in root.value:
        if key.value == "interactions" and isinstance(value, yaml.SequenceNode):
            return list(value.value)
    return []


class _Dumper(yaml.SafeDumper):
    """Multi-line text (the XML documents) as literal blocks, so cassettes read like the files."""


_RAW_BREAKS = frozenset("\x85\u2028\u2029\ufeff")
"""Characters PyYAML writes raw in plain and block scalars but reads back as line breaks."""


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = '"' if _RAW_BREAKS.intersection(value) else "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)
