"""``lazy_compile`` is ``re.compile`` done at first use; ``NOT_XML_CHAR`` is XML's Char rule."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from callflow.lazyre import lazy_compile
from callflow.types import NOT_XML_CHAR

PATTERNS = [r"\{([A-Za-z_]\w*)\}", r"\r\n?|\n", r"(?P<a>a+)(?P<b>b*)", r"<!--.*?-->"]


@given(st.sampled_from(PATTERNS), st.sampled_from([0, re.S, re.I]), st.text(max_size=30))
def test_the_same_answers_as_re_compile(source: str, flags: int, text: str) -> None:
    lazy, real = lazy_compile(source, flags), re.compile(source, flags)
    for first in ("search", "sub", "pattern"):  # whichever is read first compiles it
        lazy = lazy_compile(source, flags)
        getattr(lazy, first)
        assert lazy.pattern == real.pattern and lazy.flags == real.flags
        assert lazy.groups == real.groups and lazy.groupindex == real.groupindex
        found, expected = lazy.search(text), real.search(text)
        assert (found and found.span()) == (expected and expected.span())
        assert lazy.sub("#", text) == real.sub("#", text)
        assert lazy.findall(text) == real.findall(text)
        assert [m.span() for m in lazy.finditer(text)] == [m.span() for m in real.finditer(text)]
        assert lazy.split(text) == real.split(text)
        assert (lazy.fullmatch(text) is None) == (real.fullmatch(text) is None)


def test_compiled_on_first_use_not_before() -> None:
    broken = lazy_compile("(unclosed")  # no error yet: nothing compiled
    with pytest.raises(re.error):
        broken.search("x")


def test_bytes_patterns() -> None:
    lazy = lazy_compile(rb"encoding=\"([\w-]+)\"")
    found = lazy.search(b'<?xml encoding="latin-1"?>')
    assert found is not None and found.group(1) == b"latin-1"


def _xml_char(code: int) -> bool:
    """XML 1.0 production [2] Char, written out as the spec has it."""
    return (
        code in (0x9, 0xA, 0xD)
        or 0x20 <= code <= 0xD7FF
        or 0xE000 <= code <= 0xFFFD
        or 0x10000 <= code <= 0x10FFFF
    )


def test_not_xml_char_is_the_complement_of_the_char_production() -> None:
    wrong = [c for c in range(0x110000) if (NOT_XML_CHAR.match(chr(c)) is None) != _xml_char(c)]
    assert wrong == []
