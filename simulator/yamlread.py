"""Typed values out of YAML nodes, with every mistake reported at its YAML line and column.

Scenario files and campaign behaviour models are read from the node tree (``yaml.compose``)
rather than from plain Python values, so that an error can say where it is. The shared part
lives here; each file kind adds its own value types and error codes.

Every YAML file is read with ``compose_yaml`` (or ``NodeReader.compose``), the bounded reader
of ``callflow.bounded``: nesting is limited and a YAML error has a line and column.
``construct_yaml`` turns a node into plain data for readers that want it (cassettes).
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from typing import NoReturn

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from callflow.bounded import MAX_DIGITS, DataError, compose_yaml, construct_yaml
from callflow.diagnostics import Finding, RuleInfo
from callflow.durations import seconds_warning

__all__ = ["NULL_TAG", "DataError", "NodeReader", "compose_yaml", "construct_yaml", "kind_of"]

SECONDS = RuleInfo(
    "CF160", "seconds-not-ms", "warning", "A duration under 100 ms: seconds were probably meant."
)
"""The judgement of lint rule CF160, applied to durations typed in YAML files."""

NULL_TAG = "tag:yaml.org,2002:null"


def kind_of(node: Node) -> str:
    """How a node reads in a message: ``a mapping``, ``a list``, ``nothing`` or its value."""
    if isinstance(node, MappingNode):
        return "a mapping"
    if isinstance(node, SequenceNode):
        return "a list"
    if node.tag == NULL_TAG:
        return "nothing"
    return f"{node.value!r}"


class NodeReader:
    """Reads nodes of one file; mistakes raise ``error(finding)`` at the node's position."""

    def __init__(
        self,
        file: str,
        *,
        error: Callable[[Finding], Exception],
        bad_value: RuleInfo,
        unknown_key: RuleInfo,
    ) -> None:
        self.file = file
        self._error = error
        self._bad_value = bad_value
        self._unknown_key = unknown_key
        self.warnings: list[Finding] = []
        """Findings that do not stop reading (durations that look like seconds)."""

    def compose(self, text: str, syntax: RuleInfo) -> Node | None:
        """The node tree of ``text`` through the bounded reader; a YAML error or too deep a
        nesting fails with ``syntax`` at its line and column."""
        try:
            return compose_yaml(text)
        except DataError as exc:
            finding = Finding(syntax.code, "error", exc.message, self.file, exc.line, exc.col)
            raise self._error(finding) from None

    def warn(self, node: Node, info: RuleInfo, message: str, hint: str | None = None) -> None:
        line, col = node.start_mark.line + 1, node.start_mark.column + 1
        self.warnings.append(Finding(info.code, "warning", message, self.file, line, col, hint))

    def fail(
        self, node: Node | None, info: RuleInfo, message: str, hint: str | None = None
    ) -> NoReturn:
        line, col = (node.start_mark.line + 1, node.start_mark.column + 1) if node else (1, 1)
        raise self._error(Finding(info.code, "error", message, self.file, line, col, hint))

    def mapping(
        self, node: Node, what: str, allowed: tuple[str, ...] | None = None
    ) -> dict[str, tuple[Node, Node]]:
        """Key -> (key node, value node), refusing duplicate keys and keys not in ``allowed``."""
        if not isinstance(node, MappingNode):
            self.fail(
                node, self._bad_value, f"{what} must be a mapping (key: value), not {kind_of(node)}"
            )
        out: dict[str, tuple[Node, Node]] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, ScalarNode):
                self.fail(key_node, self._bad_value, f"the keys of {what} must be plain text")
            key = str(key_node.value)
            if key in out:
                self.fail(key_node, self._bad_value, f"{key!r} is given twice in {what}")
            if allowed is not None and key not in allowed:
                close = difflib.get_close_matches(key, allowed, n=1)
                hint = f"did you mean {close[0]!r}?" if close else f"use {', '.join(allowed)}"
                self.fail(key_node, self._unknown_key, f"unknown key {key!r} in {what}", hint)
            out[key] = (key_node, value_node)
        return out

    def sequence(self, node: Node, what: str) -> list[Node]:
        if not isinstance(node, SequenceNode):
            self.fail(node, self._bad_value, f"{what} must be a list (lines starting with '- ')")
        return list(node.value)

    def text(self, node: Node, what: str) -> str:
        """The scalar exactly as written (``+1212...`` stays text, ``01`` stays two keys)."""
        if not isinstance(node, ScalarNode) or node.tag == NULL_TAG:
            self.fail(node, self._bad_value, f"{what} must be text, not {kind_of(node)}")
        return str(node.value)

    def whole(self, node: Node, what: str, least: int = 0) -> int:
        """A whole number >= ``least`` (``_`` allowed between digits); one of more than
        ``MAX_DIGITS`` digits is refused before Python is asked to convert it."""
        raw = self.text(node, what).strip() if isinstance(node, ScalarNode) else ""
        digits = raw.replace("_", "")
        if not (raw[:1].isdigit() and digits.isascii() and digits.isdigit()):
            self.fail(node, self._bad_value, f"{what} must be a whole number >= {least}, "
                      f"not {kind_of(node) if len(raw) < 40 else 'a long text'}")  # fmt: skip
        if len(digits) > MAX_DIGITS or int(digits) < least:
            self.fail(node, self._bad_value, f"{what} must be a whole number from {least} to "
                      f"{10**MAX_DIGITS - 1}")  # fmt: skip
        return int(digits)

    def duration_ms(self, node: Node, what: str) -> int:
        """A duration in milliseconds; a negative one is refused and one that looks like
        seconds is warned about, as lint rule CF160 does in the flow."""
        raw = self.text(node, what).strip() if isinstance(node, ScalarNode) else ""
        if raw.startswith("-") and raw[1:].replace("_", "").isdigit():
            self.fail(node, self._bad_value, f"{what} cannot be negative ({raw} ms)")
        value = self.whole(node, what)
        self.warn_seconds(node, what, value)
        return value

    def warn_seconds(self, node: Node, what: str, value: int) -> None:
        """The CF160 warning at ``node`` when ``value`` ms given as ``what`` looks like s."""
        warning = seconds_warning(what, value)
        if warning is not None:
            self.warn(node, SECONDS, *warning)
