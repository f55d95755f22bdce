"""What ``callflow fmt`` writes: a document's canonical form, and the checks that it changes
nothing but the form.

Canonical form is what the serializer writes for the parsed model: canonical element and
attribute names (aliases fixed), the old Switch form flattened, methods in upper case,
two-space indentation. Everything else a person wrote is kept: comments where they were (at
the end of a line, on a line of their own, inside text), processing instructions, ``xsi:*``
attributes. Before a file is rewritten, the new text is read back and must give

- the same model (the same meaning), with every comment in the same place, and
- the same ``callflow: ignore`` coverage: each (rule, element) pair silenced before is
  silenced after, and no other (a comment at the end of a line covers that line, so putting
  elements that shared a line on lines of their own can change it: such a file is refused
  with the elements named, never rewritten to lint differently).
"""

from __future__ import annotations

import enum
import re
from collections.abc import Iterator
from dataclasses import dataclass, field

from callflow import model as m
from callflow.diagnostics import Finding
from callflow.fsio import atomic_write
from callflow.lint import SourceText, lint_loaded, suppressible
from callflow.parser import TOO_LARGE, DocumentTooLarge, Loaded, load_bytes, read_bytes
from callflow.serializer import to_xml
from callflow.suppression import MARK, collect


class Outcome(enum.Enum):
    UNCHANGED = "unchanged"
    CHANGED = "changed"
    """Rewritten, or with ``--check``: would be rewritten."""
    REFUSED = "refused"
    """Not valid (parse or lint errors), or the rewrite would not mean the same: left alone."""
    UNREADABLE = "unreadable"


@dataclass
class FormatResult:
    path: str
    outcome: Outcome
    reason: str = ""
    findings: list[Finding] = field(default_factory=list)


def canonical(data: bytes, path: str) -> FormatResult | bytes:
    """The canonical bytes of a document, or why it must be left alone."""
    loaded = load_bytes(data, file=path)
    errors = [f for f in lint_loaded(loaded) if f.severity == "error"]
    if loaded.model is None or errors:
        count = f"{len(errors)} error{'s' if len(errors) != 1 else ''}"
        return FormatResult(path, Outcome.REFUSED, f"has {count}; fix them first", errors)
    new = to_xml(loaded.model, pretty=True).encode("utf-8")
    if new == data:
        return new
    again = load_bytes(new, file=path)
    why = changes(loaded, again)
    return FormatResult(path, Outcome.REFUSED, why) if why else new


def changes(old: Loaded, new: Loaded) -> str | None:
    """What reading ``new`` back shows it would change in ``old``, besides the form."""
    if old.model is None or new.model is None or new.model != old.model:
        return "the canonical text would not mean the same (please report this)"
    for before, after in zip(comments(old.model), comments(new.model), strict=True):
        if (before.inline, before.at) != (after.inline, after.at):
            where = f" at line {before.pos.line}" if before.pos is not None else ""
            return f"the canonical text would move the comment{where} (please report this)"
    covered, now = coverage(old), coverage(new)
    if covered == now:
        return None
    return _coverage_change(old.model, covered, now)


# ---- where comments sit ----------------------------------------------------------------------


def comments(doc: m.Response) -> Iterator[m.Comment]:
    """Every comment and processing instruction of the document, in document order."""
    yield from doc.leading
    stack: list[m.Node] = [doc]
    while stack:
        node = stack.pop()
        if isinstance(node, m.Comment):
            yield node
        else:
            stack.extend(reversed(node.children))
    yield from doc.trailing


def _elements(doc: m.Response) -> list[m.Node]:
    """The elements of the document in document order (the root first)."""
    out: list[m.Node] = []
    stack: list[m.Node] = [doc]
    while stack:
        node = stack.pop()
        if not isinstance(node, m.Comment):
            out.append(node)
            stack.extend(reversed(node.children))
    return out


# ---- what suppressions cover -----------------------------------------------------------------

Coverage = tuple[frozenset[str], frozenset[tuple[str, int]], tuple[str, ...]]
"""(rules silenced in the whole file, (rule, element number) pairs, the directive problems
lint reports as CF190)."""

_START_TAG = re.compile(r"""<[^\s/>]+(?:\s+[^\s=/>]+\s*=\s*(?:"[^"]*"|'[^']*'))*\s*/?>""")


def coverage(loaded: Loaded) -> Coverage:
    """What a document's ``callflow: ignore`` comments silence, element by element.

    A finding about an element is reported on a line of its start tag (the tag, or one of
    its attributes), so an element is covered by a rule when the rule is silenced in the
    whole file, for the element itself (a directive on the line before), or on any line of
    its start tag.
    """
    doc = loaded.model
    assert doc is not None
    if MARK not in loaded.text:
        return frozenset(), frozenset(), ()
    source = SourceText(loaded.text)
    found = collect(doc, source.before, suppressible)
    pairs: set[tuple[str, int]] = set()
    for number, node in enumerate(_elements(doc)):
        codes = set(found.nodes.get(id(node), ()))
        for line in _tag_lines(source, node.pos):
            codes |= found.lines.get(line, set())
        pairs.update((code, number) for code in codes)
    problems = tuple(sorted(message for _, message in found.problems))
    return frozenset(found.whole_file), frozenset(pairs), problems


def _tag_lines(source: SourceText, pos: m.Pos | None) -> range:
    if pos is None:
        return range(0)
    start = source.offset(pos.line, pos.col)
    tag = _START_TAG.match(source.text, start) if start is not None else None
    last = source.line_col(tag.end() - 1)[0] if tag is not None else pos.line
    return range(pos.line, last + 1)


def _coverage_change(doc: m.Response, before: Coverage, after: Coverage) -> str:
    elements = _elements(doc)
    lost = sorted(before[1] - after[1], key=lambda p: (p[1], p[0]))
    gained = sorted(after[1] - before[1], key=lambda p: (p[1], p[0]))
    said = []
    for pairs, verb in ((lost, "would no longer be"), (gained, "would become")):
        for code, number in pairs[:3]:
            node = elements[number]
            line = f" at line {node.pos.line}" if node.pos is not None else ""
            said.append(f"{code} for <{node.TAG}>{line} {verb} silenced")
    if before[2] != after[2]:
        said.append("a callflow: comment would become a bad directive (CF190)")
    return (
        "formatting puts each element on a line of its own, which would change what"
        f" `callflow: ignore` comments cover: {'; '.join(said)}. Put each element on its own"
        " line (with its comment) first, or use ignore= on the line before the element"
    )


# ---- files -----------------------------------------------------------------------------------


def format_file(path: str, check: bool) -> FormatResult:
    """Bring one file into canonical form (or, with ``check``, only say whether it is)."""
    try:
        data = read_bytes(path)
    except DocumentTooLarge as exc:  # a finding, as lint reports it (exit 1), not unreadable
        finding = Finding(TOO_LARGE.code, TOO_LARGE.severity, str(exc), path, 1, 1)
        return FormatResult(path, Outcome.REFUSED, "too large to be a call flow", [finding])
    except OSError as exc:
        return FormatResult(path, Outcome.UNREADABLE, f"cannot read: {exc.strerror or exc}")
    new = canonical(data, path)
    if isinstance(new, FormatResult):
        return new
    if new == data:
        return FormatResult(path, Outcome.UNCHANGED)
    if not check:
        try:
            atomic_write(path, new)
        except OSError as exc:
            return FormatResult(path, Outcome.UNREADABLE, f"cannot write: {exc.strerror or exc}")
    return FormatResult(path, Outcome.CHANGED)
