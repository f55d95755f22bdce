"""The report entry of each odd piece of TwiML: Dial nouns with text that is no number, what
is inside a <Client>, bad values, disallowed children, the specific reason of each noun
without counterpart, comments inside nouns; hints for verbs in the wrong case; Google voice
genders; verbs left out on purpose in the text report (issues 23 and 24)."""

from __future__ import annotations

from typing import Any

import pytest

from callflow import model as m
from callflow.importers import Entry, Report, Status, convert_twiml
from callflow.importers import twiml_vocab as vocab
from callflow.importers.report import TEXT

EXACT, CHANGED, NOT_CONVERTIBLE = Status.EXACT, Status.CHANGED, Status.NOT_CONVERTIBLE
DOMAIN = "pbx.example.com"


def convert(body: str, **options: Any) -> tuple[m.Response, Report]:
    return convert_twiml(f"<Response>{body}</Response>", **options)


def entries(report: Report, element: str, attribute: str | None = None) -> list[Entry]:
    return [e for e in report.entries if e.element == element and e.attribute == attribute]


def entry(report: Report, element: str, attribute: str | None = None) -> Entry:
    (found,) = entries(report, element, attribute)
    return found


def dial_of(model: m.Response) -> m.Dial:
    return next(c for c in model.children if isinstance(c, m.Dial))


# ---- Dial nouns ---------------------------------------------------------------------------


def test_number_that_is_not_a_phone_number_is_not_convertible_with_its_text() -> None:
    model, report = convert("<Dial><Number>sales desk</Number></Dial>")
    number = entry(report, "Number")
    assert number.status is NOT_CONVERTIBLE
    assert number.note == "'sales desk' is not a phone number"
    assert entry(report, "Dial").note == "no destination Opentact can dial"
    marks = [c.text for c in model.children if isinstance(c, m.Comment)]
    assert any("'sales desk' is not a phone number" in t for t in marks)


def test_dial_text_that_is_not_a_phone_number() -> None:
    _, report = convert("<Dial>front desk</Dial>")
    text = entry(report, "Dial", TEXT)
    assert (text.status, text.value, text.note) == (
        NOT_CONVERTIBLE, "front desk", "'front desk' is not a phone number",
    )  # fmt: skip


def test_spacing_note_on_number_only_when_the_number_was_respelt() -> None:
    _, spaced = convert("<Dial><Number>+1 555 010 0199</Number></Dial>")
    assert entry(spaced, "Number").note == "written without spaces and punctuation"
    assert entry(spaced, "Number").status is EXACT
    _, plain = convert("<Dial><Number>+15550100199</Number></Dial>")
    assert entry(plain, "Number").note == ""


def test_text_beside_a_noun_is_reported_not_dropped() -> None:
    model, report = convert("<Dial><Number>+15550100199</Number> +15550100200</Dial>")
    assert dial_of(model).targets == ("+15550100199",)
    text = entry(report, "Dial", TEXT)
    assert (text.status, text.value) == (NOT_CONVERTIBLE, "+15550100200")
    assert "follows a noun" in text.note


@pytest.mark.parametrize("domain", [None, DOMAIN])
def test_identity_and_parameter_inside_client_each_get_an_entry(domain: str | None) -> None:
    body = (
        '<Dial><Client><Identity>joey</Identity><Parameter name="lang" value="fr"/></Client></Dial>'
    )
    model, report = convert(body, client_domain=domain)
    identity, parameter = entry(report, "Identity"), entry(report, "Parameter")
    name, value = entry(report, "Parameter", "name"), entry(report, "Parameter", "value")
    if domain is None:
        assert entry(report, "Client").status is NOT_CONVERTIBLE
        assert "--client-domain" in entry(report, "Client").note
        assert {identity.within, parameter.within} == {"Client at 1:17"}
        assert identity.status is parameter.status is NOT_CONVERTIBLE
    else:
        assert dial_of(model).targets == ("sip:joey@pbx.example.com",)
        assert (identity.status, identity.result) == (EXACT, "part of the <To>")
        assert identity.note == "the identity of the SIP address"
        assert parameter.status is NOT_CONVERTIBLE
        assert parameter.note == "Opentact cannot pass parameters to a soft phone"
        assert name.within == value.within == "Parameter at 1:50"
    assert name.status is value.status is NOT_CONVERTIBLE


def test_a_client_identity_that_cannot_be_an_address() -> None:
    _, report = convert("<Dial><Client>joe smith@home</Client></Dial>", client_domain=DOMAIN)
    client = entry(report, "Client")
    assert client.status is NOT_CONVERTIBLE
    assert client.note == "'joe smith@home' is not an identity Opentact can dial"


@pytest.mark.parametrize("value", ["soon", "-5", "1e3", ""])
def test_a_bad_dial_timeout_falls_back_to_twilios_default(value: str) -> None:
    model, report = convert(f'<Dial timeout="{value}">+15550100199</Dial>')
    timeout = entry(report, "Dial", "timeout")
    assert timeout.status is NOT_CONVERTIBLE
    assert timeout.result == 'timeout="30000"'
    assert timeout.note == "not a number of seconds; TwiML's default used"
    assert dial_of(model).timeout == 30000


def test_a_good_dial_timeout_is_exact_in_milliseconds() -> None:
    model, report = convert('<Dial timeout="12.5">+15550100199</Dial>')
    assert dial_of(model).timeout == 12500
    assert entry(report, "Dial", "timeout").note == "12.5 s -> 12500 ms"


@pytest.mark.parametrize("noun", ["Number", "Sip"])
def test_a_disallowed_child_in_a_noun_is_not_convertible_and_comments_are_kept(noun: str) -> None:
    target = "+15550100199" if noun == "Number" else "sip:desk@pbx.example.com"
    body = f"<Dial><{noun}>{target}<!-- desk phone --><Say>hi</Say></{noun}></Dial>"
    model, report = convert(body)
    say = entry(report, "Say")
    assert (say.status, say.note) == (NOT_CONVERTIBLE, f"not allowed inside <{noun}>")
    dial = dial_of(model)
    assert dial.targets == (target,)
    comments = [c.text for c in dial.children if isinstance(c, m.Comment)]
    assert comments[0] == " desk phone "
    assert any("not allowed inside" in c for c in comments[1:])


@pytest.mark.parametrize(
    "noun", ["Conference", "Queue", "Sim", "Application", "WhatsApp"]
)  # fmt: skip
def test_each_noun_without_counterpart_gives_its_own_reason(noun: str) -> None:
    _, report = convert(f"<Dial><{noun}>x</{noun}></Dial>")
    assert entry(report, noun).note == vocab.NOT_CONVERTIBLE[noun]


def test_conference_and_queue_reasons_are_specific() -> None:
    _, report = convert("<Dial><Conference>room</Conference></Dial><Dial><Queue>q</Queue></Dial>")
    assert entry(report, "Conference").note == "Opentact has no conference rooms"
    assert entry(report, "Queue").note == "Opentact has no call queues"


def test_an_unknown_child_of_dial_lists_the_nouns_twiml_allows() -> None:
    _, report = convert("<Dial><Phone>+15550100199</Phone></Dial>")
    note = entry(report, "Phone").note
    assert note.startswith("TwiML allows only Number, Sip, Client") and "in <Dial>" in note


# ---- Gather values ------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["12", "#*", "a", "1 2"])
def test_gather_finish_on_key_of_more_than_one_key_is_refused(value: str) -> None:
    model, report = convert(f'<Gather finishOnKey="{value}" numDigits="2"><Say>x</Say></Gather>')
    key = entry(report, "Gather", "finishOnKey")
    assert key.status is NOT_CONVERTIBLE
    assert key.note == "not one key 0-9, * or #; TwiML's default used"
    gather = next(c for c in model.children if isinstance(c, m.Gather))
    assert gather.dtmf_stop == "#"


@pytest.mark.parametrize("value", ["*", " 5 "])
def test_gather_finish_on_key_of_one_key_is_exact(value: str) -> None:
    model, report = convert(f'<Gather finishOnKey="{value}" numDigits="2"><Say>x</Say></Gather>')
    assert entry(report, "Gather", "finishOnKey").status is EXACT
    gather = next(c for c in model.children if isinstance(c, m.Gather))
    assert gather.dtmf_stop == value.strip()


# ---- names, voices, the text report -------------------------------------------------------


@pytest.mark.parametrize(
    ("tag", "hint"),
    [("say", "Say"), ("message", "Message"), ("GATHER", "Gather"), ("Hangp", "Hangup")],
)
def test_a_verb_in_the_wrong_case_or_misspelt_gets_a_hint(tag: str, hint: str) -> None:
    _, report = convert(f"<{tag}>x</{tag}>")
    assert entry(report, tag).note == f"not a TwiML verb (did you mean {hint}?)"


def test_a_name_far_from_any_verb_gets_no_hint() -> None:
    _, report = convert("<Whisper>x</Whisper>")
    assert entry(report, "Whisper").note == "not a TwiML verb"


@pytest.mark.parametrize(
    ("voice", "gender"),
    [("Google.en-US-Neural2-J", "MALE"), ("Google.en-US-Wavenet-F", "FEMALE"),
     ("Google.en-GB-Standard-B", "MALE"), ("Google.en-US-Chirp3-HD-Charon", "MALE"),
     ("Google.en-AU-Neural2-A", "FEMALE")],
)  # fmt: skip
def test_google_voices_keep_their_gender(voice: str, gender: str) -> None:
    model, report = convert(f'<Say voice="{voice}">Hello</Say>')
    (say,) = model.children
    assert isinstance(say, m.Say) and say.gender == gender
    assert f"gender {gender}" in entry(report, "Say", "voice").note


def test_a_google_voice_of_unknown_gender_says_so() -> None:
    _, report = convert('<Say voice="Google.de-DE-Standard-A">Hallo</Say>')
    assert "gender not known to this importer" in entry(report, "Say", "voice").note


def test_the_text_report_lists_verbs_left_out_because_they_never_run() -> None:
    _, report = convert('<Record action="https://ivr.example.com/vm"/><Pause length="2"/>')
    pause = entry(report, "Pause")
    assert pause.status is EXACT and pause.left_out
    lines = [line for line in report.lines() if "<Pause>" in line]
    assert lines == [
        "<string>:1:56: exact <Pause>: left out: never runs in TwiML either (after the <Record>"
        " on line 1, which requests its action)"
    ]
    assert pause.to_dict()["left_out"] is True


def test_an_exact_entry_that_was_converted_stays_out_of_the_short_text_report() -> None:
    _, report = convert('<Pause length="2"/>')
    assert not entry(report, "Pause").left_out
    assert report.lines() == []
    assert any("<Pause>" in line for line in report.lines(verbose=True))


# ---- internationalised hosts --------------------------------------------------------------


def test_an_internationalised_host_is_written_in_idna() -> None:
    model, report = convert("<Play>https://ü.example/a.mp3</Play>")
    (play,) = model.children
    assert isinstance(play, m.Play) and play.content == "https://xn--tda.example/a.mp3"
    assert entry(report, "Play").status is EXACT


def test_a_path_outside_ascii_is_still_percent_encoded() -> None:
    model, _ = convert("<Play>https://cdn.example.com/müsik/a b.mp3</Play>")
    (play,) = model.children
    assert isinstance(play, m.Play)
    assert play.content == "https://cdn.example.com/m%C3%BCsik/a%20b.mp3"


def test_a_host_that_is_no_valid_international_name_is_not_convertible() -> None:
    _, report = convert(f"<Play>https://{'ü' * 70}.example/a.mp3</Play>")
    assert entry(report, "Play").status is NOT_CONVERTIBLE
    assert "internationalised domain name" in entry(report, "Play").note


def test_dial_method_without_action_has_no_effect() -> None:
    _, report = convert('<Dial method="GET">+15550100199</Dial>')
    method = entry(report, "Dial", "method")
    assert (method.status, method.result) == (EXACT, "")
    assert method.note == "no effect without an action, as in TwiML"


@pytest.mark.parametrize("digits", [1, 4])
def test_a_bad_gather_timeout_gets_one_entry_and_twilios_default(digits: int) -> None:
    model, report = convert(
        f'<Gather timeout="soon" numDigits="{digits}" action="https://a.example/x"><Say>x</Say>'
        "</Gather>"
    )
    (timeout,) = [e for e in report.entries if e.attribute == "timeout"]
    assert (timeout.status, timeout.implicit) == (NOT_CONVERTIBLE, False)
    gather = next(c for c in model.children if isinstance(c, m.Gather))
    assert gather.timeout == 5000 * digits


@pytest.mark.parametrize("options", [{}, {"base_url": "https://ivr.example.com/voice"}])
def test_a_record_without_action_says_after_the_recording_once(options: Any) -> None:
    """The note of the implicit action reads as one sentence (it once said "after the
    recording, after the recording, the Callback...")."""
    _, report = convert("<Record/>", **options)
    note = next(e.note for e in report.entries if e.attribute == "action")
    assert note.startswith("after the recording, the Callback to url runs its answer.")
    assert note.count("after the recording") == 1
