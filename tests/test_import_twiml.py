"""TwiML import of what real Twilio apps emit: every document here is made by twilio-python's
``VoiceResponse`` builder, converted, linted, and its report checked element by element."""

from __future__ import annotations

import inspect
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from lxml import etree
from twilio.twiml.voice_response import (  # type: ignore[import-untyped]
    Connect,
    Dial,
    Gather,
    Hangup,
    Pay,
    Record,
    Start,
    VoiceResponse,
)

from callflow import model as m
from callflow.importers import ALLOWED_WARNINGS, Entry, Report, Status, convert_twiml
from callflow.importers import twiml_vocab as vocab
from callflow.importers.report import TEXT
from callflow.lint import lint_source
from callflow.serializer import to_xml

BASE = "https://ivr.example.com/voice/start"
EXACT, CHANGED, NOT_CONVERTIBLE = Status.EXACT, Status.CHANGED, Status.NOT_CONVERTIBLE


def convert(response: VoiceResponse, **options: Any) -> tuple[m.Response, Report]:
    """Convert, and check what every conversion must satisfy: the output lints without
    errors, and the report has one entry per element and per written attribute."""
    text = str(response)
    model, report = convert_twiml(text, **options)
    findings = lint_source(to_xml(model))
    assert [f.render() for f in findings if f.severity == "error"] == []
    assert {f.code for f in findings} <= ALLOWED_WARNINGS
    assert_accounted(text, report)
    return model, report


def assert_accounted(text: str, report: Report) -> None:
    """Exactly one entry per TwiML element, one per attribute it writes, and no more."""
    root: Any = etree.fromstring(text.encode("utf-8"))
    elements: Counter[str] = Counter()
    attrs: Counter[tuple[str, str, str]] = Counter()
    for el in root.iter():
        if isinstance(el.tag, str):
            elements[el.tag] += 1
            attrs.update((el.tag, etree.QName(k).localname, str(v)) for k, v in el.attrib.items())
    got_elements = Counter(e.element for e in report.entries if e.attribute is None)
    written = [e for e in report.entries if e.attribute not in (None, TEXT) and not e.implicit]
    got_attrs = Counter((e.element, e.attribute.split(":")[-1], e.value) for e in written)  # type: ignore[union-attr]
    assert got_elements == elements
    assert got_attrs == attrs


def entry(report: Report, element: str, attribute: str | None = None) -> Entry:
    found = [e for e in report.entries if e.element == element and e.attribute == attribute]
    assert len(found) == 1, found
    return found[0]


def commands(model: m.Response) -> list[m.Node]:
    return [c for c in model.children if not isinstance(c, m.Comment)]


# ---- Say ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("voice", "language", "gender", "lang", "kind", "code"),
    [
        (None, None, "MALE", "en-US", "Standard", None),
        ("man", "fr-FR", "MALE", "fr-FR", "Standard", None),
        ("woman", "en-GB", "FEMALE", "en-GB", "Standard", None),
        ("alice", "es-MX", "FEMALE", "es-MX", "Standard", None),
        ("Polly.Matthew", None, "MALE", "en-US", "Standard", None),
        ("Polly.Celine", None, "FEMALE", "fr-FR", "Standard", None),
        ("Polly.Céline", None, "FEMALE", "fr-FR", "Standard", None),
        ("Polly.Hans", None, "MALE", "de-DE", "Standard", None),
        ("Polly.Joanna-Neural", None, "FEMALE", "en-US", "WaveNet", None),
        ("Polly.Takumi", None, "MALE", "ja-JP", "Standard", None),
        ("Google.en-GB-Standard-A", None, "FEMALE", "en-GB", "Standard", "en-GB-Standard-A"),
        ("Google.de-DE-Wavenet-B", None, "FEMALE", "de-DE", "WaveNet", "de-DE-Wavenet-B"),
        ("Google.en-US-Chirp3-HD-Aoede", None, "FEMALE", "en-US", "WaveNet",
         "en-US-Chirp3-HD-Aoede"),
        ("robot", "it-IT", "FEMALE", "it-IT", "Standard", None),
    ],
)  # fmt: skip
def test_say_voice_and_language_map_to_gender_lang_type_and_code(
    voice: str | None, language: str | None, gender: str, lang: str, kind: str, code: str | None
) -> None:
    r = VoiceResponse()
    r.say("Hello there.", voice=voice, language=language)
    model, report = convert(r)
    say = commands(model)[0]
    assert isinstance(say, m.Say)
    assert (say.content, say.gender, say.lang, say.type, say.code) == (
        "Hello there.", gender, lang, kind, code,
    )  # fmt: skip
    voice_entry = entry(report, "Say", "voice")
    assert voice_entry.status is CHANGED  # never the same voice
    assert voice_entry.implicit is (voice is None)
    assert f'gender="{gender}"' in voice_entry.result


def test_say_language_that_the_named_voice_does_not_speak_is_reported() -> None:
    r = VoiceResponse()
    r.say("Guten Tag.", voice="Polly.Hans", language="en-US")
    model, report = convert(r)
    assert commands(model)[0] == m.Say(content="Guten Tag.", gender="MALE", lang="de-DE")
    language = entry(report, "Say", "language")
    assert language.status is CHANGED
    assert "Polly.Hans speaks de-DE" in language.note


@pytest.mark.parametrize(("loop", "expected", "status"), [(3, 3, EXACT), (0, 1000, CHANGED)])
def test_say_loop_zero_means_until_the_call_ends(loop: int, expected: int, status: Status) -> None:
    r = VoiceResponse()
    r.say("Please hold.", loop=loop)
    model, report = convert(r)
    assert commands(model)[0].loop == expected  # type: ignore[attr-defined]
    assert entry(report, "Say", "loop").status is status


def test_ssml_inside_say_keeps_the_words_and_reports_the_markup() -> None:
    r = VoiceResponse()
    say = r.say("Welcome to")
    say.sub("W3C", alias="the World Wide Web Consortium")
    say.break_(time="500ms")
    say.prosody("please listen", rate="slow")
    say.say_as("1234", interpret_as="digits")
    model, report = convert(r)
    spoken = commands(model)[0]
    assert isinstance(spoken, m.Say)
    assert spoken.content == ("Welcome to the World Wide Web Consortium please listen 1234")
    assert entry(report, "sub").status is EXACT
    for tag in ("break", "prosody", "say-as"):
        assert entry(report, tag).status is CHANGED
    assert entry(report, "prosody", "rate").within is not None


def test_an_empty_say_is_left_out() -> None:
    r = VoiceResponse()
    r.say()
    r.say("Something.")
    model, report = convert(r)
    assert commands(model) == [m.Say(content="Something.", gender="MALE")]
    empty = [e for e in report.entries if e.element == "Say" and e.attribute is None]
    assert [e.result for e in empty] == ["", "<Say>"]


# ---- Play and Pause -----------------------------------------------------------------------


def test_play_keeps_its_url_and_loop() -> None:
    r = VoiceResponse()
    r.play("https://api.twilio.com/cowbell.mp3", loop=2)
    model, report = convert(r)
    assert commands(model) == [m.Play(content="https://api.twilio.com/cowbell.mp3", loop=2)]
    assert entry(report, "Play").status is EXACT
    assert report.convertible


def test_play_digits_become_dtmf_tones_and_waits() -> None:
    r = VoiceResponse()
    r.play(digits="w1#")
    model, report = convert(r)
    assert commands(model) == [
        m.Pause(length=500),
        m.Tone(hz="697x1209", don=100, doff=100),
        m.Tone(hz="941x1477", don=100, doff=100),
    ]
    assert entry(report, "Play", "digits").status is CHANGED


def test_play_digits_with_other_characters_are_not_convertible() -> None:
    r = VoiceResponse()
    r.play(digits="12x")
    model, report = convert(r)
    assert commands(model) == []
    assert entry(report, "Play", "digits").status is NOT_CONVERTIBLE
    assert not report.convertible


@pytest.mark.parametrize(("seconds", "ms"), [(3, 3000), (1, 1000), (0, 0)])
def test_pause_length_seconds_become_milliseconds(seconds: int, ms: int) -> None:
    r = VoiceResponse()
    r.pause(length=seconds)
    model, report = convert(r)
    assert commands(model) == [m.Pause(length=ms)]
    assert entry(report, "Pause", "length").status is EXACT


# ---- Gather -------------------------------------------------------------------------------


def test_gather_attributes_and_nested_prompts() -> None:
    r = VoiceResponse()
    g = Gather(num_digits=3, finish_on_key="*", timeout=7, action="/account", method="GET")
    g.say("Enter your account number.", voice="alice")
    g.play("https://cdn.example.com/tone.mp3")
    g.pause(length=2)
    r.append(g)
    r.say("We did not get that.")
    model, report = convert(r, base_url=BASE)
    gather, after = commands(model)
    assert isinstance(gather, m.Gather)
    assert (gather.dtmf_length, gather.dtmf_stop, gather.timeout) == (3, "*", 21000)
    assert (gather.url, gather.method) == ("https://ivr.example.com/account", "GET")
    assert [type(c) for c in gather.children] == [m.Say, m.Play, m.Pause, m.Error]
    assert gather.children[-1] == m.Error()  # no input goes on, as TwiML falls through
    assert isinstance(after, m.Say)  # reached when nobody presses a key
    assert entry(report, "Gather", "numDigits").status is EXACT
    assert entry(report, "Gather", "timeout").status is CHANGED
    assert "7 s per key, 3 keys -> 21000 ms" in entry(report, "Gather", "timeout").note
    assert entry(report, "Gather", "action").status is CHANGED  # the request differs
    assert report.convertible


def test_gather_defaults_of_twiml_are_written_out() -> None:
    r = VoiceResponse()
    r.gather(action="https://ivr.example.com/next").say("Press a key.")
    model, report = convert(r)
    gather = commands(model)[0]
    assert isinstance(gather, m.Gather)
    assert (gather.timeout, gather.method, gather.dtmf_stop) == (5000, "POST", "#")
    assert gather.dtmf_length == 32  # TwiML collects until # or the timeout
    assert entry(report, "Gather", "numDigits").implicit
    assert entry(report, "Gather", "timeout").implicit


def test_gather_without_action_posts_to_its_own_document() -> None:
    r = VoiceResponse()
    r.gather(num_digits=1).say("Press 1.")
    with_base, report = convert(r, base_url=BASE)
    gather = commands(with_base)[0]
    assert isinstance(gather, m.Gather) and gather.url is None  # one key: a DTMF block per key
    callback = gather.branches[0].children[0]
    assert isinstance(callback, m.Callback) and callback.url == f"{BASE}?Digits=1"
    assert entry(report, "Gather", "action").implicit
    _, report = convert(r)
    action = entry(report, "Gather", "action")
    assert action.status is NOT_CONVERTIBLE and "--base-url" in action.note


@pytest.mark.parametrize(
    ("mode", "status"),
    [("dtmf", EXACT), ("dtmf speech", CHANGED), ("speech", NOT_CONVERTIBLE)],
)
def test_gather_input_speech_is_not_convertible(mode: str, status: Status) -> None:
    r = VoiceResponse()
    r.gather(input=mode, hints="sales, support", action="https://ivr.example.com/x").say("Hi.")
    _, report = convert(r)
    assert entry(report, "Gather", "input").status is status
    hints = entry(report, "Gather", "hints").status
    assert hints is (EXACT if mode == "dtmf" else NOT_CONVERTIBLE)


def test_gather_finish_on_key_empty_keeps_a_stop_key() -> None:
    r = VoiceResponse()
    r.gather(finish_on_key="", action="https://ivr.example.com/x").say("Enter digits.")
    model, report = convert(r)
    assert commands(model)[0].dtmf_stop == "#"  # type: ignore[attr-defined]
    assert entry(report, "Gather", "finishOnKey").status is CHANGED


# ---- Dial ---------------------------------------------------------------------------------


def test_dial_number_sip_and_client_become_to() -> None:
    r = VoiceResponse()
    d = Dial(caller_id="+15550000000", timeout=25)
    d.number("+15551230001")
    d.sip("sip:support@pbx.example.com")
    d.client("joey")
    r.append(d)
    r.say("The call has ended.")
    model, report = convert(r, client_domain="pbx.example.com")
    dial, after = commands(model)
    assert isinstance(dial, m.Dial)
    assert dial.targets == (
        "+15551230001", "sip:support@pbx.example.com", "sip:joey@pbx.example.com",
    )  # fmt: skip
    assert (dial.caller_id, dial.timeout) == ("+15550000000", 25000)
    assert dial.error_handler == m.Error()  # nobody answers: the flow goes on, as in TwiML
    assert isinstance(after, m.Say)
    assert entry(report, "Client").status is CHANGED
    assert report.convertible


def test_dial_client_without_a_domain_is_not_convertible() -> None:
    r = VoiceResponse()
    r.dial().client("joey")
    model, report = convert(r)
    assert not any(isinstance(c, m.Dial) for c in model.children)
    assert entry(report, "Client").status is NOT_CONVERTIBLE
    assert entry(report, "Dial").status is NOT_CONVERTIBLE
    assert any(isinstance(c, m.Comment) and "<Dial>" in c.text for c in model.children)


def test_dial_plain_number_and_action_become_to_and_a_following_callback() -> None:
    r = VoiceResponse()
    r.dial("+15551230002", action="/after-dial", method="GET", record="record-from-answer")
    r.say("Never runs: the action's answer replaces the document.")
    model, report = convert(r, base_url=BASE)
    dial, callback = commands(model)
    assert isinstance(dial, m.Dial) and dial.targets == ("+15551230002",)
    assert callback == m.Callback(
        url="https://ivr.example.com/after-dial?DialCallStatus=completed",
        method="GET",
        children=(m.Error(play=True, children=(m.Hangup(),)),),
    )
    assert entry(report, "Dial", TEXT).status is EXACT
    assert entry(report, "Dial", "record").status is NOT_CONVERTIBLE
    left_out = entry(report, "Say")
    assert left_out.status is EXACT and "never runs" in left_out.note


@pytest.mark.parametrize(
    "noun",
    [
        lambda d: d.conference("standup"),
        lambda d: d.queue("support"),
        lambda d: d.sim("DE0123"),
        lambda d: d.application("AP0123"),
        lambda d: d.whats_app("+15551230003"),
    ],
    ids=["conference", "queue", "sim", "application", "whatsapp"],
)
def test_dial_nouns_without_counterpart_are_not_convertible(noun: Callable[[Dial], Any]) -> None:
    r = VoiceResponse()
    d = Dial()
    d.number("+15551230004")
    noun(d)
    r.append(d)
    model, report = convert(r)
    dial = commands(model)[0]
    assert isinstance(dial, m.Dial) and dial.targets == ("+15551230004",)
    assert not report.convertible


# ---- Record, Redirect, Reject, Hangup ----------------------------------------------------


def test_record_attributes_and_action() -> None:
    r = VoiceResponse()
    r.record(max_length=30, finish_on_key="#*", transcribe=True, action="/recorded")
    r.say("Never runs.")
    model, report = convert(r, base_url=BASE)
    beep, record, callback = commands(model)
    assert beep == m.Tone(hz="1000", don=250)
    assert record == m.Record(timeout=30000, dtmf_stop="#*", asr=True, tag="recording-line1")
    assert isinstance(callback, m.Callback) and callback.url == "https://ivr.example.com/recorded"
    assert callback.method == "POST" and callback.body
    assert entry(report, "Record", "maxLength").status is EXACT
    assert entry(report, "Record", "transcribe").status is CHANGED
    assert entry(report, "Record", "timeout").implicit  # TwiML's 5 s silence limit is gone


def test_record_defaults_and_no_beep() -> None:
    r = VoiceResponse()
    r.record(play_beep=False, timeout=0)
    r.say("Thanks.")
    model, report = convert(r, base_url=BASE)
    record, callback = commands(model)  # no action: the document's own URL, as on Twilio
    assert record == m.Record(timeout=3_600_000, dtmf_stop="1234567890*#", tag="recording-line1")
    assert isinstance(callback, m.Callback) and callback.url == BASE
    assert entry(report, "Record", "timeout").status is EXACT


@pytest.mark.parametrize(("verb", "body"), [(None, True), ("GET", False)])
def test_redirect_becomes_a_callback(verb: str | None, body: bool) -> None:
    r = VoiceResponse()
    r.redirect("https://ivr.example.com/next", method=verb)
    r.hangup()
    model, report = convert(r)
    assert commands(model) == [
        m.Callback(url="https://ivr.example.com/next", method=verb or "POST", body=body,
                   children=(m.Error(play=True, children=(m.Hangup(),)),)),
    ]  # fmt: skip
    assert entry(report, "Redirect").status is CHANGED
    assert "never runs" in entry(report, "Hangup").note


@pytest.mark.parametrize(("reason", "tag"), [(None, "reject:rejected"), ("busy", "reject:busy")])
def test_reject_becomes_a_tagged_hangup(reason: str | None, tag: str) -> None:
    r = VoiceResponse()
    r.reject(reason=reason)
    model, report = convert(r)
    assert commands(model) == [m.Hangup(tag=tag)]
    assert entry(report, "Reject").status is CHANGED


def test_hangup_parameters_become_meta() -> None:
    r = VoiceResponse()
    h = Hangup()
    h.parameter(name="reason", value="done")
    r.append(h)
    model, report = convert(r)
    assert commands(model) == [m.Hangup(children=(m.Meta(name="reason", value="done"),))]
    assert entry(report, "Parameter").status is CHANGED


# ---- verbs without counterpart ------------------------------------------------------------


def _connect(r: VoiceResponse) -> None:
    c = Connect()
    c.stream(url="wss://stream.example.com")
    r.append(c)


def _start(r: VoiceResponse) -> None:
    s = Start()
    s.stream(url="wss://stream.example.com", track="inbound_track")
    s.siprec(name="rec")
    r.append(s)


def _pay(r: VoiceResponse) -> None:
    p = Pay(charge_amount="10.00")
    p.prompt(for_="payment-card-number").say("Enter your card number.")
    r.append(p)


NOT_CONVERTIBLE_VERBS: dict[str, Callable[[VoiceResponse], Any]] = {
    "Enqueue": lambda r: r.enqueue("support", wait_url="/wait"),
    "Leave": lambda r: r.leave(),
    "Connect": _connect,
    "Start": _start,
    "Stop": lambda r: r.stop(),
    "Pay": _pay,
    "Refer": lambda r: r.refer().sip("sip:agent@example.com"),
    "Echo": lambda r: r.echo(),
    "Sms": lambda r: r.sms("Thanks for calling", to="+15551230005"),
    "Prompt": lambda r: r.prompt(for_="payment-card-number"),
    "Queue": lambda r: r.queue("support"),
}


@pytest.mark.parametrize("verb", sorted(NOT_CONVERTIBLE_VERBS))
def test_verbs_without_counterpart_are_reported_and_marked_in_the_output(verb: str) -> None:
    r = VoiceResponse()
    r.say("Before.")
    NOT_CONVERTIBLE_VERBS[verb](r)
    r.say("After.")
    model, report = convert(r)
    assert [c.content for c in commands(model)] == ["Before.", "After."]  # type: ignore[attr-defined]
    assert entry(report, verb).status is NOT_CONVERTIBLE
    marks = [c for c in model.children if isinstance(c, m.Comment)]
    assert len(marks) == 1 and f"<{verb}>" in marks[0].text
    assert all(e.within == f"{verb} at 1:{entry(report, verb).col}"
               for e in report.entries if e.line == 1 and e.element not in {"Response", "Say"}
               and e is not entry(report, verb))  # fmt: skip


def test_a_whole_ivr_made_with_twilio_python() -> None:
    r = VoiceResponse()
    r.say("Thanks for calling Acme.", voice="Polly.Joanna")
    g = r.gather(num_digits=1, action="/menu", timeout=5)
    g.say("For sales press 1, for support press 2.")
    g.pause(length=1)
    r.say("Goodbye.")
    r.hangup()
    rec = Record(max_length=60)
    r.append(rec)  # after the Hangup: never runs
    model, report = convert(r, base_url=BASE)
    assert [type(c) for c in commands(model)] == [m.Say, m.Gather, m.Say, m.Hangup]
    assert report.convertible
    assert report.count(CHANGED) > 0 and report.count(EXACT) > 0


def _made_by(builder: Any) -> list[str]:
    """The element names each verb method of a twilio-python builder makes."""
    names = []
    for name in sorted(dir(builder)):
        if name.startswith("_") or name in {"append", "nest", "to_xml", "xml", "add_child"}:
            continue
        method = getattr(builder, name)
        if not callable(method):  # MAP, the attribute-name table
            continue
        required = [
            p.name for p in inspect.signature(method).parameters.values()
            if p.default is p.empty and p.kind is p.POSITIONAL_OR_KEYWORD
        ]  # fmt: skip
        names.append(method(*["x"] * len(required)).name)
    return names


def test_every_verb_twilio_python_makes_is_in_the_importer_tables() -> None:
    """A new twilio-python verb fails here until the importer knows what to do with it."""
    known = set(vocab.CONVERTIBLE) | set(vocab.NOT_CONVERTIBLE)
    assert set(_made_by(VoiceResponse())) - known == set()
    assert set(_made_by(Dial())) == set(vocab.CONVERTIBLE["Dial"].children)
    assert set(_made_by(Gather())) == set(vocab.CONVERTIBLE["Gather"].children)
