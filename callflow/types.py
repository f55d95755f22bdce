"""Attribute value types of the Opentact grammar.

Each type knows four things, so nothing about a value is stated twice: how to read it from
XML text, how to write it back, how to check a Python value given to the builder, and the
XSD simple type that states the same rule for the schema (generated, see ``callflow.grammar``).
"""

from __future__ import annotations

import re
from typing import Any

from callflow.frozen import record
from callflow.lazyre import lazy_compile

US_STATES: tuple[str, ...] = (
    "AL", "AK", "AZ", "AR", "CA", "CO", "CT", "DE", "FL", "GA", "HI", "ID", "IL", "IN", "IA",
    "KS", "KY", "LA", "ME", "MD", "MA", "MI", "MN", "MS", "MO", "MT", "NE", "NV", "NH", "NJ",
    "NM", "NY", "NC", "ND", "OH", "OK", "OR", "PA", "RI", "SC", "SD", "TN", "TX", "UT", "VT",
    "VA", "WA", "WV", "WI", "WY", "DC", "PR", "VI", "GU", "AS", "MP",
)  # fmt: skip
"""Two-letter codes accepted by ``Geo states``: the 50 states, DC and the inhabited territories."""

DAYS: tuple[str, ...] = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")

_HMS = r"([01][0-9]|2[0-3]):[0-5][0-9]:[0-5][0-9]"


class AttrValueError(ValueError):
    """A value that breaks its attribute's type; the message says what was expected."""


@record
class AttrType:
    """A named value type: XSD simple type name, documentation and a regular expression.

    ``pattern`` is written in the common subset of Python ``re`` and XSD regular expressions
    (no anchors: XSD patterns always match the whole value), so one string serves both.
    """

    name: str
    doc: str
    pattern: str
    expected: str
    base: str = "xs:string"

    def _match(self, raw: str) -> bool:
        return _compiled(self.pattern).fullmatch(raw) is not None

    def whitespace(self, raw: str) -> str:
        """Apply the XSD ``whiteSpace`` facet of ``base`` (checked before the pattern).

        ``xs:string`` keeps the value as written; the integer types and ``xs:token`` collapse
        XML whitespace, so the XSD accepts ``" 1000 "``: Python must read it the same way.
        """
        if self.base == "xs:string":
            return raw
        return _XML_SPACE.sub(" ", raw).strip(" ")

    def parse(self, raw: str) -> Any:
        """Read XML attribute text into the Python value, or raise with what was expected."""
        value = self.whitespace(raw)
        if not self._match(value):
            raise AttrValueError(f"{raw!r} is not {self.expected}")
        return self.convert(value)

    def convert(self, raw: str) -> Any:
        return raw

    def format(self, value: Any) -> str:
        """Write the Python value back as canonical XML attribute text."""
        return str(value)

    def check(self, value: Any) -> Any:
        """Check a value given from Python; return the canonical Python value."""
        if isinstance(value, bool) or not isinstance(value, str):
            raise AttrValueError(f"{value!r} is not {self.expected}")
        return self.parse(value)


@record
class IntType(AttrType):
    minimum: int | None = None
    maximum: int | None = None
    base: str = "xs:integer"

    def convert(self, raw: str) -> int:
        value = int(raw)
        self._bounds(value)
        return value

    def _bounds(self, value: int) -> None:
        if self.minimum is not None and value < self.minimum:
            raise AttrValueError(f"{value} is not {self.expected}")
        if self.maximum is not None and value > self.maximum:
            raise AttrValueError(f"{value} is not {self.expected}")

    def check(self, value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise AttrValueError(f"{value!r} is not {self.expected}")
        self._bounds(value)
        return value


@record
class BoolType(AttrType):
    def convert(self, raw: str) -> bool:
        return raw == "true"

    def format(self, value: Any) -> str:
        return "true" if value else "false"

    def check(self, value: Any) -> bool:
        if not isinstance(value, bool):
            raise AttrValueError(f"{value!r} is not {self.expected}")
        return value


@record
class EnumType(AttrType):
    """A closed set of words. ``fold_case`` accepts any case on input and keeps upper case."""

    choices: tuple[str, ...] = ()
    fold_case: bool = False

    def convert(self, raw: str) -> str:
        return raw.upper() if self.fold_case else raw


@record
class ListType(AttrType):
    """A comma list of words, kept in Python as a tuple.

    ``item`` is the pattern of one word, so an error can name the offending word rather than
    the whole list (``'tues' is not a day name``).
    """

    item: str = r"[^,]*"
    item_expected: str = "a list item"

    def parse(self, raw: str) -> tuple[str, ...]:
        if not self._match(raw):
            for word in raw.split(","):
                if _compiled(f"(?:{self.item})").fullmatch(word) is None:
                    raise AttrValueError(f"{word!r} is not {self.item_expected}")
            raise AttrValueError(f"{raw!r} is not {self.expected}")
        return self.convert(raw)

    def convert(self, raw: str) -> tuple[str, ...]:
        return tuple(raw.split(","))

    def format(self, value: Any) -> str:
        return ",".join(value)

    def check(self, value: Any) -> tuple[str, ...]:
        if isinstance(value, str):
            return tuple(self.parse(value))
        if isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value):
            return tuple(self.parse(",".join(value)))
        raise AttrValueError(f"{value!r} is not {self.expected}")


_PATTERNS: dict[str, re.Pattern[str]] = {}


def _compiled(pattern: str) -> re.Pattern[str]:
    compiled = _PATTERNS.get(pattern)
    if compiled is None:
        # ASCII: Python's \s then means XML whitespace (plus \f and \v, which XML forbids),
        # as in XSD; in Unicode mode Python would also treat U+00A0 and friends as space.
        compiled = _PATTERNS[pattern] = re.compile(pattern, re.ASCII)
    return compiled


_XML_SPACE = lazy_compile(r"[ \t\n\r]+")

NOT_XML_CHAR = lazy_compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
"""A character XML 1.0 cannot hold, not even as a character reference: the complement of the
Char production (tab, LF, CR, U+0020-U+D7FF, U+E000-U+FFFD, U+10000-U+10FFFF). Written as
the few excluded ranges, which compile in a tenth of the time of the negated production."""


def _case_insensitive(word: str) -> str:
    return "".join(f"[{c.upper()}{c.lower()}]" if c.isalpha() else c for c in word)


MS = IntType(
    "ms",
    "A duration in milliseconds (every duration in Opentact XML is in ms).",
    r"[0-9]+",
    "an integer number of milliseconds",
    minimum=0,
    base="xs:nonNegativeInteger",
)
COUNT = IntType(
    "count",
    "A whole number of at least 1.",
    r"[0-9]+",
    "a whole number of at least 1",
    minimum=1,
    base="xs:positiveInteger",
)
DECIBELS = IntType(
    "decibels",
    "Volume in dB: 0 is loudest, negative numbers are quieter.",
    r"-?[0-9]+",
    "a volume in dB of 0 or less",
    maximum=0,
)
BOOL = BoolType("bool", "true or false.", r"true|false", "true or false")
TEXT = AttrType("text", "Free text.", r"[\s\S]*", "text")
NAME = AttrType("name", "A non-empty word.", r"\S+", "a non-empty name without spaces")
URL = AttrType(
    "url", "An http(s) URL.", r"\S+", "a URL without spaces"
)  # absoluteness is a lint rule, so a relative URL gets a clear finding, not a schema error
LANG = AttrType(
    "lang",
    "A BCP-47 language tag such as en-US.",
    r"[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*",
    "a language tag such as en-US",
)
DTMF_KEYS = AttrType(
    "dtmfKeys", "One or more DTMF keys: 0-9, * and #.", r"[0-9*#]+", "DTMF keys (0-9, *, #)"
)
STOP_KEY = AttrType(
    "stopKey",
    "The key that ends input early: 0-9, * or #. '+' is accepted for old documents (a warning).",
    r"[0-9*#+]",
    "one DTMF key (0-9, *, #)",
)
HZ = AttrType(
    "hz",
    "Comma list of tone frequencies in Hz; 'AxB' plays A and B together.",
    r"[0-9]+(\.[0-9]+)?([x,][0-9]+(\.[0-9]+)?)*",
    "a comma list of frequencies such as 440,480",
)
TIME_RANGE = AttrType(
    "timeRange",
    "HH:MM:SS-HH:MM:SS, inclusive; an end before the start wraps past midnight.",
    f"{_HMS}-{_HMS}",
    "a valid HH:MM:SS-HH:MM:SS range (hours 00-23)",
)


def comma_list(
    name: str, doc: str, words: tuple[str, ...], expected: str, item_expected: str
) -> ListType:
    """A ListType whose items are one of ``words``."""
    item = "|".join(words)
    return ListType(
        name, doc, f"({item})(,({item}))*", expected, item=item, item_expected=item_expected
    )


DOW = comma_list(
    "dowList",
    "Comma list of days: sun, mon, tue, wed, thu, fri, sat.",
    DAYS,
    "a comma list of day names (sun,mon,tue,wed,thu,fri,sat)",
    "a day name (" + ", ".join(DAYS) + ")",
)
STATES = comma_list(
    "stateList",
    "Comma list of US two-letter state codes.",
    US_STATES,
    "a comma list of US state codes such as NJ,NY",
    "a US state code",
)


def enum(name: str, doc: str, *choices: str, fold_case: bool = False) -> EnumType:
    words = [_case_insensitive(c) if fold_case else c for c in choices]
    return EnumType(
        name, doc, "|".join(words), "one of " + ", ".join(choices), choices=choices,
        fold_case=fold_case,
    )  # fmt: skip


GENDER = enum("gender", "Voice gender.", "MALE", "FEMALE")
VOICE_TYPE = enum("voiceType", "Speech engine.", "Standard", "WaveNet")
LEG = enum("leg", "Which leg of the call hears it.", "aleg", "bleg", "both")
METHOD = enum(
    "method", "HTTP method (any case on input; upper case is canonical).",
    "GET", "POST", "PATCH", "DELETE", fold_case=True,
)  # fmt: skip
GATHER_METHOD = enum(
    "gatherMethod", "HTTP method for a Gather url (any case on input).", "GET", "POST",
    fold_case=True,
)  # fmt: skip

ALL_TYPES: tuple[AttrType, ...] = (
    MS, COUNT, DECIBELS, BOOL, TEXT, NAME, URL, LANG, DTMF_KEYS, STOP_KEY, HZ, TIME_RANGE, DOW,
    STATES, GENDER, VOICE_TYPE, LEG, METHOD, GATHER_METHOD,
)  # fmt: skip

DESTINATION = AttrType(
    "destination",
    "A phone number (digits, optional +), a SIP URI (sip:user@host) or user@domain[:port].",
    r"\+?[0-9]+|[^@\s]+@[^@\s]+",
    "a phone number, sip:user@host or user@domain",
    base="xs:token",
)
