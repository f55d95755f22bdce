"""The one bounded reader of JSON, YAML and TOML (``callflow.bounded``): deep nesting refused
at its position, numbers kept as written, duplicate keys refused, nothing raised but
``DataError``."""

from __future__ import annotations

import json

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

from callflow.bounded import (
    MAX_DEPTH,
    DataError,
    JsonNumber,
    compose_yaml,
    construct_yaml,
    load_json,
    load_toml,
)

NINES = "9" * 100_000


def test_json_numbers_are_kept_as_written() -> None:
    data = load_json(f'{{"a": {NINES}, "b": 1e999, "c": 2.50, "d": -0, "e": true}}')
    assert data == {
        "a": JsonNumber(NINES),
        "b": JsonNumber("1e999"),
        "c": JsonNumber("2.50"),
        "d": JsonNumber("-0"),
        "e": True,
    }


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_json_constants_that_are_not_numbers_are_refused(constant: str) -> None:
    with pytest.raises(DataError, match=f"{constant} is not a JSON number"):
        load_json(f'{{"a": {constant}}}')


def test_a_key_given_twice_is_refused() -> None:
    with pytest.raises(DataError, match="key 'to' is given twice"):
        load_json('{"to": "+1", "x": {"y": 1}, "to": "+2"}')
    with pytest.raises(DataError, match="key 'y' is given twice"):
        load_json('[{"y": 1, "y": 1}]')


def test_a_lone_surrogate_is_not_text() -> None:
    with pytest.raises(DataError, match="lone surrogate"):
        load_json('{"a": "\\ud800"}')
    assert load_json('{"a": "\\ud83d\\ude00"}') == {"a": "\U0001f600"}


def test_deep_json_is_refused_where_it_goes_too_deep() -> None:
    text = '{"a":\n  ' + "[" * 100_000 + "]" * 100_000 + "}"
    with pytest.raises(DataError) as caught:
        load_json(text)
    assert caught.value.message == f"nested more than {MAX_DEPTH} levels deep"
    # the opening brace is level 1, so the bracket at level MAX_DEPTH + 1 is number MAX_DEPTH
    assert (caught.value.line, caught.value.col) == (2, 3 + MAX_DEPTH - 1)
    fine = "[" * (MAX_DEPTH - 1) + "{}" + "]" * (MAX_DEPTH - 1)
    assert load_json(fine) is not None
    # brackets inside strings are text, not nesting
    assert load_json(json.dumps({"a": "[" * 1000})) == {"a": "[" * 1000}


@given(
    st.recursive(
        st.none() | st.booleans() | st.text(), lambda x: st.lists(x) | st.dictionaries(st.text(), x)
    )
)
def test_json_reads_what_json_writes(value: object) -> None:
    assert load_json(json.dumps(value)) == value


def test_deep_yaml_is_refused_at_its_line() -> None:
    text = "call:\n  answer: " + "[" * 10_000 + "]" * 10_000 + "\n"
    with pytest.raises(DataError) as caught:
        compose_yaml(text)
    assert caught.value.message == f"nested more than {MAX_DEPTH} levels deep"
    assert caught.value.line == 2
    block = "".join(f"{'  ' * i}k{i}:\n" for i in range(300)) + "  " * 300 + "x\n"
    with pytest.raises(DataError, match="levels deep"):
        compose_yaml(block)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("a: [1, 2\n", "invalid YAML"),
        ("a: \x1f\n", "invalid YAML"),  # a character YAML does not allow
        ("a: b\n  c: d\n", "invalid YAML"),
    ],
)
def test_invalid_yaml_is_a_data_error(text: str, message: str) -> None:
    with pytest.raises(DataError, match=message):
        compose_yaml(text)


def test_yaml_values_python_cannot_hold_are_refused_at_their_node() -> None:
    node = compose_yaml(f"a: 1\nb: {NINES}\n")
    with pytest.raises(DataError) as caught:
        construct_yaml(node)
    assert (caught.value.line, caught.value.col) == (2, 4)
    with pytest.raises(DataError):
        construct_yaml(compose_yaml("when: 2026-02-30\n"))
    assert construct_yaml(compose_yaml("a: [1, {b: c}]\n")) == yaml.safe_load("a: [1, {b: c}]")


def test_deep_and_huge_toml_are_refused_at_their_position() -> None:
    with pytest.raises(DataError) as caught:
        load_toml("[tool.callflow]\nselect = " + "[" * 10_000 + "]" * 10_000)
    assert (caught.value.line, caught.value.message) == (2, "nested more than 100 levels deep")
    with pytest.raises(DataError) as caught:
        load_toml(f"a = 1\nb = {'9' * 5000}\n")
    assert (caught.value.line, caught.value.col) == (2, 5)
    # brackets in strings and comments are not nesting
    assert load_toml('a = "' + "[" * 500 + '"  # ' + "[" * 500 + "\n") == {"a": "[" * 500}


def test_json_numbers_as_python_numbers_are_bounded() -> None:
    assert load_json('{"a": 12, "b": 2.5}', exact_numbers=False) == {"a": 12, "b": 2.5}
    for text in (NINES, "1e999", "-1e999", "9" * 19):
        with pytest.raises(DataError):
            load_json(f'{{"a": {text}}}', exact_numbers=False)
