"""``<!-- callflow: ignore=CODE -->`` comments: which findings a document silences, and where.

The lint driver asks ``Suppressions.covers`` for every semantic finding, so no rule needs to
know about comments. What a directive covers:

- ``<!-- callflow: ignore-file=CF150,CF160 -->`` anywhere in the document: those rules, in
  the whole file.
- ``<!-- callflow: ignore=CF120 -->`` after other markup on its line (a trailing comment):
  findings reported on that line.
- the same comment on a line of its own: findings about the next element of the same block
  (the element itself, wherever its finding is reported; not the elements inside it).

Rules are named by code or kebab-case name, separated by commas; words after the list are a
free-text reason. A directive that is malformed, names an unknown rule or covers nothing is
itself reported (CF190), so a typo never silently suppresses nothing.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from callflow import model as m
from callflow.diagnostics import RuleInfo
from callflow.lazyre import lazy_compile

MARK = "callflow"
"""Text every directive contains: documents without it skip the search entirely."""

BAD_SUPPRESSION = RuleInfo(
    "CF190",
    "bad-suppression",
    "warning",
    "A `callflow: ignore` comment that is malformed, names an unknown rule, or covers nothing.",
)
BAD_SUPPRESSION_DOC = """\
A comment that starts with `callflow:` is a directive to the linter:

  <!-- callflow: ignore-file=CF150 -->  the rule, in the whole file
  <Pause length="50"/> <!-- callflow: ignore=CF160 -->  findings on this line
  <!-- callflow: ignore=CF161 reason -->  findings about the next element
  <Dial>...</Dial>

This rule reports a directive that cannot work: an unknown directive (only ignore= and
ignore-file=), no rule named, an unknown rule or a parse-stage one (CF001-CF011 cannot be
suppressed: the document is not valid Opentact XML), codes separated by spaces instead of
commas, or an own-line ignore= with no element after it in the same block.

Fix: correct the comment, or delete it."""

VERBS = ("ignore", "ignore-file")
_DIRECTIVE = lazy_compile(r"\s*callflow\s*:\s*(?P<verb>[A-Za-z][\w-]*)\s*(?:$|=(?P<rest>.*))", re.S)
_CODES = lazy_compile(r"\s*(?P<codes>[\w-]+(?:\s*,\s*[\w-]+)*)(?P<reason>.*)", re.S)

Resolve = Callable[[str], str]
"""A rule code or name -> its code; raises ``ValueError`` (saying why) for one not allowed."""
TextBefore = Callable[[m.Pos], str]
"""The source text on a position's line before it."""


@dataclass
class Suppressions:
    """What a document's directives silence, and the directives that are wrong."""

    whole_file: set[str] = field(default_factory=set)
    lines: dict[int, set[str]] = field(default_factory=dict)
    nodes: dict[int, set[str]] = field(default_factory=dict)
    """``id(node)`` -> codes, for own-line directives (the model outlives the lint pass)."""
    problems: list[tuple[m.Pos, str]] = field(default_factory=list)

    def covers(self, code: str, node: m.Node | None, line: int) -> bool:
        """Whether a finding of ``code`` about ``node``, reported on ``line``, is silenced."""
        return (
            code in self.whole_file
            or code in self.lines.get(line, ())
            or (node is not None and code in self.nodes.get(id(node), ()))
        )


def collect(root: m.Response, before: TextBefore, resolve: Resolve) -> Suppressions:
    """Every directive in the document (comments before and after the root too)."""
    found = Suppressions()
    todo: list[Sequence[m.Node]] = [(*root.leading, root, *root.trailing)]
    while todo:
        sequence = todo.pop()
        for index, node in enumerate(sequence):
            if isinstance(node, m.Comment):
                _directive(node, sequence[index + 1 :], found, before, resolve)
            elif node.children:
                todo.append(node.children)
    return found


def _directive(
    comment: m.Comment,
    following: Sequence[m.Node],
    found: Suppressions,
    before: TextBefore,
    resolve: Resolve,
) -> None:
    matched = _DIRECTIVE.match(comment.text)
    pos = comment.pos
    if matched is None or pos is None:
        return  # an ordinary comment
    verb, rest = matched["verb"], matched["rest"]
    if verb not in VERBS:
        if rest is not None:  # "callflow: word ..." without "=" is prose, not a directive
            message = f"unknown directive {verb!r}: write callflow: ignore=CODE or ignore-file=CODE"
            found.problems.append((pos, message))
        return
    listed = _CODES.match(rest or "")
    if listed is None:
        found.problems.append((pos, f"callflow: {verb} names no rule; write {verb}=CODE,..."))
        return
    codes: set[str] = set()
    for token in listed["codes"].split(","):
        try:
            codes.add(resolve(token.strip()))
        except ValueError as exc:
            found.problems.append((pos, str(exc)))
    reason = listed["reason"].split()
    if reason and _is_rule(reason[0], resolve):
        message = f"separate rule codes with commas: {reason[0]} is not suppressed"
        found.problems.append((pos, message))
    if not codes:
        return
    if verb == "ignore-file":
        found.whole_file |= codes
    elif before(pos).strip():
        found.lines.setdefault(pos.line, set()).update(codes)
    else:
        target = next((n for n in following if not isinstance(n, m.Comment)), None)
        if target is None:
            message = (
                "callflow: ignore on its own line covers the next element, and none follows in"
                " this block; put it before an element or at the end of a line"
            )
            found.problems.append((pos, message))
        else:
            found.nodes.setdefault(id(target), set()).update(codes)


def _is_rule(word: str, resolve: Resolve) -> bool:
    try:
        resolve(word.rstrip(",.;"))
    except ValueError:
        return False
    return True
