"""Twilio ``<Say voice=... language=...>`` -> Opentact ``gender``, ``lang``, ``type`` and ``code``.

Opentact chooses a voice by language, gender and engine (Standard or WaveNet), optionally by a
voice code; Twilio by name. The table below gives each Twilio voice name the gender and
language it speaks, so the caller hears a voice of the same gender in the same language. It is
never the *same* voice (a different speech engine), so a voice is always a change of meaning.

| Twilio voice | Opentact |
|---|---|
| none (Twilio's default, ``man``), ``man`` | ``gender="MALE"``, ``lang`` from ``language`` |
| ``woman``, ``alice`` | ``gender="FEMALE"``, ``lang`` from ``language`` |
| ``Polly.<Name>`` | the gender and language of that Amazon Polly voice |
| ``Polly.<Name>-Neural`` / ``-Generative`` | the same, ``type="WaveNet"`` (a neural engine) |
| ``Google.<lang>-Standard-<X>`` | ``lang`` and gender (``GOOGLE``), ``code`` = the name |
| ``Google.<lang>-Wavenet-<X>``, ``-Neural2-``, ``-Journey-``... | the same, ``type="WaveNet"`` |
| anything else | ``gender="FEMALE"`` (Opentact's default), ``lang`` from ``language`` |
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from callflow import model as m
from callflow import types as t

_F, _M = "FEMALE", "MALE"

POLLY: dict[str, tuple[str, str]] = {
    # English
    "Joanna": (_F, "en-US"), "Kendra": (_F, "en-US"), "Kimberly": (_F, "en-US"),
    "Salli": (_F, "en-US"), "Ivy": (_F, "en-US"), "Ruth": (_F, "en-US"),
    "Danielle": (_F, "en-US"), "Joey": (_M, "en-US"), "Justin": (_M, "en-US"),
    "Matthew": (_M, "en-US"), "Kevin": (_M, "en-US"), "Stephen": (_M, "en-US"),
    "Gregory": (_M, "en-US"), "Patrick": (_M, "en-US"), "Amy": (_F, "en-GB"),
    "Emma": (_F, "en-GB"), "Brian": (_M, "en-GB"), "Arthur": (_M, "en-GB"),
    "Nicole": (_F, "en-AU"), "Olivia": (_F, "en-AU"), "Russell": (_M, "en-AU"),
    "Aditi": (_F, "en-IN"), "Raveena": (_F, "en-IN"), "Kajal": (_F, "en-IN"),
    "Aria": (_F, "en-NZ"), "Ayanda": (_F, "en-ZA"), "Niamh": (_F, "en-IE"),
    "Geraint": (_M, "en-GB-WLS"), "Gwyneth": (_F, "cy-GB"),
    # Spanish, Portuguese, Catalan
    "Conchita": (_F, "es-ES"), "Lucia": (_F, "es-ES"), "Enrique": (_M, "es-ES"),
    "Sergio": (_M, "es-ES"), "Mia": (_F, "es-MX"), "Andres": (_M, "es-MX"),
    "Penelope": (_F, "es-US"), "Lupe": (_F, "es-US"), "Miguel": (_M, "es-US"),
    "Pedro": (_M, "es-US"), "Camila": (_F, "pt-BR"), "Vitoria": (_F, "pt-BR"),
    "Ricardo": (_M, "pt-BR"), "Thiago": (_M, "pt-BR"), "Ines": (_F, "pt-PT"),
    "Cristiano": (_M, "pt-PT"), "Arlet": (_F, "ca-ES"),
    # French, German, Italian, Dutch
    "Celine": (_F, "fr-FR"), "Lea": (_F, "fr-FR"), "Mathieu": (_M, "fr-FR"),
    "Remi": (_M, "fr-FR"), "Chantal": (_F, "fr-CA"), "Gabrielle": (_F, "fr-CA"),
    "Liam": (_M, "fr-CA"), "Isabelle": (_F, "fr-BE"), "Marlene": (_F, "de-DE"),
    "Vicki": (_F, "de-DE"), "Hans": (_M, "de-DE"), "Daniel": (_M, "de-DE"),
    "Hannah": (_F, "de-AT"), "Sabrina": (_F, "de-CH"), "Carla": (_F, "it-IT"),
    "Bianca": (_F, "it-IT"), "Giorgio": (_M, "it-IT"), "Adriano": (_M, "it-IT"),
    "Lotte": (_F, "nl-NL"), "Laura": (_F, "nl-NL"), "Ruben": (_M, "nl-NL"),
    "Lisa": (_F, "nl-BE"),
    # Nordic, Eastern European, Turkish
    "Naja": (_F, "da-DK"), "Sofie": (_F, "da-DK"), "Mads": (_M, "da-DK"),
    "Liv": (_F, "nb-NO"), "Ida": (_F, "nb-NO"), "Astrid": (_F, "sv-SE"),
    "Elin": (_F, "sv-SE"), "Suvi": (_F, "fi-FI"), "Dora": (_F, "is-IS"),
    "Karl": (_M, "is-IS"), "Ewa": (_F, "pl-PL"), "Maja": (_F, "pl-PL"),
    "Ola": (_F, "pl-PL"), "Jacek": (_M, "pl-PL"), "Jan": (_M, "pl-PL"),
    "Carmen": (_F, "ro-RO"), "Tatyana": (_F, "ru-RU"), "Maxim": (_M, "ru-RU"),
    "Filiz": (_F, "tr-TR"), "Burcu": (_F, "tr-TR"),
    # Asian and Arabic
    "Mizuki": (_F, "ja-JP"), "Kazuha": (_F, "ja-JP"), "Tomoko": (_F, "ja-JP"),
    "Takumi": (_M, "ja-JP"), "Seoyeon": (_F, "ko-KR"), "Zhiyu": (_F, "cmn-CN"),
    "Hiujin": (_F, "yue-CN"), "Zeina": (_F, "arb"), "Hala": (_F, "ar-AE"),
    "Zayd": (_M, "ar-AE"),
}  # fmt: skip
"""Amazon Polly voice name (accents removed) -> (gender, language)."""


def _letters(lang: str, letters: str, genders: str) -> dict[str, str]:
    """``_letters("en-AU", "AB", "FM")`` -> ``{"en-AU-A": FEMALE, "en-AU-B": MALE}``."""
    return {f"{lang}-{k}": {"F": _F, "M": _M}[g] for k, g in zip(letters, genders, strict=True)}


GOOGLE: dict[str, str] = {
    **_letters("en-US", "ABCDEFGHIJKLNOQ", "MMFMFFFFMMFFMFM"),
    **_letters("en-GB", "ABCDFNO", "FMFMFFM"),
    **_letters("en-AU", "ABCD", "FMFM"),
    **_letters("en-IN", "ABCD", "FMMF"),
    "Aoede": _F, "Charon": _M, "Fenrir": _M, "Kore": _F, "Leda": _F, "Orus": _M, "Puck": _M,
    "Zephyr": _F,
}  # fmt: skip
"""Gender of Google voices: ``<lang>-<letter>`` (the same letter is the same gender across the
Standard, Wavenet, Neural2, News, Studio and Journey engines of one language) and the Chirp 3
HD voice names. A voice not listed keeps Opentact's default gender, and the report says so."""

_CLASSIC: dict[str, str] = {"man": _M, "woman": _F, "alice": _F}
_POLLY = re.compile(r"Polly\.([^.\-]+)(?:-(Neural|Generative|LongForm))?", re.IGNORECASE)
_GOOGLE = re.compile(r"Google\.(([a-z]{2,3}-[A-Z]{2})-([A-Za-z0-9]+)-[A-Za-z0-9-]+)", re.IGNORECASE)
DEFAULT_LANG = "en-US"
"""Twilio's language when ``language`` is not given."""
OPENTACT_GENDER: str = m.Say.attr_specs()["gender"].default
"""What a voice whose gender is not known gets: Opentact's default."""


@dataclass(frozen=True, slots=True)
class Voice:
    """What a Twilio voice becomes, and what the report says about it."""

    gender: str
    lang: str
    type: str = "Standard"
    code: str | None = None
    note: str = ""
    """What the caller hears differently (the voice is never the same)."""
    language_note: str = ""
    """Set when the ``language`` attribute was not used as written."""


def _plain(name: str) -> str:
    """``Céline`` -> ``Celine``: Twilio writes Polly names both ways."""
    return "".join(c for c in unicodedata.normalize("NFD", name) if not unicodedata.combining(c))


def normalize_language(raw: str) -> str | None:
    """``en-gb`` -> ``en-GB``; None when it is no language tag Opentact accepts."""
    parts = raw.strip().replace("_", "-").split("-")
    if len(parts) >= 2 and len(parts[1]) == 2:
        parts[1] = parts[1].upper()
    tag = "-".join([parts[0].lower(), *parts[1:]])
    try:
        t.LANG.parse(tag)
    except ValueError:
        return None
    return tag


def _ignored(language: str | None, name: str, own: str) -> str:
    """A note when ``language`` asks for another language than the named voice speaks."""
    if language and language.lower() != own.lower():
        return f"language {language} ignored: {name} speaks {own}"
    return ""


def _google_gender(code: str, lang: str) -> str | None:
    """``en-US-Neural2-J`` -> MALE (by language and letter), ``en-US-Chirp3-HD-Kore`` -> FEMALE."""
    last = code.rsplit("-", 1)[-1]
    return GOOGLE.get(last) if len(last) > 1 else GOOGLE.get(f"{lang}-{last.upper()}")


def choose(voice: str | None, language: str | None) -> Voice:
    """The Opentact voice settings for a Twilio voice name and language (either may be absent;
    ``language`` must already be normalised)."""
    lang = language or DEFAULT_LANG
    name = (voice or "man").strip()
    what = "Twilio's default voice (man)" if voice is None else f"voice {name}"
    if name.lower() in _CLASSIC:
        gender = _CLASSIC[name.lower()]
        return Voice(
            gender,
            lang,
            note=f"{what} becomes gender {gender}, lang {lang}: a different text-to-speech voice",
        )
    polly = _POLLY.fullmatch(name)
    if polly and _plain(polly.group(1)).capitalize() in POLLY:
        gender, own = POLLY[_plain(polly.group(1)).capitalize()]
        neural = polly.group(2) is not None
        kind = "WaveNet" if neural else "Standard"
        other = _ignored(language, name, own)
        engine = ", type WaveNet (a neural engine)" if neural else ""
        return Voice(
            gender,
            own,
            kind,
            None,
            f"{name} (Amazon Polly) becomes gender {gender}, lang {own}{engine}: a different voice",
            other,
        )
    google = _GOOGLE.fullmatch(name)
    if google:
        code, own, engine = google.group(1), google.group(2), google.group(3)
        own = normalize_language(own) or lang
        kind = "Standard" if engine.lower() == "standard" else "WaveNet"
        other = _ignored(language, name, own)
        known = _google_gender(code, own)
        said = (
            f"gender {known}"
            if known is not None
            else f"gender not known to this importer, so Opentact's default, {OPENTACT_GENDER}"
        )
        return Voice(
            known or OPENTACT_GENDER,
            own,
            kind,
            code,
            f"Google voice {name} becomes lang {own}, type {kind}, code {code}, {said}: check"
            " that Opentact offers that voice code",
            other,
        )
    return Voice(
        OPENTACT_GENDER,
        lang,
        note=f"voice {name} is not a voice this importer knows: gender {OPENTACT_GENDER}"
        f" (Opentact's default), lang {lang}",
    )
