"""State of one TwiML conversion: the document, the options, and the report being written.

The verb converters call these helpers for every element and attribute they meet, so the rule
"every element and every attribute gets exactly one entry" is kept in one place.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, TypeAlias

from lxml import etree

from callflow import model as m
from callflow.importers import twiml_values as v
from callflow.importers import twiml_vocab as vocab
from callflow.importers.report import TEXT, Entry, Report, Status
from callflow.importers.twiml_read import TwimlDocument, attr_name, tag_name

Out: TypeAlias = tuple[list[m.Node], str | None]
"""What a verb became, and (when the verbs after it can never run) why: ``after <Hangup>
on line 4``."""

EXACT, CHANGED, NOT_CONVERTIBLE = Status.EXACT, Status.CHANGED, Status.NOT_CONVERTIBLE

LOOP_FOREVER = 1000
"""TwiML's ``loop="0"`` repeats until the call ends, at most 1000 times; Opentact needs a count."""


def attributes(el: Any) -> Iterator[tuple[str, str]]:
    """(name as written, value) of each attribute of ``el``."""
    for key, value in el.attrib.items():
        yield attr_name(key), value


def is_comment(node: Any) -> bool:
    return isinstance(node, etree._Comment)


def comment(node: Any) -> m.Comment:
    return m.Comment(text=node.text or "")


@dataclass
class Context:
    """One conversion: where things are, what the options say, and the report so far."""

    doc: TwimlDocument
    base_url: str | None = None
    client_domain: str | None = None
    region: str | None = None
    """Region (``US``) of national numbers; None: read from each Dial's callerId, if any."""
    report: Report = field(init=False)

    def __post_init__(self) -> None:
        self.report = Report(self.doc.file)

    # ---- entries ------------------------------------------------------------------------

    def label(self, el: Any) -> str:
        line, col = self.doc.pos(el)
        return f"{tag_name(el)} at {line}:{col}"

    def line(self, el: Any) -> int:
        return self.doc.pos(el)[0]

    def elem(
        self, el: Any, status: Status, result: str = "", note: str = "", within: str | None = None
    ) -> None:
        line, col = self.doc.pos(el)
        self.report.entries.append(
            Entry(line, col, tag_name(el), None, None, status, result, note, within=within)
        )

    def text(self, el: Any, value: str, status: Status, result: str, note: str = "") -> None:
        """An entry for the text content of ``el`` (a Dial's number)."""
        line, col = self.doc.pos(el)
        self.report.entries.append(
            Entry(line, col, tag_name(el), TEXT, value, status, result, note)
        )

    def attr(
        self,
        el: Any,
        name: str,
        status: Status,
        result: str = "",
        note: str = "",
        within: str | None = None,
    ) -> None:
        line, col = self.doc.attr_pos(el, name)
        value = _value(el, name)
        self.report.entries.append(
            Entry(line, col, tag_name(el), name, value, status, result, note, within=within)
        )

    def implicit(self, el: Any, name: str, status: Status, result: str, note: str) -> None:
        """An attribute the source did not write, whose TwiML default needed converting."""
        line, col = self.doc.pos(el)
        self.report.entries.append(
            Entry(line, col, tag_name(el), name, None, status, result, note, implicit=True)
        )

    def skip(
        self, el: Any, status: Status, note: str, result: str = "", left_out: bool = False
    ) -> None:
        """Report ``el``, its attributes and everything inside it as left out together
        (``left_out``: the element is gone from the output although that changes nothing)."""
        line, col = self.doc.pos(el)
        self.report.entries.append(
            Entry(line, col, tag_name(el), None, None, status, result, note, left_out=left_out)
        )
        here = self.label(el)
        shared = f"left out with the {tag_name(el)}"
        for name, _ in attributes(el):
            self.attr(el, name, status, "", shared, within=here)
        for inner in el.iterdescendants():
            if is_comment(inner) or not isinstance(inner.tag, str):
                continue
            self.elem(inner, status, "", shared, within=here)
            for name, _ in attributes(inner):
                self.attr(inner, name, status, "", shared, within=here)

    def placeholder(self, el: Any, reason: str) -> m.Comment:
        """A comment marking where a verb was left out, so a reader of the output sees it."""
        # The importer's own options read as words; "--" inside the document's text (a--b) is
        # not an option and only gets the dash split below.
        reason = re.sub(r"(?<![\w-])--([a-z][a-z-]*)", r"the \1 option", reason)
        text = f" TwiML <{tag_name(el)}> on line {self.line(el)} not converted: {reason} "
        while "--" in text:  # XML comments cannot hold two dashes in a row
            text = text.replace("--", "- -")
        return m.Comment(text=text)

    def not_convertible(self, el: Any, reason: str) -> list[m.Node]:
        self.skip(el, NOT_CONVERTIBLE, reason)
        return [self.placeholder(el, reason)]

    # ---- attributes ---------------------------------------------------------------------

    def rest(self, el: Any, handled: dict[str, Callable[[str], None]]) -> None:
        """Run the handler of each attribute ``el`` has; report every other one."""
        for name, value in attributes(el):
            handler = handled.get(name)
            if handler is not None:
                handler(value)
            else:
                self.unsupported(el, name, value)

    def unsupported(self, el: Any, name: str, value: str) -> None:
        """An attribute with no Opentact counterpart: a TwiML one (with the reason), a value
        that asks for what Opentact does anyway, or one TwiML does not have at all."""
        tag = tag_name(el)
        known = vocab.CONVERTIBLE.get(tag) or vocab.NOUNS.get(tag)
        if known is not None and name in known.attrs:
            if value.strip() in vocab.NO_EFFECT.get((tag, name), frozenset()):
                self.attr(el, name, EXACT, "", "TwiML's default; Opentact behaves the same")
            else:
                reason = vocab.ATTR_REASONS.get(name, "Opentact has no counterpart")
                self.attr(el, name, NOT_CONVERTIBLE, "", reason)
            return
        options = sorted(known.attrs) if known is not None else []
        close = difflib.get_close_matches(name, options, n=1, cutoff=0.6)
        hint = f" (did you mean {close[0]}?)" if close else ""
        self.attr(el, name, NOT_CONVERTIBLE, "", f"not a TwiML attribute of <{tag}>{hint}")

    def bad_value(self, el: Any, name: str, expected: str, fallback: str) -> None:
        self.attr(el, name, NOT_CONVERTIBLE, fallback, f"not {expected}; TwiML's default used")

    def loop(self, el: Any) -> int:
        """The ``loop`` of a Say or Play, reported."""
        raw = el.get("loop")
        if raw is None:
            return 1
        count = v.whole(raw)
        if count is None:
            self.bad_value(el, "loop", "a whole number", 'loop="1"')
            return 1
        if count == 0:
            self.attr(
                el,
                "loop",
                CHANGED,
                f'loop="{LOOP_FOREVER}"',
                "TwiML repeats until the"
                f" call ends (at most {LOOP_FOREVER} times); Opentact needs a count",
            )
            return LOOP_FOREVER
        self.attr(el, "loop", EXACT, f'loop="{count}"')
        return count

    def url(self, raw: str) -> tuple[str, str | None]:
        """A TwiML URL as an absolute Opentact URL, and the problem if it needed a stand-in."""
        return v.resolve_url(raw, self.base_url)


def _value(el: Any, name: str) -> str | None:
    for key, value in el.attrib.items():
        if attr_name(key) == name:
            return str(value)
    return None
