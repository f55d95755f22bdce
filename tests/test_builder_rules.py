"""The builder runs the linter's error rules: ``build()`` and ``to_xml()`` refuse a document the
linter would reject, naming the rule and the builder call; warnings go to ``findings()``."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from hypothesis import event, given, settings
from hypothesis import strategies as st
from strategies import nodes
from test_builder import to_builder

import callflow
from callflow import DTMF, BuildError, Dial, Error, Gather, Response, Say, To
from callflow import builder as b
from callflow import model as m
from callflow.lint import lint_source
from callflow.rules import RULES


def _errors(text: str) -> set[str]:
    return {f.code for f in lint_source(text) if f.severity == "error"}


def duplicate_dtmf() -> Response:
    r = Response()
    with r.gather(dtmf_length=1, timeout=8000) as g:
        g.say("Press 1")
        g.dtmf("1").say("Sales")
        g.dtmf("1").say("Sales again")
    return r


def say_after_hangup() -> Response:
    return Response().say("Hi").hangup().say("Bye")


def dial_without_destination() -> Response:
    r = Response()
    r.dial(timeout=20000).error().say("Nobody answered")
    return r


def relative_callback() -> Response:
    return Response().callback("/next", Error(Say("Sorry")))


def say_with_two_texts() -> Response:
    return Response().say("Hello", text="Hi")


MISTAKES = [
    pytest.param(duplicate_dtmf, "CF120", "DTMF(value='1'), child 3 of Gather(", id="dup-dtmf"),
    pytest.param(say_after_hangup, "CF101", "Say('Bye'), child 3 of Response", id="after-hangup"),
    pytest.param(dial_without_destination, "CF114", "Dial(timeout=20000)", id="no-destination"),
    pytest.param(relative_callback, "CF130", "Callback(url='/next')", id="relative-url"),
    pytest.param(say_with_two_texts, "CF110", "Say('Hello', text='Hi')", id="two-texts"),
]


@pytest.mark.parametrize(("make", "code", "call"), MISTAKES)
@pytest.mark.parametrize("output", ["build", "to_xml", "compact", "str"])
def test_an_error_rule_stops_the_build_naming_rule_and_call(
    make: Callable[[], Response], code: str, call: str, output: str
) -> None:
    r = make()
    produce: dict[str, Callable[[], object]] = {
        "build": r.build,
        "to_xml": r.to_xml,
        "compact": lambda: r.to_xml(pretty=False, declaration=False),
        "str": lambda: str(r),
    }
    with pytest.raises(BuildError) as caught:
        produce[output]()
    assert caught.value.codes == (code,)
    text = str(caught.value)
    assert text.startswith(f"{code} ")
    assert f"made by {call}" in text


@pytest.mark.parametrize(("make", "code", "call"), MISTAKES)
def test_check_false_skips_the_rules_and_lint_still_reports_them(
    make: Callable[[], Response], code: str, call: str
) -> None:
    r = make()
    text = r.to_xml(check=False)
    assert code in _errors(text)
    assert r.build(check=False) == callflow.parse(text)
    assert code in {f.code for f in r.lint()}


def test_every_error_is_listed_in_document_order() -> None:
    r = Response()
    r.dial()
    r.say("x", text="y")
    with pytest.raises(BuildError) as caught:
        r.to_xml()
    assert caught.value.codes == ("CF114", "CF110")
    assert str(caught.value).startswith("2 lint errors:")


def test_a_nested_call_is_named_with_its_place() -> None:
    r = Response().say("Welcome")
    with r.gather(dtmf_length=1) as g:
        g.say("Press 1")
        with g.dtmf("1") as one:
            one.say("Sales").hangup().say("never heard")
    with pytest.raises(BuildError, match="CF101") as caught:
        r.build()
    assert str(caught.value).endswith(
        "made by Say('never heard'), child 3 of DTMF(value='1'), child 2 of"
        " Gather(dtmf_length=1), child 2 of Response()"
    )


def test_seconds_for_milliseconds_is_a_warning_in_findings_not_an_error() -> None:
    r = Response()
    with r.gather(dtmf_length=1, timeout=8) as g:
        g.say("Press 1")
        g.dtmf("1").say("One")
        g.error().say("No choice.")
    r.hangup()
    text = r.to_xml()  # builds: CF160 is a warning
    assert _errors(text) == set()
    found = r.findings()
    assert [f.code for f in found] == ["CF160"]
    assert found[0].severity == "warning" and "8 milliseconds" in found[0].message


def test_findings_lists_warnings_only() -> None:
    r = Response(Dial("+15551234"))  # no Error handler anywhere: CF161, a warning
    r.to_xml()
    assert {f.code for f in r.findings()} == {"CF161"}
    assert all(f.severity != "error" for f in r.findings())


def test_the_builder_runs_every_error_rule_of_the_registry_and_no_warning() -> None:
    from callflow import build_check

    errors = {r.code for r in RULES if r.info.severity == "error"}
    assert build_check.error_codes() == errors
    assert "CF160" not in errors and "CF101" in errors


def test_a_mutated_document_is_checked_again() -> None:
    r = Response().say("Hi").hangup()
    r.to_xml()
    r.say("Bye")
    with pytest.raises(BuildError, match="CF101"):
        r.to_xml()


def test_an_appended_model_node_is_checked_even_when_its_text_was_found_clean() -> None:
    """The remembered verdicts are keyed on text; a parsed node keeps alias spellings that
    the canonical text does not show (CF151: both spellings, different values)."""
    clean = Response(Gather(Say("Press"), DTMF("1", Say("One")), dtmf_length=1))
    text = clean.to_xml()
    parsed = callflow.parse(
        '<Response><Gather dtmf_length="1" numDigits="2"><Say>Press</Say>'
        '<DTMF value="1"><Say>One</Say></DTMF></Gather></Response>'
    )
    r = Response(*parsed.children)
    assert r.to_xml(check=False) == text
    with pytest.raises(BuildError, match="CF151") as caught:
        r.to_xml()
    assert "the model node <Gather> given to append()" in str(caught.value)


def test_a_clean_flow_builds_and_lints_clean() -> None:
    r = Response().say("Welcome")
    with r.gather(dtmf_length=1, timeout=8000) as g:
        g.say("Press 1 for sales")
        g.dtmf("1").say("Connecting").dial("+15551234").error().say("Busy")
    r.hangup()
    assert _errors(r.to_xml()) == set()
    assert _errors(r.to_xml()) == set()  # the second time from the remembered verdict


# ---- the property: the builder serialises nothing the linter rejects ----------------------


def _outcome(r: b.Response, pretty: bool) -> None:
    """``to_xml`` either refuses, with exactly the error codes lint finds in the unchecked
    text, or gives a text in which lint finds no error."""
    unchecked = r.to_xml(pretty=pretty, check=False)
    expected = _errors(unchecked)
    try:
        text = r.to_xml(pretty=pretty)
    except BuildError as exc:
        event("refused")
        assert set(exc.codes) == expected
        assert expected
        return
    event("built")
    assert text == unchecked
    assert _errors(text) == set()


@settings(max_examples=150, deadline=None)
@given(nodes(m.Response, max_depth=3, max_children=3), st.booleans())
def test_any_flow_the_builder_serialises_lints_without_errors(model: m.Node, pretty: bool) -> None:
    _outcome(to_builder(model), pretty)


_KEYS = st.sampled_from(["1", "2", "3", "9", "*", "12"])


_STEPS = st.sampled_from(["say", "dial", "hangup", "callback"])


@st.composite
def menus(draw: st.DrawFn) -> b.Response:
    """Menus written with the fluent API as people write them, sometimes with a slip."""
    r = Response()
    if draw(st.booleans()):
        r.say(draw(st.sampled_from(["Welcome", "", "Hi"])))
    length, timeout = draw(st.sampled_from([1, 2])), draw(st.sampled_from([8, 8000]))
    with r.gather(dtmf_length=length, timeout=timeout) as g:
        g.say("Choose")
        for key in draw(st.lists(_KEYS, max_size=3)):
            branch = g.dtmf(key)
            for step in draw(st.lists(_STEPS, max_size=3)):
                if step == "say":
                    branch.say("Hello")
                elif step == "dial":
                    branch.dial(*draw(st.lists(st.just("+15551234"), max_size=1)))
                elif step == "hangup":
                    branch.hangup()
                else:
                    branch.callback(draw(st.sampled_from(["https://x.example.com/n", "/n"])))
    if draw(st.booleans()):
        r.hangup()
    return r


@settings(max_examples=150, deadline=None)
@given(menus(), st.booleans())
def test_any_menu_the_builder_serialises_lints_without_errors(r: b.Response, pretty: bool) -> None:
    _outcome(r, pretty)


def test_dial_with_a_destination_in_a_to_is_fine() -> None:
    r = Response(Dial(To("+15551234"), Error(Say("Busy"))))
    assert _errors(r.to_xml()) == set()


def test_remembered_verdicts_are_bounded_and_forget_the_oldest_first(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from callflow import build_check

    monkeypatch.setattr(build_check, "_clean", {})
    texts = [f"<Response><Say>{i}</Say></Response>" for i in range(build_check.CLEAN_LIMIT + 5)]
    for text in texts:
        build_check.remember_clean(text)
    assert not build_check.known_clean(texts[0])
    assert build_check.known_clean(texts[-1])
    assert sum(build_check.known_clean(t) for t in texts) == build_check.CLEAN_LIMIT
