"""Typed values out of YAML nodes, with every mistake reported at its YAML line and column.

Scenario files and campaign behaviour models are read from the node tree (``yaml.compose``)
rather than from plain Python values, so that an error can say where it is. The shared part
lives here; each file kind adds its own value types and error codes.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable
from typing import NoReturn

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from callflow.diagnostics import Finding, RuleInfo

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
