"""A generated lint corpus: many varied valid call flows and some broken ones.

The shapes follow the real example flows (menus of one to three levels, opening hours,
routing by place and number, voicemail, a hold queue, a recorded bridge, the legacy alias
spellings), with sizes, attribute mixes, comments and texts drawn at random from a seed, so
the same seed always writes the same files. Broken documents are valid ones with one mistake
a person makes: a typo in a name, seconds for milliseconds, a verb in the wrong place, a cut
off file, a missing attribute.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from pathlib import Path
from typing import Any

from callflow import builder as b

_TEXT = (
    "thanks for calling please hold our office is open every weekday from nine until five "
    "press one for sales two for support your call matters to us a member of the team will "
    "be with you shortly for billing questions visit the website or stay on the line"
)
_WORDS = tuple(_TEXT.split(" "))
_HOSTS = ("ivr.example.com", "api.shop.example.com", "hooks.clinic.example.org")
_DAYS = ("sun", "mon", "tue", "wed", "thu", "fri", "sat")
_STATES = ("NY", "NJ", "CA", "TX", "FL", "IL", "WA", "MA", "PA", "GA")
_ONE_KEY = tuple("123456789")
_TWO_KEYS = ("10", "11", "12", "20", "21", "22", "30")
_LANGS = ("en-US", "en-GB", "es-US", "fr-CA", "de-DE")


class _Draw:
    """Random choices for one document, in the words of the grammar."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    def chance(self, p: float) -> bool:
        return self.rng.random() < p

    def sentence(self) -> str:
        words = self.rng.choices(_WORDS, k=self.rng.randint(3, 14))
        return " ".join(words).capitalize() + "."

    def phone(self) -> str:
        return "+1" + "".join(self.rng.choices("0123456789", k=10))

    def destination(self) -> str:
        kind = self.rng.random()
        if kind < 0.6:
            return self.phone()
        user = self.rng.choice(("desk", "sales", "agent7", "frontdesk", "billing"))
        if kind < 0.85:
            return f"sip:{user}@pbx.example.net"
        return f"{user}@pbx.example.net:5060"

    def url(self, path: str) -> str:
        return f"https://{self.rng.choice(_HOSTS)}/{path}/{self.rng.randint(1, 999)}"

    def ms(self, low: int, high: int) -> int:
        return self.rng.randrange(low, high, 500)

    def tag(self) -> str | None:
        return f"step-{self.rng.randint(1, 99)}" if self.chance(0.3) else None

    def say_attrs(self) -> dict[str, Any]:
        attrs: dict[str, Any] = {}
        if self.chance(0.3):
            attrs["lang"] = self.rng.choice(_LANGS)
        if self.chance(0.2):
            attrs["gender"] = self.rng.choice(("MALE", "FEMALE"))
        if self.chance(0.1):
            attrs["type"] = "WaveNet"
        if self.chance(0.1):
            attrs["loop"] = self.rng.randint(1, 3)
        return attrs


Parent = b.Element[Any]


def _say(parent: Parent, d: _Draw) -> None:
    if d.chance(0.1):
        parent.say(text=d.sentence(), **d.say_attrs())
    else:
        parent.say(d.sentence(), **d.say_attrs())


def _comment(parent: Parent, d: _Draw) -> None:
    if d.chance(0.15):
        parent.comment(d.sentence())


def _meta(parent: Parent, d: _Draw) -> None:
    if d.chance(0.2):
        parent.meta(d.rng.choice(("campaign", "menu", "team", "source")), d.sentence()[:12])


def _dial(parent: Parent, d: _Draw) -> None:
    attrs: dict[str, Any] = {}
    if d.chance(0.5):
        attrs["timeout"] = d.ms(10000, 40000)
    if d.chance(0.2):
        attrs["caller_id"] = d.phone()
    dial = parent.dial(*(d.destination() for _ in range(d.rng.randint(1, 3))), **attrs)
    if d.chance(0.4):
        handler = dial.error()
        _say(handler, d)
        if d.chance(0.5):
            handler.hangup(tag=d.tag())


def _branch_body(parent: Parent, d: _Draw, depth: int) -> None:
    _say(parent, d)
    kind = d.rng.random()
    if depth > 0 and kind < 0.25:
        _menu(parent, d, depth - 1)
    elif kind < 0.7:
        _dial(parent, d)
    elif kind < 0.85:
        parent.callback(d.url("next"), method=d.rng.choice(("GET", "POST")))
    else:
        parent.hangup(tag=d.tag())


def _menu(parent: Parent, d: _Draw, depth: int) -> None:
    length = 1 if d.chance(0.85) else 2
    attrs: dict[str, Any] = {"dtmf_length": length, "timeout": d.ms(4000, 15000)}
    if d.chance(0.5):
        attrs["attempts"] = d.rng.randint(1, 3)
    if d.chance(0.3):
        attrs["dtmf_stop"] = d.rng.choice(("#", "*"))
    gather = parent.gather(**attrs, tag=d.tag())
    _say(gather, d)
    keys = d.rng.sample(_ONE_KEY if length == 1 else _TWO_KEYS, k=3)
    for key in sorted(keys[: d.rng.randint(1, 3)]):
        _branch_body(gather.dtmf(key), d, depth)
    if d.chance(0.6):
        _say(gather.default(), d)
    if d.chance(0.6):
        _say(gather.error(), d)
    _meta(gather, d)


def _handler(r: b.Response, d: _Draw) -> b.Response:
    """Most real flows end with a top-level Error handler (lint warns without one)."""
    if d.chance(0.9):
        handler = r.error()
        _say(handler, d)
        handler.hangup(tag=d.tag())
    return r


def menu(d: _Draw) -> b.Response:
    r = b.Response()
    _comment(r, d)
    if d.chance(0.3):
        r.answer(delay=d.ms(0, 2000))
    _say(r, d)
    _menu(r, d, d.rng.randint(0, 2))
    _say(r, d)
    r.hangup()
    return _handler(r, d)


def opening_hours(d: _Draw) -> b.Response:
    r = b.Response()
    _comment(r, d)
    days = list(range(7))
    d.rng.shuffle(days)
    for block_days in (days[:2], days[2:5], days[5:])[: d.rng.randint(1, 3)]:
        attrs: dict[str, Any] = {"dow": ",".join(_DAYS[i] for i in sorted(block_days))}
        if d.chance(0.6):
            start = d.rng.randint(0, 11)
            attrs["time"] = f"{start:02d}:00:00-{start + d.rng.randint(1, 12):02d}:59:59"
        block = r.schedule(**attrs)
        _say(block, d)
        block.hangup(tag=d.tag())
    callback = b.Callback(d.url("live"), method="GET", timeout=d.ms(2000, 8000))
    r.append(callback)
    if d.chance(0.7):
        handler = callback.error(play=d.chance(0.5))
        _say(handler, d)
        handler.hangup()
    return _handler(r, d)


def routing(d: _Draw) -> b.Response:
    r = b.Response()
    _comment(r, d)
    if d.chance(0.5):
        _say(r.call("to", d.phone()[1:]), d)
    for _ in range(d.rng.randint(1, 4)):
        attrs: dict[str, Any] = {"states": ",".join(d.rng.sample(_STATES, d.rng.randint(1, 3)))}
        if d.chance(0.2):
            attrs["county"] = d.rng.choice(("KINGS", "QUEENS", "LOS ANGELES"))
        geo = r.geo(**attrs)
        _say(geo, d)
        _dial(geo, d)
        geo.hangup()
    _say(r, d)
    _dial(r, d)
    r.hangup()
    return _handler(r, d)


def voicemail(d: _Draw) -> b.Response:
    r = b.Response()
    _comment(r, d)
    r.answer(delay=d.ms(0, 1000))
    _say(r, d)
    r.tone("1000", don=400, volume=-d.rng.randint(0, 20))
    name = f"msg{d.rng.randint(1, 9)}"
    rec = r.record(tag=name, asr=d.chance(0.5), timeout=d.ms(30000, 120000))
    rec.pause(length=d.ms(30000, 120000), dtmf_stop="#")
    if d.chance(0.5):
        r.curl(d.url("voicemail"), method="POST", body=True)
    _say(r, d)
    r.play(record=name)
    r.hangup(tag=d.tag())
    return _handler(r, d)


def hold_queue(d: _Draw) -> b.Response:
    r = b.Response()
    _comment(r, d)
    _say(r, d)
    for _ in range(d.rng.randint(1, 3)):
        r.hold(timeout=d.ms(30000, 300000), tag=d.tag())
        r.play(f"https://media.example.org/hold-{d.rng.randint(1, 9)}.mp3", loop=2)
        r.unhold()
        r.pause(length=d.ms(500, 3000))
    _dial(r, d)
    return _handler(r, d)


def recorded_bridge(d: _Draw) -> b.Response:
    r = b.Response()
    _comment(r, d)
    r.say(text=d.sentence(), lang=d.rng.choice(_LANGS), gender="FEMALE", loop=1)
    r.record_start(tag="bridged")
    _dial(r, d)
    r.record_stop(tag="bridged")
    if d.chance(0.5):
        r.tone("440,480", don=2000, doff=4000, loop=2, leg="aleg")
    r.hangup()
    return _handler(r, d)


def dynamic(d: _Draw) -> b.Response:
    r = b.Response()
    curl = b.Curl(d.url("calls/started"), method="POST", body=True, timeout=2000)
    r.append(curl)
    _meta(curl, d)
    gather = r.gather(
        dtmf_length=d.rng.randint(4, 8), dtmf_stop="#", timeout=15000, url=d.url("ivr/order")
    )
    _say(gather, d)
    handler = gather.error()
    _say(handler, d)
    handler.hangup()
    _say(r, d)
    r.hangup()
    return _handler(r, d)


def legacy(d: _Draw) -> str:
    """The old alias spellings the public docs use (the builder writes only canonical ones)."""
    branches = "".join(
        f'      <Case dtmf="{key}">\n        <Say>{d.sentence()}</Say>\n'
        f"        <Dial>\n          <Sip>{d.rng.choice(('desk', '1000'))}@pbx.example.net</Sip>\n"
        f"        </Dial>\n      </Case>\n"
        for key in sorted(d.rng.sample("123456789", d.rng.randint(1, 4)))
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<Response>\n'
        f'  <Scheduler dow="{d.rng.choice(_DAYS)}" time="09:00:00-09:30:00">\n'
        f"    <Say>{d.sentence()}</Say>\n  </Scheduler>\n"
        f'  <Gather numDigits="1" finishOnKey="*" timeout="{d.ms(4000, 12000)}">\n'
        f"    <Say>{d.sentence()}</Say>\n    <Switch>\n{branches}"
        f"      <Default>\n        <callback>{d.url('fallback')}</callback>\n      </Default>\n"
        "    </Switch>\n  </Gather>\n  <Hangup/>\n</Response>\n"
    )


SHAPES: tuple[tuple[Callable[[_Draw], b.Response | str], float], ...] = (
    (menu, 0.35), (opening_hours, 0.12), (routing, 0.12), (voicemail, 0.1),
    (hold_queue, 0.08), (recorded_bridge, 0.08), (dynamic, 0.1), (legacy, 0.05),
)  # fmt: skip
"""Each shape of document and how often it is drawn."""


def _misplaced(text: str) -> str:
    return text.replace("</Response>", "<To>+15550100</To>\n</Response>", 1)  # CF004


def _renamed_root(text: str) -> str:
    return text.replace("<Response>", "<Document>", 1).replace("</Response>", "</Document>")


def _unknown_element(text: str) -> str:
    return text.replace("<Say", "<Speak", 1).replace("</Say>", "</Speak>", 1)  # CF003


_MISTAKES: tuple[tuple[str, Callable[[str], str]], ...] = (
    ("<Say", lambda text: text.replace("<Say", '<Say voice="alice"', 1)),  # CF005
    ('timeout="', lambda text: text.replace('timeout="', 'timeout="5s', 1)),  # CF006
    ("</Response>", _misplaced),
    ("</Response>", lambda text: text.replace("</Response>", "</Respons>")),  # CF001
    ("<Say", _unknown_element),
    ("<Response>", _renamed_root),  # CF002
    ('<DTMF value="', lambda text: text.replace('<DTMF value="', '<DTMF digits="', 1)),
)
"""One mistake each: the text it needs, and how it breaks a valid document."""


def broken(text: str, rng: random.Random) -> str:
    """A valid document with one mistake (which one is drawn from ``rng``)."""
    start = rng.randrange(len(_MISTAKES))
    for step in range(len(_MISTAKES)):
        needs, mutate = _MISTAKES[(start + step) % len(_MISTAKES)]
        if needs in text:
            return mutate(text)
    return text[: len(text) // 2]  # cut off: not well-formed


def document(rng: random.Random) -> str:
    """One valid document of a randomly drawn shape."""
    shapes, weights = zip(*SHAPES, strict=True)
    shape = rng.choices(shapes, weights)[0]
    made = shape(_Draw(rng))
    return made if isinstance(made, str) else made.to_xml(pretty=True)


def write_corpus(folder: Path, valid: int, invalid: int, seed: int = 6) -> list[Path]:
    """Write ``valid`` good and ``invalid`` broken documents into ``folder``; their paths.

    Broken documents are spread at random among the good ones, as in a real repository
    where a few files are being edited.
    """
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    total = valid + invalid
    bad_slots = set(rng.sample(range(total), invalid))
    paths: list[Path] = []
    for index in range(total):
        text = document(rng)
        if index in bad_slots:
            text = broken(text, rng)
        path = folder / f"flow-{index:06d}.xml"
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    return paths
