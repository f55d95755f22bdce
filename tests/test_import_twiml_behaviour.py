"""The converted call behaves as the Twilio call did, or the report says it won't (issue 23).

Each test converts a small TwiML document, runs the result in the simulator and checks what
the caller hears and which requests the backend gets, against what Twilio does with the same
document.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from callflow import model as m
from callflow.importers import ALLOWED_WARNINGS, Entry, Report, Status, convert_twiml
from callflow.importers.report import TEXT
from callflow.lint import lint_source
from callflow.serializer import to_xml
from simulator import (
    CallerScript,
    CallResult,
    DialOutcome,
    HangUp,
    HttpAnswer,
    HttpRequest,
    Press,
    simulate,
)

BASE = "https://ivr.example.com/voice"
EXACT, CHANGED, NOT_CONVERTIBLE = Status.EXACT, Status.CHANGED, Status.NOT_CONVERTIBLE


def convert(body: str, **options: Any) -> tuple[m.Response, Report]:
    model, report = convert_twiml(f"<Response>{body}</Response>", **options)
    findings = lint_source(to_xml(model))
    assert [f.render() for f in findings if f.severity == "error"] == []
    assert {f.code for f in findings} <= ALLOWED_WARNINGS
    return model, report


def entry(report: Report, element: str, attribute: str | None = None) -> Entry:
    found = [e for e in report.entries if e.element == element and e.attribute == attribute]
    assert len(found) == 1, found
    return found[0]


class Failing:
    """Every request fails (the backend is down), and each one is kept."""

    def __init__(self) -> None:
        self.requests: list[HttpRequest] = []

    def resolve(self, request: HttpRequest) -> HttpAnswer:
        self.requests.append(request)
        return HttpAnswer(error="connection refused")


def call(model: m.Response, *actions: Any, http: Any = None, **script: Any) -> CallResult:
    return simulate(model, caller=CallerScript(actions=actions, **script), http=http)


def said(result: CallResult) -> list[str]:
    return [str(e.data["text"]) for e in result.of_kind("say")]


def query(request: HttpRequest) -> dict[str, list[str]]:
    return parse_qs(urlsplit(request.url).query)


# ---- 1. a failed Gather action ends the call ----------------------------------------------

MENU = (
    '<Gather numDigits="1" action="/menu"><Say>Press 1</Say></Gather>'
    "<Say>We did not get your choice. Goodbye.</Say>"
)


def test_a_failed_gather_action_ends_the_call_instead_of_running_the_no_input_path() -> None:
    model, report = convert(MENU, base_url=BASE)
    assert entry(report, "Gather").status is EXACT  # now it is
    http = Failing()
    result = call(model, Press("1"), http=http)
    assert "We did not get your choice. Goodbye." not in said(result)
    assert result.result == "hangup"
    assert [urlsplit(r.url).path for r in http.requests] == ["/menu"]
    assert query(http.requests[0])["Digits"] == ["1"]


def test_no_input_on_a_gather_with_action_still_goes_on_with_the_next_verb() -> None:
    model, _ = convert(MENU, base_url=BASE)
    result = call(model, http=Failing())
    assert said(result) == ["Press 1", "We did not get your choice. Goodbye."]


def test_a_multi_digit_gather_action_is_reported_changed_for_a_failed_request() -> None:
    body = '<Gather numDigits="4" action="/pin"><Say>Your PIN</Say></Gather><Say>Bye</Say>'
    _, report = convert(body, base_url=BASE)
    gather = entry(report, "Gather")
    assert gather.status is CHANGED
    assert "failed" in gather.note and "ends the call" in gather.note


# ---- 2. Record with an action -------------------------------------------------------------

VOICEMAIL = '<Say>Leave a message.</Say><Record action="/vm" maxLength="30"/>'


def test_record_action_names_the_twilio_parameters_the_backend_no_longer_gets() -> None:
    _, report = convert(VOICEMAIL, base_url=BASE)
    action = entry(report, "Record", "action")
    assert action.status is CHANGED
    for name in ("RecordingUrl", "RecordingDuration", "Digits=hangup"):
        assert name in action.note
    assert "hangs up" in action.note


def test_record_action_request_refers_to_the_recording() -> None:
    model, _ = convert(VOICEMAIL, base_url=BASE)
    record = next(c for c in model.children if isinstance(c, m.Record))
    assert record.tag is not None
    http = Failing()
    call(model, http=http)
    assert query(http.requests[0])["recording"] == [record.tag]


def test_caller_hanging_up_during_record_is_stated_as_the_change() -> None:
    model, report = convert(VOICEMAIL, base_url=BASE)
    http = Failing()
    result = call(model, HangUp(), http=http)
    assert result.result == "caller-hangup"
    assert http.requests == []  # Opentact runs nothing after the caller hangs up...
    assert "no request" in entry(report, "Record", "action").note  # ...and the report says so


# ---- 3. national numbers ------------------------------------------------------------------


@pytest.mark.parametrize("body", ["<Dial>415-123-4567</Dial>",
                                  "<Dial><Number>(415) 123-4567</Number></Dial>"])  # fmt: skip
def test_a_national_number_becomes_e164_with_a_region_and_is_reported_changed(body: str) -> None:
    model, report = convert(body, region="US")
    dial = next(c for c in model.children if isinstance(c, m.Dial))
    assert dial.targets == ("+14151234567",)
    found = [e for e in report.entries if "+14151234567" in e.result]
    assert len(found) == 1 and found[0].status is CHANGED
    assert "US" in found[0].note


def test_a_national_number_without_a_region_is_ambiguous() -> None:
    _, report = convert("<Dial>415-123-4567</Dial>")
    text = entry(report, "Dial", TEXT)
    assert text.status is NOT_CONVERTIBLE
    assert "ambiguous" in text.note and "--region" in text.note


def test_the_region_defaults_to_the_one_of_the_caller_id() -> None:
    model, report = convert('<Dial callerId="+442071838750"><Number>020 7946 0018</Number></Dial>')
    dial = next(c for c in model.children if isinstance(c, m.Dial))
    assert dial.targets == ("+442079460018",)
    assert "GB" in entry(report, "Number").note


def test_an_e164_number_stays_exact() -> None:
    _, report = convert("<Dial>+14151234567</Dial>")
    assert entry(report, "Dial", TEXT).status is EXACT


# ---- 4. no --base-url: the implicit action is a relative URL ------------------------------


def test_a_gather_without_action_or_base_url_is_not_convertible_and_never_runs_later_verbs() -> (
    None
):
    body = '<Gather numDigits="1"><Say>Press 1</Say></Gather><Say>No input. Goodbye.</Say>'
    model, report = convert(body)
    action = entry(report, "Gather", "action")
    assert action.implicit and action.status is NOT_CONVERTIBLE
    assert "--base-url" in action.note
    result = call(model, Press("1"), http=Failing())
    assert "No input. Goodbye." not in said(result)


def test_a_record_without_action_or_base_url_is_not_convertible() -> None:
    model, report = convert("<Record/><Say>after</Say>")
    assert entry(report, "Record", "action").status is NOT_CONVERTIBLE
    result = call(model, http=Failing())
    assert "after" not in said(result)


# ---- 5. a Dial with an action around an unconvertible noun --------------------------------


def test_dial_action_is_kept_around_an_unconvertible_noun_and_later_verbs_stay_out() -> None:
    body = '<Dial action="/after"><Conference>room</Conference></Dial><Say>Never runs</Say>'
    model, report = convert(body, base_url=BASE)
    callbacks = [c for c in model.children if isinstance(c, m.Callback)]
    assert [urlsplit(c.url or "").path for c in callbacks] == ["/after"]
    assert not any(isinstance(c, m.Say) for c in model.children)
    assert "never runs" in entry(report, "Say").note
    assert "/after" in entry(report, "Dial", "action").result


# ---- 6. the Dial's outcome reaches the backend --------------------------------------------

DIAL = '<Dial action="/after" timeout="20"><Number>+15550100199</Number></Dial>'


@pytest.mark.parametrize(
    ("outcome", "status"),
    [("answer", "completed"), ("busy", "no-answer"), ("no-answer", "no-answer"),
     ("fail", "no-answer")],
)  # fmt: skip
def test_dial_action_carries_dial_call_status(outcome: Any, status: str) -> None:
    model, report = convert(DIAL, base_url=BASE)
    http = Failing()
    call(model, http=http, dial_default=DialOutcome(outcome))
    assert [query(r)["DialCallStatus"] for r in http.requests] == [[status]]
    assert "DialCallStatus" in entry(report, "Dial", "action").note


# ---- 7. Gather timeout per key ------------------------------------------------------------


def test_gather_timeout_is_scaled_by_num_digits_and_reported_with_both_numbers() -> None:
    body = '<Gather numDigits="16" timeout="4" action="/card"><Say>Card number</Say></Gather>'
    model, report = convert(body, base_url=BASE)
    gather = next(c for c in model.children if isinstance(c, m.Gather))
    assert gather.timeout == 64000
    timeout = entry(report, "Gather", "timeout")
    assert timeout.status is CHANGED
    assert "4 s" in timeout.note and "64000 ms" in timeout.note
    http = Failing()
    call(model, Press("1234567812345678", delay_ms=30000), http=http)
    assert [query(r)["dtmf"] for r in http.requests] == [["1234567812345678"]]


def test_a_one_digit_gather_timeout_is_exact() -> None:
    _, report = convert('<Gather numDigits="1" timeout="7" action="/m"><Say>x</Say></Gather>',
                        base_url=BASE)  # fmt: skip
    assert entry(report, "Gather", "timeout").status is EXACT


# ---- the property behind items 1, 4 and 7 -------------------------------------------------


@given(
    digits=st.one_of(st.none(), st.integers(1, 20)),
    timeout=st.one_of(st.none(), st.integers(1, 30)),
    finish=st.sampled_from([None, "#", "*", "0", ""]),
    action=st.sampled_from([None, "/next", "https://app.example.com/next"]),
    base=st.sampled_from([None, BASE]),
    method=st.sampled_from([None, "GET", "POST"]),
)
@settings(max_examples=60, deadline=None)
def test_any_gather_with_a_failed_request_ends_the_call_or_is_reported(
    digits: int | None,
    timeout: int | None,
    finish: str | None,
    action: str | None,
    base: str | None,
    method: str | None,
) -> None:
    attrs = {"numDigits": digits, "timeout": timeout, "finishOnKey": finish, "action": action,
             "method": method}  # fmt: skip
    written = " ".join(f'{k}="{v}"' for k, v in attrs.items() if v is not None)
    body = f"<Gather {written}><Say>Choose</Say></Gather><Say>After</Say>"
    model, report = convert(body, base_url=base)
    gather = entry(report, "Gather")
    keys = "7" * (digits or 3)
    result = call(model, Press(keys), http=Failing())
    if "After" in said(result):
        assert gather.status is CHANGED and "ends the call" in gather.note
    else:
        assert result.result == "hangup"
        assert [e.kind for e in result.events][-3:] == ["error", "say", "hangup"]
    ms = model.children[0].timeout  # type: ignore[attr-defined]
    per_key = (timeout or 5) * 1000
    assert ms == per_key * (digits if digits else 1)
    assert (entry(report, "Gather", "timeout").status is EXACT) == (digits == 1)
