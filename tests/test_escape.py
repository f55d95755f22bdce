"""The serializer's escapes: the fast path (nothing to escape) never skips a character that
needs one, so text and attribute values always read back as written."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st
from lxml import etree

from callflow.serializer import _ATTR_ESCAPES, _TEXT_ESCAPES, escape_attr, escape_text

SPECIAL = "&<>\"'\n\r\t"
texts = st.text(alphabet=st.sampled_from(SPECIAL) | st.characters(codec="utf-8"), max_size=40)


@given(texts)
def test_escapes_equal_the_full_translation(text: str) -> None:
    assert escape_text(text) == text.translate(_TEXT_ESCAPES)
    assert escape_attr(text) == text.translate(_ATTR_ESCAPES)


@given(st.text(alphabet=st.sampled_from(SPECIAL + "ab ")))
def test_escaped_values_read_back_as_written(text: str) -> None:
    root = etree.fromstring(f'<a v="{escape_attr(text)}">{escape_text(text)}</a>')
    assert root.get("v") == text
    assert (root.text or "") == text
