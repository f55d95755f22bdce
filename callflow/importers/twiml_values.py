"""Reading TwiML attribute values (seconds, counts, keys, URLs, numbers) into Opentact values.

Each reader returns None for a value it cannot read, so the converter can report that value as
not convertible and fall back to TwiML's default.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from decimal import Decimal
from urllib.parse import quote, urlencode, urljoin, urlsplit, urlunsplit

import phonenumbers

from callflow import model as m
from callflow import types as t
from callflow.rules.verbs import is_absolute_http

PLACEHOLDER_BASE = "https://twiml-base.invalid/"
"""Stands in for the unknown address of the document when a relative URL has no --base-url:
absolute, so the output still lints, and under the reserved ``.invalid`` domain, so it can
never reach anything by mistake."""

_SECONDS = re.compile(r"\s*([0-9]+(?:\.[0-9]+)?)\s*")
_WHOLE = re.compile(r"\s*([0-9]+)\s*")
_PHONE_PUNCTUATION = re.compile(r"[\s().\-]")
_URL_SAFE = "!#$%&'()*+,/:;=?@[]~"

DTMF_HZ: dict[str, str] = {
    "1": "697x1209", "2": "697x1336", "3": "697x1477", "4": "770x1209", "5": "770x1336",
    "6": "770x1477", "7": "852x1209", "8": "852x1336", "9": "852x1477", "*": "941x1209",
    "0": "941x1336", "#": "941x1477",
}  # fmt: skip
"""The two frequencies (Hz) of each DTMF key; ``x`` plays them together."""
DIGIT_ON_MS = 100
"""How long each DTMF key sounds, and the silence after it (the usual 100 ms each)."""
WAIT_MS = {"w": 500, "W": 1000}
"""Twilio's wait characters in ``digits``: w is half a second, W one second."""


def seconds_ms(raw: str) -> int | None:
    """``"5"`` -> 5000, ``"1.5"`` -> 1500; None for anything but a non-negative number."""
    found = _SECONDS.fullmatch(raw)
    return round(Decimal(found.group(1)) * 1000) if found else None


def whole(raw: str, minimum: int = 0) -> int | None:
    found = _WHOLE.fullmatch(raw)
    if found is None or int(found.group(1)) < minimum:
        return None
    return int(found.group(1))


def boolean(raw: str) -> bool | None:
    return {"true": True, "false": False}.get(raw.strip().lower())


def method(raw: str) -> str | None:
    """TwiML's GET or POST, in any case."""
    upper = raw.strip().upper()
    return upper if upper in {"GET", "POST"} else None


@dataclass(frozen=True, slots=True)
class Phone:
    """What a TwiML number became: the Opentact destination (None when it cannot be dialled),
    whether it is the same number as written, and the note for the report."""

    number: str | None
    exact: bool
    note: str


def phone(raw: str, region: str | None) -> Phone:
    """A TwiML number as an Opentact destination. ``+1 (555) 010-0199`` is ``+15550100199``
    (exact: only the punctuation goes). A number without ``+`` is national: Opentact would
    dial it as written, without a country code, so it is read as a number of ``region`` and
    written in E.164 (a change), or refused as ambiguous when no region is known."""
    compact = _PHONE_PUNCTUATION.sub("", raw)
    if not re.fullmatch(r"\+?[0-9]+", compact):
        return Phone(None, False, f"{raw!r} is not a phone number")
    spacing = "written without spaces and punctuation" if compact != raw else ""
    if compact.startswith("+"):
        return Phone(compact, True, spacing)
    if region is None:
        return Phone(
            None,
            False,
            f"{raw!r} is a national number without a country code, so it is ambiguous:"
            " give --region (e.g. --region US) or write it in E.164 (+...)",
        )
    try:
        parsed = phonenumbers.parse(compact, region)
    except phonenumbers.NumberParseException:
        parsed = None
    if parsed is None or not phonenumbers.is_possible_number(parsed):
        return Phone(None, False, f"{raw!r} is not a possible phone number in region {region}")
    e164 = phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)
    return Phone(e164, False, f"national number read as region {region}: {e164}")


def region_of(number: str | None) -> str | None:
    """The region (``US``, ``GB``) of an E.164 number such as a Dial's callerId, else None."""
    text = _PHONE_PUNCTUATION.sub("", number or "")
    if not re.fullmatch(r"\+[0-9]+", text):
        return None
    try:
        region = phonenumbers.region_code_for_number(phonenumbers.parse(text, None))
    except phonenumbers.NumberParseException:
        return None
    return region if region in phonenumbers.SUPPORTED_REGIONS else None


def with_query(url: str, params: list[tuple[str, str]]) -> str:
    """``url`` with ``params`` added to its query (the parameters it already has are kept)."""
    parts = urlsplit(url)
    added = urlencode(params)
    query = f"{parts.query}&{added}" if parts.query else added
    return urlunsplit((parts.scheme, parts.netloc, parts.path, query, parts.fragment))


def destination(raw: str) -> str | None:
    """``raw`` if Opentact's ``To`` accepts it (a number, ``sip:user@host``, ``user@host``)."""
    try:
        t.DESTINATION.parse(raw)
    except ValueError:
        return None
    return " ".join(raw.split())


def dtmf_keys(raw: str, *, single: bool) -> str | None:
    """Keys for a Gather (one key) or a Record (any of 0-9, * and #)."""
    keys = raw.strip()
    if not keys or (single and len(keys) != 1) or any(k not in DTMF_HZ for k in keys):
        return None
    return "".join(dict.fromkeys(keys))


def dtmf_tones(digits: str) -> list[m.Node] | None:
    """Twilio's ``<Play digits="ww12#">`` as Opentact prompts: a Pause per wait, a Tone per
    key. None if ``digits`` holds anything else."""
    out: list[m.Node] = []
    for char in digits.strip():
        if char in WAIT_MS:
            out.append(m.Pause(length=WAIT_MS[char]))
        elif char in DTMF_HZ:
            out.append(m.Tone(hz=DTMF_HZ[char], don=DIGIT_ON_MS, doff=DIGIT_ON_MS))
        else:
            return None
    return out or None


def _idna_host(url: str) -> str:
    """``https://ü.example/a`` -> ``https://xn--tda.example/a``: a host with letters outside
    ASCII is written in IDNA (as browsers and Twilio resolve it), not percent-encoded, which no
    resolver reads. UnicodeError when the host is no valid international name."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return url
    if not parts.netloc or parts.netloc.isascii():
        return url
    user, at, hostport = parts.netloc.rpartition("@")
    host, colon, port = hostport.partition(":")
    netloc = f"{user}{at}{host.encode('idna').decode('ascii')}{colon}{port}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def resolve_url(raw: str, base: str | None) -> tuple[str, str | None]:
    """The absolute http(s) URL for a TwiML URL, and a problem when it cannot be known.

    A relative URL is resolved against ``base`` (the address the TwiML was served from, as
    Twilio resolves it). Without a base, or for a URL that is not http(s), the result is the
    same path under ``PLACEHOLDER_BASE`` and the second value says why.
    """
    try:
        url = quote(_idna_host(raw.strip()), safe=_URL_SAFE)
    except UnicodeError:
        placeholder = urljoin(PLACEHOLDER_BASE, "invalid-host")
        why = f"the host of {raw.strip()!r} is not a valid internationalised domain name"
        return placeholder, f"{why}: written as {placeholder}"
    if is_absolute_http(url):
        return url, None
    if base is not None and not re.match(r"[A-Za-z][A-Za-z0-9+.-]*:", url):
        joined = urljoin(base, url)
        if is_absolute_http(joined):
            return joined, None
    placeholder = urljoin(PLACEHOLDER_BASE, quote(url.lstrip("/"), safe="/?=&%"))
    if re.match(r"[A-Za-z][A-Za-z0-9+.-]*:", url):
        why = f"{raw.strip()!r} is not an http(s) URL"
    else:
        why = f"the relative URL {raw.strip()!r} needs the address this TwiML is served from"
    return placeholder, f"{why}: written as {placeholder}; give --base-url"
