"""Where the caller is, from their number: the US state for ``<Geo states=...>``.

The ``phonenumbers`` offline geocoder names the area of a number ("New York, NY", "New Jersey",
"Washington D.C."); the ``us`` package turns a state name into its two-letter code. Counties
are never derived (no offline geocoder gives them): they come from the call context only.
"""

from __future__ import annotations

from functools import lru_cache

import phonenumbers
import us
from phonenumbers import geocoder

from callflow.types import US_STATES

_CODES = frozenset(US_STATES)
_TERRITORIES = frozenset({"PR", "VI", "GU", "AS", "MP"})
"""Regions phonenumbers reports on their own that are also ``Geo`` state codes."""


@lru_cache(maxsize=4096)
def state_of(number: str) -> str | None:
    """The US state (or territory) code of a phone number, or None when unknown or not US."""
    try:
        parsed = phonenumbers.parse(number, "US")
    except phonenumbers.NumberParseException:
        return None
    region = phonenumbers.region_code_for_number(parsed)
    if region in _TERRITORIES:
        return str(region)
    if region != "US":
        return None
    return state_from_description(geocoder.description_for_number(parsed, "en"))


def state_from_description(description: str) -> str | None:
    """``"Chicago, IL"`` -> ``IL``; ``"New Jersey"`` -> ``NJ``; ``"Washington D.C."`` -> ``DC``."""
    text = description.replace(".", "").strip()
    if not text:
        return None
    last = text.replace(",", " ").split()[-1]
    if len(last) == 2 and last in _CODES:
        return last
    found = us.states.lookup(text.split(",")[0].strip())
    return str(found.abbr) if found is not None else None
