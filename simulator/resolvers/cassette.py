"""Record the HTTP traffic of a live or in-process run to a YAML cassette, and replay it offline.

A cassette lets CI run the scenarios of a dynamic IVR without its backend: record once against
the real app (``--record-http cassette.yaml``), replay the answers as canned ones afterwards.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import dataclass, field
from pathlib import Path
from types import TracebackType
from typing import Any
from urllib.parse import SplitResult, parse_qsl, urlsplit

import yaml

from callflow.fsio import read_regular
from simulator.http import HttpAnswer, HttpRequest, Resolver
from simulator.yamlread import DataError, compose_yaml, construct_yaml

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


MATCH_KEYS: tuple[str, ...] = ("method", "scheme", "host", "port", "path", "query", "body")
"""What a replayed request is compared on (VCR.py's ``match_on``); all of them by default."""


@dataclass
class CassetteResolver:
    """Replays a cassette: a request gets an answer only when it matches a recorded one.

    By default a match is exact (method, URL with every query parameter, and body); a cassette
    may loosen it with ``match: [method, path]`` (any of ``MATCH_KEYS``). Among the recordings
    that match, each is used once in recording order and the last one again after that, so a
    flow that asks the same URL twice gets what it got when recorded. An unmatched request
    fails, as a server with no answer would, naming the nearest recording and how it differs:
    a loose fallback would answer one caller with another caller's data.
    """

    interactions: list[Interaction] = field(default_factory=list)
    used: set[int] = field(default_factory=set)
    match: tuple[str, ...] = MATCH_KEYS

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> CassetteResolver:
        tape = read_tape(path)
        return cls(list(tape.interactions), match=tape.match)

    def resolve(self, request: HttpRequest) -> HttpAnswer:
        differences = [_differences(it.request, request, self.match) for it in self.interactions]
        matching = [i for i, diff in enumerate(differences) if not diff]
        if not matching:
            return HttpAnswer(error=self._unmatched(request, differences), source=request.url)
        chosen = next((i for i in matching if i not in self.used), matching[-1])
        self.used.add(chosen)
        return self.interactions[chosen].answer

    def _unmatched(self, request: HttpRequest, differences: list[list[str]]) -> str:
        said = f"no recorded answer for {request.method.upper()} {request.url}"
        if not differences:
            return f"{said} (the cassette is empty)"
        nearest = min(range(len(differences)), key=lambda i: len(differences[i]))
        recorded = self.interactions[nearest].request
        shown = f"{recorded.method.upper()} {recorded.url}"
        return f"{said} (nearest recorded: {shown}; differs in: {', '.join(differences[nearest])})"

    def close(self) -> None:
        """Nothing to release; here so every resolver can be closed the same way."""


def _differences(recorded: HttpRequest, asked: HttpRequest, keys: tuple[str, ...]) -> list[str]:
    """How ``asked`` differs from ``recorded`` on ``keys``, each as ``what=asked vs recorded``."""
    out: list[str] = []
    old, new = urlsplit(recorded.url), urlsplit(asked.url)
    for key in keys:
        if key == "query":
            out += _query_differences(old.query, new.query)
            continue
        if key == "method":
            pair = (recorded.method.upper(), asked.method.upper())
        elif key == "scheme":
            pair = (old.scheme.lower(), new.scheme.lower())
        elif key == "host":
            pair = ((old.hostname or "").lower(), (new.hostname or "").lower())
        elif key == "port":
            pair = (str(_port(old)), str(_port(new)))
        elif key == "path":
            pair = (old.path or "/", new.path or "/")
        else:
            pair = (_json(recorded.body), _json(asked.body))
        if pair[0] != pair[1]:
            out.append(f"{key} {pair[1]} vs {pair[0]}")
    return out


def _port(parts: SplitResult) -> int | None:
    try:
        return parts.port or {"http": 80, "https": 443}.get(parts.scheme.lower())
    except ValueError:  # a port out of range: compare it as written
        return None


def _query_differences(recorded: str, asked: str) -> list[str]:
    old = _params(recorded)
    new = _params(asked)
    names = list(dict.fromkeys([*new, *old]))
    shown = {name: " & ".join(values) for name, values in new.items()}  # never empty lists
    out = []
    for name in names:
        if old.get(name, []) != new.get(name, []):
            was = " & ".join(old.get(name, [])) or "(absent)"
            out.append(f"{name}={shown.get(name, '(absent)')} vs {was}")
    return out


def _params(query: str) -> dict[str, list[str]]:
    params: dict[str, list[str]] = {}
    for name, value in parse_qsl(query, keep_blank_values=True):
        params.setdefault(name, []).append(value)
    return params


def _json(body: dict[str, Any] | None) -> str:
    return "(none)" if body is None else json.dumps(body, sort_keys=True, ensure_ascii=False)


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


@dataclass(frozen=True, slots=True)
class Tape:
    """A cassette as read: its interactions and what a replayed request is matched on."""

    interactions: tuple[Interaction, ...]
    match: tuple[str, ...] = MATCH_KEYS


MAX_ELAPSED_MS = 24 * 60 * 60 * 1000
"""Longest recorded answer time accepted (a day): no HTTP answer of a call takes longer."""


def read_cassette(path: str | os.PathLike[str]) -> list[Interaction]:
    return list(read_tape(path).interactions)


def read_tape(path: str | os.PathLike[str]) -> Tape:
    """Read a cassette; every mistake is a ``CassetteError`` at its line, never a traceback."""
    name = os.fspath(path)
    try:
        text = read_regular(path).decode("utf-8")  # a FIFO is refused, not awaited
    except (OSError, UnicodeDecodeError) as exc:
        raise CassetteError(name, f"cannot read cassette: {exc}") from None
    root, data = _parse(name, text)
    if not isinstance(data, dict) or data.get("version") != VERSION:
        raise CassetteError(name, f"not a cassette (expected 'version: {VERSION}' at the top)")
    match = _match(data.get("match", list(MATCH_KEYS)), _child(root, "match"), name)
    items = data.get("interactions")
    if not isinstance(items, list):
        raise CassetteError(
            name, "'interactions' must be a list", *_at(_child(root, "interactions"))
        )
    nodes = _items(_child(root, "interactions"))
    out = []
    for index, item in enumerate(items):
        node = nodes[index] if index < len(nodes) else None
        try:
            out.append(_load(item, node))
        except _Bad as exc:
            line, col = _at(exc.node or node)
            raise CassetteError(name, f"interaction {index + 1}: {exc}", line, col) from None
    return Tape(tuple(out), match)


def _parse(name: str, text: str) -> tuple[yaml.Node | None, Any]:
    """The YAML node tree of a cassette (for lines in errors) and its data, through the
    project's bounded reader (nesting limited, values Python cannot hold refused at their line)."""
    try:
        root = compose_yaml(text)
        return root, construct_yaml(root)
    except DataError as exc:
        raise CassetteError(name, exc.message, exc.line, exc.col) from None


def _match(value: object, node: yaml.Node | None, name: str) -> tuple[str, ...]:
    keys = value if isinstance(value, list) else []
    wrong = [k for k in keys if not isinstance(k, str) or k not in MATCH_KEYS]
    if not keys or wrong:
        raise CassetteError(name, f"'match' must be a list of {', '.join(MATCH_KEYS)}", *_at(node))
    return tuple(k for k in MATCH_KEYS if k in keys)


class _Bad(Exception):
    """A wrong value in an interaction; ``node`` is where (None: the interaction itself)."""

    def __init__(self, message: str, node: yaml.Node | None = None) -> None:
        super().__init__(message)
        self.node = node


def _child(node: yaml.Node | None, key: str) -> yaml.Node | None:
    """The value node of ``key`` in a mapping node, for the line of an error."""
    if isinstance(node, yaml.MappingNode):
        for key_node, value in node.value:
            if isinstance(key_node, yaml.ScalarNode) and key_node.value == key:
                found: yaml.Node = value
                return found
    return None


def _items(node: yaml.Node | None) -> list[yaml.Node]:
    return list(node.value) if isinstance(node, yaml.SequenceNode) else []


def _at(node: yaml.Node | None) -> tuple[int, int]:
    if node is None:
        return 1, 1
    return node.start_mark.line + 1, node.start_mark.column + 1


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
    for key in ("status", "error", "elapsed_ms", "source", "text", "unreadable"):
        value = getattr(ans, key)
        if value is not None:
            answer[key] = value
    return {"request": request, "answer": answer}


def _load(item: object, node: yaml.Node | None) -> Interaction:
    req, ans = (item.get("request"), item.get("answer")) if isinstance(item, dict) else (0, 0)
    if not isinstance(req, dict) or not isinstance(ans, dict):
        raise _Bad("expected a mapping with 'request' and 'answer'")
    req_node, ans_node = _child(node, "request"), _child(node, "answer")
    body = req.get("body")
    if body is not None and not (isinstance(body, dict) and _is_json(body)):
        raise _Bad("request body must be a mapping of JSON data (text keys; no dates)",
                   _child(req_node, "body"))  # fmt: skip
    request = HttpRequest(
        method=_typed(req, req_node, "method", str),
        url=_typed(req, req_node, "url", str),
        body=body,
        timeout_ms=_typed(req, req_node, "timeout_ms", int, 0),
        command=_typed(req, req_node, "command", str, ""),
    )
    answer = HttpAnswer(
        status=_typed(ans, ans_node, "status", int, None),
        text=_typed(ans, ans_node, "text", str, None),
        error=_typed(ans, ans_node, "error", str, None),
        elapsed_ms=_typed(ans, ans_node, "elapsed_ms", int, 0),
        source=_typed(ans, ans_node, "source", str, None),
        unreadable=_typed(ans, ans_node, "unreadable", str, None),
    )
    if answer.status is None and answer.error is None:
        raise _Bad("answer needs a 'status' or an 'error'", ans_node)
    if answer.status is not None and not 100 <= answer.status <= 599:
        raise _Bad(f"'status' {answer.status} is not an HTTP status (100 to 599)",
                   _child(ans_node, "status"))  # fmt: skip
    for owner, owner_node, key, value in (
        ("answer", ans_node, "elapsed_ms", answer.elapsed_ms),
        ("request", req_node, "timeout_ms", request.timeout_ms),
    ):
        if not 0 <= value <= MAX_ELAPSED_MS:
            raise _Bad(f"{owner} '{key}' {value} is not a duration from 0 to {MAX_ELAPSED_MS} ms",
                       _child(owner_node, key))  # fmt: skip
    return Interaction(request, answer)


def _is_json(value: object) -> bool:
    """True for what a JSON body can hold: the only bodies a flow sends (walked without
    recursion: the depth is the YAML's)."""
    todo = [value]
    while todo:
        item = todo.pop()
        if isinstance(item, dict):
            if not all(isinstance(k, str) for k in item):
                return False
            todo.extend(item.values())
        elif isinstance(item, list):
            todo.extend(item)
        elif item is not None and not isinstance(item, str | int | float | bool):
            return False
    return True


_MISSING = object()


def _typed(
    mapping: dict[str, Any], node: yaml.Node | None, key: str, kind: type, default: Any = _MISSING
) -> Any:
    value = mapping.get(key, default)
    if value is _MISSING:
        raise _Bad(f"missing '{key}'", node)
    if value is not default and (not isinstance(value, kind) or isinstance(value, bool)):
        raise _Bad(
            f"'{key}' must be {kind.__name__}, not {type(value).__name__}", _child(node, key)
        )
    return value


class _Dumper(yaml.SafeDumper):
    """Multi-line text (the XML documents) as literal blocks, so cassettes read like the files."""


_RAW_BREAKS = frozenset("\x85\u2028\u2029\ufeff")
"""Characters PyYAML writes raw in plain and block scalars but reads back as line breaks."""


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = '"' if _RAW_BREAKS.intersection(value) else "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)
