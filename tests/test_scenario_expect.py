"""Expectations over hand-made transcripts: order, regexes, not_say, endings and explanations."""

from __future__ import annotations

import re

import pytest
from hypothesis import given
from hypothesis import strategies as st

from simulator.expect import (
    AtLine,
    Ends,
    EventExpectation,
    Expectation,
    NotSay,
    Pattern,
    check,
)
from simulator.render import clock, event_line, transcript, wants_colour, window
from simulator.transcript import CallResult, Event


def call(*events: Event, result: str = "hangup", reason: str | None = None) -> CallResult:
    end = events[-1].t if events else 0
    return CallResult(result, end, events, reason)  # type: ignore[arg-type]


def say(t: int, line: int | None, text: str) -> Event:
    return Event("say", t, line, {"text": text, "lang": "en-US"})


MENU = call(
    Event("answer", 0, 3),
    say(0, 4, "Welcome to Riverside Clinic."),
    Event("gather", 1500, 5, {"attempt": 1}),
    say(1500, 6, "For billing press 2."),
    Event("input", 4000, 5, {"digits": "2"}),
    Event("dial", 4000, 9, {"targets": ["+15045550111", "sip:desk@example.org"]}),
    Event("dial.failed", 34000, 9, {"outcome": "no-answer"}),
    Event("http", 34000, 12, {"method": "GET", "url": "https://api.example.com/next?from=%2B1"}),
    Event("play", 35000, 14, {"url": "https://cdn.example.com/beep.mp3"}),
    Event("hangup", 36000, 15, {"by": "flow"}),
)


def expect(key: str, text: str, line: int | None = None) -> EventExpectation:
    exact = key in ("dial", "http")
    return EventExpectation(key, Pattern.parse(text, exact=exact), line)  # type: ignore[arg-type]


def test_ordered_expectations_that_hold() -> None:
    steps: tuple[Expectation, ...] = (
        expect("say", "welcome"),  # substring, case-insensitive
        expect("say", "/press \\d\\.$/"),
        expect("dial", "sip:desk@example.org"),  # any of the targets
        expect("http", "https://api.example.com/next"),  # compared without the query
        expect("play", "beep.mp3"),
        NotSay(Pattern.parse("sorry")),
        Ends("hangup"),
        AtLine(15),
    )
    assert check(steps, MENU) == []


def test_order_matters_and_the_failure_says_it_happened_earlier() -> None:
    steps = (expect("say", "billing", 7), expect("say", "Welcome", 8))
    [failure] = check(steps, MENU)
    assert failure.step == 2
    assert failure.expectation is steps[1]
    assert "before the previous expectation matched" in failure.reason
    assert clock(0) in failure.reason
    headline = failure.headline()
    assert headline.startswith("step 2 (line 8) say: 'Welcome': ")


def test_missing_event_explained_with_the_transcript_where_matching_stopped() -> None:
    steps = (expect("say", "billing", 3), expect("say", "appointments", 4))
    [failure] = check(steps, MENU)
    text = failure.explain()
    assert "step 2 (line 4)" in text
    assert "not found after 00:01.500, line 6" in text
    marked = [line for line in failure.context if line.lstrip().startswith(">")]
    # matching stopped right after the billing prompt: the marker is on the next event (input)
    assert len(marked) == 1 and "input" in marked[0] and "L5" in marked[0]
    assert any("billing" in line for line in failure.context)


def test_later_expectations_still_checked_after_one_fails() -> None:
    steps = (expect("say", "nowhere"), expect("dial", "+15045550111"), expect("say", "nope"))
    failures = check(steps, MENU)
    assert [f.step for f in failures] == [1, 3]
    assert failures[0].reason == "it never happened"


def test_exact_matching_for_dial_and_http() -> None:
    assert check((expect("dial", "+1504555011"),), MENU)  # a prefix is not the destination
    assert check((expect("http", "https://api.example.com"),), MENU)
    assert not check((expect("dial", "/^sip:/"),), MENU)  # but a regex may say "any SIP"


def test_regex_flags() -> None:
    assert check((expect("say", "/WELCOME/"),), MENU)
    assert not check((expect("say", "/WELCOME/i"),), MENU)


def test_not_say_anywhere() -> None:
    [failure] = check((expect("say", "billing"), NotSay(Pattern.parse("welcome"), 9)), MENU)
    assert failure.reason == "it was said at 00:00.000, line 4"
    assert any(line.lstrip().startswith(">") and "Welcome" in line for line in failure.context)


def test_ends() -> None:
    assert check((Ends("hangup"),), MENU) == []
    limited = call(say(0, 2, "again"), result="limit", reason="max_steps (10) at line 2")
    [failure] = check((Ends("hangup", 5),), limited)
    assert failure.reason == "the call ended with limit (max_steps (10) at line 2)"
    assert failure.context[-1].strip() == "> (end of call)"


def test_at_line_uses_the_last_event_that_has_a_line() -> None:
    ended = call(say(0, 2, "bye"), Event("hangup", 900, None, {"by": "caller"}))
    assert check((AtLine(2),), ended) == []
    [failure] = check((AtLine(7, 11),), ended)
    assert failure.reason == "the call ended at line 2"
    assert failure.headline().startswith("step 1 (line 11) at_line: 7")
    [empty] = check((AtLine(1),), call())
    assert empty.reason == "no event has a line"


def test_bad_regex_is_a_value_error() -> None:
    with pytest.raises(ValueError, match="bad regular expression"):
        Pattern.parse("/[/")


_TEXTS = st.lists(st.text(st.characters(codec="ascii", categories=["L", "N"]), min_size=1,
                          max_size=12), min_size=1, max_size=8)  # fmt: skip


@given(_TEXTS, st.data())
def test_any_in_order_subsequence_of_what_was_said_holds(texts: list[str], data: st.DataObject
                                                         ) -> None:  # fmt: skip
    result = call(*(say(i * 1000, i + 1, text) for i, text in enumerate(texts)))
    picks = data.draw(st.lists(st.sampled_from(range(len(texts))), unique=True).map(sorted))
    steps = tuple(expect("say", texts[i]) for i in picks)
    assert check(steps, result) == []


@given(_TEXTS)
def test_saying_something_never_said_fails_at_that_step(texts: list[str]) -> None:
    result = call(*(say(i * 1000, i + 1, text) for i, text in enumerate(texts)))
    missing = "#" + texts[0]  # '#' is in no generated text
    steps = (*(expect("say", t) for t in texts), expect("say", missing))
    [failure] = check(steps, result)
    assert failure.step == len(texts) + 1
    assert failure.context[-1].strip() == "> (end of call)"


@given(st.integers(min_value=0, max_value=10 * 3600 * 1000))
def test_clock_reads_back(t: int) -> None:
    found = re.fullmatch(r"(\d{2,}):(\d{2})\.(\d{3})", clock(t))
    assert found is not None
    minutes, seconds, millis = (int(g) for g in found.groups())
    assert seconds < 60 and (minutes * 60 + seconds) * 1000 + millis == t


def test_event_line_and_window() -> None:
    line = event_line(MENU.events[1])
    assert line.startswith("00:00.000  L4") and '"Welcome to Riverside Clinic."' in line
    assert "lang=en-US" in line
    lines = window(MENU.events, 5, before=1, after=2)
    assert lines[0] == "    ... 4 earlier event(s)"
    assert lines[-1] == "    ... 3 later event(s)"
    assert lines[2].startswith("  > ") and "dial" in lines[2]


def test_colour_only_when_asked(monkeypatch: pytest.MonkeyPatch) -> None:
    plain = transcript(MENU)
    assert all("\x1b[" not in line for line in plain)
    assert any("\x1b[" in line for line in transcript(MENU, colour=True))
    assert plain[-1] == "result: hangup after 00:36.000"

    class Tty:
        def isatty(self) -> bool:
            return True

    monkeypatch.delenv("NO_COLOR", raising=False)
    assert wants_colour(Tty())  # type: ignore[arg-type]
    monkeypatch.setenv("NO_COLOR", "")
    assert not wants_colour(Tty())  # type: ignore[arg-type]
