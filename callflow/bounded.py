"""The one reader of JSON, YAML and TOML side files: bounded in depth, exact about numbers.

Every structured file or value the tools read besides the flow XML (``--vars``, recipients
JSON lines, scenario and behaviour YAML, cassettes, ``[tool.callflow]``) goes through here, so
hostile input fails the same clear way everywhere instead of in Python's own limits:

- nesting deeper than ``MAX_DEPTH`` is refused at the line and column where it goes too deep
  (the standard parsers recurse, and would end in ``RecursionError``);
- JSON numbers are kept as the text that was written (``JsonNumber``), so 100,000 nines or
  ``1e999`` are substituted as written, never converted to ``inf`` or refused by the
  4,300-digit limit of ``int``; ``NaN`` and ``Infinity`` (not JSON) are refused;
- a key given twice in one JSON object is refused (the standard parser keeps the last);
- a TOML integer beyond ``int``'s digit limit is refused at its position.

Each failure is a ``DataError`` with a message and a 1-based line and column; each caller turns
it into its own finding code.
"""

from __future__ import annotations

import re
import tomllib
from dataclasses import dataclass
from functools import cache
from typing import TYPE_CHECKING, Any

from callflow.lazyre import lazy_compile

if TYPE_CHECKING:
    import yaml
    from yaml.nodes import Node

MAX_DEPTH = 100
"""Deepest nesting of lists and mappings accepted; real files use fewer than ten levels."""

MAX_DIGITS = 18
"""Longest whole number (in digits) read as a number; anything longer is refused, not parsed."""


class DataError(ValueError):
    """Input that cannot be read, at a 1-based ``line`` and ``col``."""

    def __init__(self, message: str, line: int = 1, col: int = 1) -> None:
        super().__init__(message)
        self.message = message
        self.line = line
        self.col = col


@dataclass(frozen=True, slots=True)
class JsonNumber:
    """A JSON number exactly as written (``42``, ``2.50``, ``1e999``)."""

    text: str

    def __str__(self) -> str:
        return self.text


def line_col(text: str, offset: int) -> tuple[int, int]:
    """The 1-based line and column of ``offset`` in ``text``."""
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1) + 1


def _too_deep(text: str, tokens: re.Pattern[str], limit: int) -> int | None:
    """Offset of the first bracket nested deeper than ``limit`` (strings and comments, as
    ``tokens`` matches them, are skipped), or None."""
    if text.count("[") + text.count("{") <= limit:
        return None  # cannot be too deep: the common case costs two C-level counts
    depth = 0
    for found in tokens.finditer(text):
        char = found.group()[0]
        if char in "[{":
            depth += 1
            if depth > limit:
                return found.start()
        elif char in "]}":
            depth = max(0, depth - 1)
    return None


def _deep_error(text: str, offset: int) -> DataError:
    line, col = line_col(text, offset)
    return DataError(f"nested more than {MAX_DEPTH} levels deep", line, col)


# ---- JSON -----------------------------------------------------------------------------------

_JSON_TOKENS = lazy_compile(r'"(?:[^"\\]|\\[\s\S])*"?|[\[\]{}]')


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not a JSON number")


def _pairs(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            raise ValueError(f"key {key!r} is given twice in one object")
        out[key] = value
    return out


def _int(text: str) -> int:
    if len(text.lstrip("-")) > MAX_DIGITS:
        raise ValueError(f"{text[:20]}...: a number of {len(text)} digits is too long")
    return int(text)


def _float(text: str) -> float:
    value = float(text)
    if value in (float("inf"), float("-inf")):
        raise ValueError(f"{text[:20]} is too large a number")
    return value


def load_json(text: str, *, exact_numbers: bool = True) -> Any:
    """Parse JSON ``text``: numbers as ``JsonNumber`` (or, with ``exact_numbers=False``, as
    ``int``/``float`` with at most ``MAX_DIGITS`` digits and finite), duplicate keys and deep
    nesting refused; ``DataError`` with the position of the mistake."""
    deep = _too_deep(text, _JSON_TOKENS, MAX_DEPTH)
    if deep is not None:
        raise _deep_error(text, deep)
    import json  # only when a JSON file is read

    try:
        data = json.loads(
            text,
            parse_int=JsonNumber if exact_numbers else _int,
            parse_float=JsonNumber if exact_numbers else _float,
            parse_constant=_no_constant,
            object_pairs_hook=_pairs,
        )
    except json.JSONDecodeError as exc:
        raise DataError(exc.msg, exc.lineno, exc.colno) from None
    except ValueError as exc:  # raised by the hooks above: a duplicate key, NaN, a long number
        raise DataError(str(exc)) from None
    _check_text(data)
    return data


def _check_text(value: Any) -> None:
    """Refuse strings that are not text (a lone surrogate escape such as ``"\\ud800"``): they
    could not be written out again."""
    if isinstance(value, str):
        if not value.isascii():
            try:
                value.encode("utf-8")
            except UnicodeEncodeError:
                raise DataError(f"{value!r} holds a lone surrogate escape, not text") from None
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_text(key)
            _check_text(item)
    elif isinstance(value, list):
        for item in value:
            _check_text(item)


# ---- TOML -----------------------------------------------------------------------------------

_TOML_TOKENS = lazy_compile(
    r'"""[\s\S]*?(?:"""|$)|\'\'\'[\s\S]*?(?:\'\'\'|$)|"(?:[^"\\\n]|\\.)*"?|\'[^\'\n]*\'?'
    r"|#[^\n]*|[\[\]{}]"
)
_TOML_POSITION = lazy_compile(r"\s*\(at line (\d+), column (\d+)\)$")
_LONG_NUMBER = lazy_compile(r"[0-9][0-9_]{4000,}")


def load_toml(text: str) -> dict[str, Any]:
    """Parse TOML ``text``; ``DataError`` with the position of the mistake."""
    deep = _too_deep(text, _TOML_TOKENS, MAX_DEPTH)
    if deep is not None:
        raise _deep_error(text, deep)
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        message = str(exc)
        at = _TOML_POSITION.search(message)
        line, col = (int(at.group(1)), int(at.group(2))) if at else (1, 1)
        raise DataError(_TOML_POSITION.sub("", message), line, col) from None
    except ValueError:  # int() past its digit limit: the only other thing tomllib raises
        found = _LONG_NUMBER.search(text)
        line, col = line_col(text, found.start()) if found else (1, 1)
        raise DataError("a number with thousands of digits", line, col) from None


# ---- YAML -----------------------------------------------------------------------------------


@cache
def _loader_class() -> type[yaml.SafeLoader]:
    """The loader class, made on first use: reading ``[tool.callflow]`` (TOML), as every
    ``callflow lint`` in a project with a ``pyproject.toml`` naming callflow does, never
    imports PyYAML (15 ms of start-up)."""
    import yaml

    class _Loader(yaml.SafeLoader):
        """The safe loader, refusing nodes nested deeper than ``MAX_DEPTH``."""

        def __init__(self, stream: str) -> None:
            super().__init__(stream)
            self._depth = 0

        def compose_node(self, parent: Node | None, index: Any) -> Node | None:
            if self._depth >= MAX_DEPTH:
                mark = self.peek_event().start_mark  # type: ignore[no-untyped-call]
                raise DataError(f"nested more than {MAX_DEPTH} levels deep", mark.line + 1,
                                mark.column + 1)  # fmt: skip
            self._depth += 1
            try:
                return super().compose_node(parent, index)
            finally:
                self._depth -= 1

        def construct_object(self, node: Node, deep: bool = False) -> Any:
            """As the safe loader does; a value Python cannot hold (a date that does not exist,
            an integer of thousands of digits) is a ``DataError`` at the node."""
            try:
                return super().construct_object(node, deep)
            except DataError:
                raise
            except (ValueError, OverflowError) as exc:
                mark = node.start_mark
                said = f"{node.value!r}: {exc}" if isinstance(node.value, str) else str(exc)
                raise DataError(said, mark.line + 1, mark.column + 1) from None

    return _Loader


def _yaml_error(exc: yaml.YAMLError) -> DataError:
    import yaml

    line = col = 1
    message = " ".join(str(exc).split())
    if isinstance(exc, yaml.MarkedYAMLError):
        mark = exc.problem_mark or exc.context_mark
        if mark is not None:
            line, col = mark.line + 1, mark.column + 1
        message = " ".join(p for p in (exc.context, exc.problem) if p) or message
    return DataError(f"invalid YAML: {message}", line, col)


def compose_yaml(text: str) -> Node | None:
    """The YAML node tree of ``text`` (None for an empty document), scalars kept as written;
    ``DataError`` for invalid YAML (message starting ``invalid YAML:``) or deep nesting."""
    import yaml

    try:
        loader = _loader_class()(text)  # refuses characters YAML does not allow, so inside the try
    except yaml.YAMLError as exc:
        raise _yaml_error(exc) from None
    try:
        return loader.get_single_node()
    except yaml.YAMLError as exc:
        raise _yaml_error(exc) from None
    finally:
        loader.dispose()


def construct_yaml(node: Node | None) -> Any:
    """Plain Python data (as ``yaml.safe_load`` makes it) from a node of ``compose_yaml``."""
    if node is None:
        return None
    import yaml

    loader = _loader_class()("")
    try:
        return loader.construct_document(node)
    except yaml.YAMLError as exc:
        raise _yaml_error(exc) from None
    finally:
        loader.dispose()
