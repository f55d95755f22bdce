"""TwiML ``<Say>``, ``<Play>`` and ``<Pause>``: the verbs that are also Gather prompts."""

from __future__ import annotations

from typing import Any

from callflow import model as m
from callflow.importers import twiml_values as v
from callflow.importers import voices
from callflow.importers.report import Status
from callflow.importers.twiml_context import (
    CHANGED,
    EXACT,
    NOT_CONVERTIBLE,
    Context,
    Out,
    attributes,
    is_comment,
)
from callflow.importers.twiml_read import tag_name

_SSML: dict[str, tuple[Status, str]] = {
    "break": (CHANGED, "the pause inside the speech is dropped"),
    "emphasis": (CHANGED, "the emphasis is dropped; the words are kept"),
    "lang": (CHANGED, "the change of language is dropped; the words are kept"),
    "p": (CHANGED, "the paragraph mark is dropped; the words are kept"),
    "phoneme": (CHANGED, "the pronunciation is dropped; the words are kept"),
    "prosody": (CHANGED, "rate, pitch and volume are dropped; the words are kept"),
    "s": (CHANGED, "the sentence mark is dropped; the words are kept"),
    "say-as": (CHANGED, "read as plain text"),
    "sub": (EXACT, "spoken as its alias"),
    "w": (CHANGED, "the word's role is dropped; the word is kept"),
}
"""What each SSML element inside ``<Say>`` becomes: Opentact speaks plain text."""


def speech_text(el: Any) -> str:
    """The words a ``<Say>`` speaks: its text with SSML markup taken off (a ``<sub>`` is its
    alias), whitespace runs as one space. An element's edge separates words, as the builders
    that write SSML mean it (``<prosody>slowly</prosody><say-as>123</say-as>``)."""
    parts = [el.text or ""]
    for child in el:
        if not is_comment(child) and isinstance(child.tag, str):
            alias = child.get("alias") if tag_name(child) == "sub" else None
            parts.append(f" {alias if alias is not None else speech_text(child)} ")
        parts.append(child.tail or "")
    return " ".join("".join(parts).split())


def _ssml(ctx: Context, say: Any) -> None:
    for inner in say.iterdescendants():
        if is_comment(inner) or not isinstance(inner.tag, str):
            continue
        status, note = _SSML.get(
            tag_name(inner),
            (NOT_CONVERTIBLE, "not SSML that Twilio accepts in <Say>; its words are kept"),
        )
        ctx.elem(inner, status, "words of the Say", note)
        for name, _ in attributes(inner):
            ctx.attr(inner, name, status, "", f"part of the {tag_name(inner)}", ctx.label(inner))


def say(ctx: Context, el: Any) -> Out:
    text = speech_text(el)
    if not text:
        ctx.skip(el, EXACT, "left out: an empty <Say> says nothing", left_out=True)
        return [], None
    _ssml(ctx, el)
    language_raw = el.get("language")
    language = voices.normalize_language(language_raw) if language_raw is not None else None
    voice = voices.choose(el.get("voice"), language)
    loop = ctx.loop(el)
    result = f'gender="{voice.gender}" lang="{voice.lang}"'
    if voice.type != "Standard":
        result += f' type="{voice.type}"'
    if voice.code is not None:
        result += f' code="{voice.code}"'

    def on_voice(_: str) -> None:
        ctx.attr(el, "voice", CHANGED, result, voice.note)

    def on_language(raw: str) -> None:
        if language is None:
            ctx.bad_value(el, "language", "a language tag", f'lang="{voice.lang}"')
        elif voice.language_note:
            ctx.attr(el, "language", CHANGED, f'lang="{voice.lang}"', voice.language_note)
        else:
            ctx.attr(el, "language", EXACT, f'lang="{voice.lang}"')

    ctx.rest(el, {"voice": on_voice, "language": on_language, "loop": lambda _: None})
    if el.get("voice") is None:
        ctx.implicit(el, "voice", CHANGED, result, voice.note)
    node = m.Say(
        content=text,
        lang=voice.lang,
        gender=voice.gender,
        type=voice.type,
        code=voice.code,
        loop=loop,
    )
    ctx.elem(el, EXACT, "<Say>")
    return [node], None


def play(ctx: Context, el: Any) -> Out:
    raw_url = (el.text or "").strip()
    digits = el.get("digits")
    nodes: list[m.Node] = []
    tones = v.dtmf_tones(digits) if digits is not None else None

    def on_digits(raw: str) -> None:
        if tones is None:
            ctx.bad_value(el, "digits", "keys 0-9, *, # and waits w, W", "")
        else:
            ctx.attr(
                el,
                "digits",
                CHANGED,
                f"{len(tones)} Tone/Pause prompts",
                "each key is"
                f" played as its two DTMF frequencies for {v.DIGIT_ON_MS} ms (w waits 0.5 s,"
                " W 1 s): heard the same, but a far end that listens for RFC 2833 DTMF"
                " events does not see them",
            )

    def on_loop(_: str) -> None:
        if raw_url:
            return  # reported by ctx.loop below
        ctx.attr(el, "loop", CHANGED, "", "repeats audio only; the digits play once")

    ctx.rest(el, {"digits": on_digits, "loop": on_loop})
    nodes.extend(tones or [])
    loop = ctx.loop(el) if raw_url else 1
    if raw_url:
        url, problem = ctx.url(raw_url)
        nodes.append(m.Play(content=url, loop=loop))
        if problem:
            ctx.elem(el, NOT_CONVERTIBLE, f"<Play>{url}</Play>", problem)
        else:
            ctx.elem(el, EXACT, f"<Play>{url}</Play>")
    elif tones:
        ctx.elem(el, CHANGED, "Tone and Pause prompts", "the digits become tones (see digits)")
    else:
        note = "a <Play> without a URL or digits plays nothing (Twilio rejects it)"
        ctx.elem(el, NOT_CONVERTIBLE, "", note)
        return [], None
    for child in el:
        if not is_comment(child) and isinstance(child.tag, str):
            nodes.extend(ctx.not_convertible(child, "TwiML allows nothing inside <Play>"))
    return nodes, None


def pause(ctx: Context, el: Any) -> Out:
    length = 1000

    def on_length(raw: str) -> None:
        nonlocal length
        ms = v.seconds_ms(raw)
        if ms is None:
            ctx.bad_value(el, "length", "a number of seconds", 'length="1000"')
        else:
            length = ms
            ctx.attr(el, "length", EXACT, f'length="{ms}"', f"{raw.strip()} s -> {ms} ms")

    ctx.rest(el, {"length": on_length})
    ctx.elem(el, EXACT, "<Pause>")
    extra = [c for c in el if not is_comment(c) and isinstance(c.tag, str)]
    nodes: list[m.Node] = [m.Pause(length=length)]
    for child in extra:
        nodes.extend(ctx.not_convertible(child, "TwiML allows nothing inside <Pause>"))
    return nodes, None


PROMPTS = {"Say": say, "Play": play, "Pause": pause}
"""The verbs TwiML allows inside <Gather>, by name."""
