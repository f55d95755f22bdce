"""Where a TwiML URL points once converted: absolute URLs kept, relative ones resolved against
--base-url, international hosts in IDNA, and the placeholder with a reason otherwise."""

from __future__ import annotations

import pytest

from callflow.importers.twiml_values import PLACEHOLDER_BASE, resolve_url

BASE = "https://ivr.example.com/app/voice"


def test_an_international_host_is_written_in_idna_keeping_user_and_port() -> None:
    assert resolve_url("https://user@ü.example:8080/a", None) == (
        "https://user@xn--tda.example:8080/a",
        None,
    )


def test_a_host_that_is_no_international_name_gets_the_placeholder_and_why() -> None:
    url, why = resolve_url("https://ü..example/", None)
    assert url == PLACEHOLDER_BASE + "invalid-host"
    assert why == (
        "the host of 'https://ü..example/' is not a valid internationalised domain name:"
        f" written as {PLACEHOLDER_BASE}invalid-host"
    )


@pytest.mark.parametrize("base", [None, BASE])
def test_a_url_of_another_scheme_is_never_joined_to_the_base(base: str | None) -> None:
    url, why = resolve_url("mailto:x@y.com", base)
    assert url == PLACEHOLDER_BASE + "mailto%3Ax%40y.com"
    assert why is not None and why.startswith("'mailto:x@y.com' is not an http(s) URL: ")


@pytest.mark.parametrize(
    ("raw", "base", "expected"),
    [
        ("Xmas/menu", BASE, ("https://ivr.example.com/app/Xmas/menu", None)),
        ("/a b?x=1&y=%20", BASE, ("https://ivr.example.com/a%20b?x=1&y=%20", None)),
    ],
)
def test_a_relative_url_is_resolved_against_the_base(
    raw: str, base: str, expected: tuple[str, None]
) -> None:
    assert resolve_url(raw, base) == expected


@pytest.mark.parametrize(
    ("raw", "placeholder"),
    [("Xmas/menu", "Xmas/menu"), ("/a b?x=1&y=%20", "a%20b?x=1&y=%20")],
)
def test_a_relative_url_without_base_keeps_its_path_under_the_placeholder(
    raw: str, placeholder: str
) -> None:
    url, why = resolve_url(raw, None)
    assert url == PLACEHOLDER_BASE + placeholder
    assert why == (
        f"the relative URL {raw!r} needs the address this TwiML is served from:"
        f" written as {url}; give --base-url"
    )


def test_an_ascii_host_is_kept_as_written_even_one_idna_would_refuse() -> None:
    """Only a host with letters outside ASCII is rewritten; an ASCII one is the user's."""
    assert resolve_url("https://a..b/x", None) == ("https://a..b/x", None)


# ---- Play digits ----------------------------------------------------------------------------


def test_the_dtmf_table_is_the_keypad_grid() -> None:
    """Each key sounds its row's low tone and its column's high tone, one per row and column."""
    from callflow.importers.twiml_values import DTMF_HZ

    rows = ["123", "456", "789", "*0#"]
    pairs = {key: DTMF_HZ[key].split("x") for row in rows for key in row}
    assert set(DTMF_HZ) == set(pairs)
    lows = [{pairs[key][0] for key in row} for row in rows]
    highs = [{pairs[row[col]][1] for row in rows} for col in range(3)]
    assert all(len(low) == 1 for low in lows) and len(set.union(*lows)) == 4
    assert all(len(high) == 1 for high in highs) and len(set.union(*highs)) == 3
    assert all(f.isdigit() for pair in pairs.values() for f in pair)


def test_play_digits_waits_half_a_second_for_w_and_one_for_capital_w() -> None:
    from callflow import model as m
    from callflow.importers import convert_twiml

    model, _ = convert_twiml('<Response><Play digits="1wW8"/></Response>')
    got = [(type(c).__name__, getattr(c, "hz", None) or getattr(c, "length", None))
           for c in model.children]  # fmt: skip
    assert got == [("Tone", "697x1209"), ("Pause", 500), ("Pause", 1000), ("Tone", "852x1336")]
    assert all(isinstance(c, (m.Tone, m.Pause)) for c in model.children)
