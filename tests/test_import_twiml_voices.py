"""The voice tables of the importer: every entry reachable from the voice name Twilio writes, and
every value one Opentact accepts.

No source in this environment says which gender and language each Amazon Polly or Google voice
has (that is the tables' own knowledge, checked by review); what can be checked is that each
entry is reachable and consistent with Opentact's grammar (callflow.types, callflow.model).
"""

from __future__ import annotations

import pytest

from callflow import model as m
from callflow import types as t
from callflow.importers import voices


def test_genders_are_opentacts() -> None:
    """Every gender in the tables is a value of Opentact's gender attribute (both are used)."""
    used = {g for g, _ in voices.POLLY.values()} | set(voices.GOOGLE.values())
    assert used == set(t.GENDER.choices)
    assert m.Say().gender == voices.OPENTACT_GENDER


@pytest.mark.parametrize("name", sorted(voices.POLLY))
def test_every_polly_voice_is_reached_by_its_twilio_name(name: str) -> None:
    """``Polly.<Name>`` and ``Polly.<Name>-Neural`` find the entry: a key the lookup cannot
    reach (not in the form the lookup writes) would leave that voice unknown."""
    gender, lang = voices.POLLY[name]
    assert voices.normalize_language(lang) == lang
    for suffix, kind in (("", "Standard"), ("-Neural", "WaveNet")):
        voice = voices.choose(f"Polly.{name}{suffix}", None)
        assert (voice.gender, voice.lang, voice.type) == (gender, lang, kind)
        assert "(Amazon Polly)" in voice.note


@pytest.mark.parametrize("key", sorted(voices.GOOGLE))
def test_every_google_voice_is_reached_by_its_twilio_name(key: str) -> None:
    """``<lang>-<letter>`` entries through ``Google.<lang>-Wavenet-<letter>``, Chirp 3 HD names
    through ``Google.en-US-Chirp3-HD-<Name>``."""
    lang, _, letter = key.rpartition("-")
    if lang:
        assert voices.normalize_language(lang) == lang
        assert len(letter) == 1 and letter.isupper(), key
        name = f"Google.{lang}-Wavenet-{letter}"
    else:
        assert key.isalpha() and key == key.capitalize(), key
        name, lang = f"Google.en-US-Chirp3-HD-{key}", "en-US"
    voice = voices.choose(name, None)
    assert (voice.gender, voice.lang, voice.type) == (voices.GOOGLE[key], lang, "WaveNet")
    assert f"gender {voices.GOOGLE[key]}:" in voice.note
