"""The Python builder: both styles, round trips through XML, and every build-time error."""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from typing import Any, cast

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from strategies import nodes, xml_text

import callflow
from callflow import (
    DTMF,
    BuildError,
    Callback,
    Comment,
    Curl,
    Default,
    Dial,
    Error,
    Gather,
    Hangup,
    Meta,
    Pause,
    Response,
    Say,
    Schedule,
    To,
    Tone,
    serializer,
)
from callflow import builder as b
from callflow import model as m

# ---- helpers -------------------------------------------------------------------------------


def roundtrip(r: b.Element[Any], pretty: bool = True, check: bool = True) -> m.Node:
    text = r.to_xml(pretty=pretty, check=check) if isinstance(r, Response) else r.to_xml()
    return callflow.parse(text)


def only(node: m.Node) -> m.Node:
    (child,) = node.children
    return child


def to_builder(node: m.Node) -> Any:
    """Rebuild a model with the public builder API, passing what the serializer would write."""
    if isinstance(node, m.Comment):
        return Comment(node.text)
    cls = getattr(callflow, type(node).__name__)
    attrs = {
        name: value
        for name, spec, value in node.attr_values()
        if value is not None and (value != spec.default or name in node.given or spec.required)
    }
    content = getattr(node, "content", None)
    el: b.Element[Any]
    if isinstance(node, m.To):
        el = To(node.content)
    elif isinstance(node, m.Meta):
        el = Meta(content=content, **attrs)
    elif isinstance(node, (m.Say, m.Play)):
        el = cls(content, **attrs)
    else:
        el = cls(**attrs)
    for child in node.children:
        el.append(to_builder(child))
    return el


def padded_comments(node: m.Node) -> m.Node:
    """The model with each comment as the builder stores it: stripped, one space each side."""
    if isinstance(node, m.Comment):
        return dataclasses.replace(node, text=f" {node.text.strip()} ")
    kids = tuple(padded_comments(c) for c in node.children)
    return dataclasses.replace(node, children=kids)


# ---- the two styles ------------------------------------------------------------------------


def fluent() -> Response:
    r = Response()
    r.say("Hello")
    with r.gather(dtmf_length=1, timeout=8000) as g:
        g.say("Press 1")
        g.dtmf("1").say("Sales").dial("+15551234")
    r.hangup()
    return r


def constructed() -> Response:
    return Response(
        Say("Hello"),
        Gather(
            Say("Press 1"),
            DTMF("1", Say("Sales"), Dial(To("+15551234"))),
            dtmf_length=1,
            timeout=8000,
        ),
        Hangup(),
    )


def test_fluent_and_constructor_styles_build_equal_models() -> None:
    assert fluent().build() == constructed().build()
    assert fluent().to_xml() == constructed().to_xml()


def test_build_gives_the_immutable_model() -> None:
    model = fluent().build()
    assert isinstance(model, m.Response)
    gather = model.children[1]
    assert isinstance(gather, m.Gather)
    assert (gather.dtmf_length, gather.timeout) == (1, 8000)
    assert gather.branches[0].value == "1"
    with pytest.raises(dataclasses.FrozenInstanceError):
        gather.timeout = 1  # type: ignore[misc]


def test_append_adds_children_in_order_and_returns_self() -> None:
    r = Response()
    assert r.append(Say("one")).append(Pause(length=500)) is r
    r.append(Hangup())
    assert [type(c) for c in r.build().children] == [m.Say, m.Pause, m.Hangup]


def test_with_blocks_nest_and_leave_the_outer_parent_alone() -> None:
    r = Response()
    with r.gather(dtmf_length=1) as top:
        top.say("Top menu")
        with top.dtmf("2") as two, two.gather() as sub:
            sub.say("Second menu")
            with sub.dtmf("1") as deep:
                deep.say("Third level")
        top.default().say("Not an option")
    r.say("After the menu")
    model = r.build()
    gather, after = model.children
    assert isinstance(gather, m.Gather) and isinstance(after, m.Say)
    assert after.content == "After the menu"
    assert [type(c) for c in gather.children] == [m.Say, m.DTMF, m.Default]
    sub_gather = only(gather.children[1])
    assert isinstance(sub_gather, m.Gather)
    assert [type(c) for c in sub_gather.children] == [m.Say, m.DTMF]
    deep_say = only(sub_gather.children[1])
    assert isinstance(deep_say, m.Say) and deep_say.content == "Third level"


CONTAINERS = {"gather", "dtmf", "default", "error", "dial", "record", "call", "geo", "schedule"}

# (parent, method, arguments) for every element method; the parent is one that allows it.
METHOD_CALLS: list[tuple[Callable[[], b.Element[Any]], str, tuple[Any, ...]]] = [
    (Response, "answer", ()),
    (Response, "say", ("Hi",)),
    (Response, "play", ("https://cdn.example.com/a.mp3",)),
    (Response, "pause", ()),
    (Response, "hangup", ()),
    (Response, "hold", ()),
    (Response, "unhold", ()),
    (Response, "tone", ("440,480",)),
    (Response, "record", ()),
    (Response, "record_start", ()),
    (Response, "record_stop", ()),
    (Response, "record_wait", ()),
    (Response, "dial", ("+15551234",)),
    (Dial, "to", ("+15551234",)),
    (Response, "callback", ("https://ivr.example.com/next",)),
    (Response, "curl", ("https://hooks.example.com/x",)),
    (Response, "gather", ()),
    (Gather, "dtmf", ("1",)),
    (Gather, "default", ()),
    (Response, "error", ()),
    (Response, "meta", ("k", "v")),
    (Response, "call", ("direction", "inbound")),
    (Response, "geo", ()),
    (Response, "schedule", ()),
    (Response, "comment", ("note",)),
]


@pytest.mark.parametrize(
    ("parent", "method", "args"), METHOD_CALLS, ids=[c[1] for c in METHOD_CALLS]
)
def test_containers_return_the_child_and_leaves_return_self(
    parent: Callable[[], b.Element[Any]], method: str, args: tuple[Any, ...]
) -> None:
    p = parent()
    result = getattr(p, method)(*args)
    added = p.build().children[-1]
    if method in CONTAINERS:
        assert result is not p
        assert isinstance(result, b.Element)
        assert result.build() == added
        with result as same:
            assert same is result
    else:
        assert result is p


def _snake(name: str) -> str:
    return re.sub(r"(?<=[a-z])(?=[A-Z])", "_", name).lower()


def test_every_element_of_the_grammar_has_a_constructor_and_a_method() -> None:
    covered = {c[1] for c in METHOD_CALLS}
    for cls in m.ELEMENT_TYPES:
        builder_cls = getattr(callflow, cls.__name__)
        assert builder_cls.MODEL is cls
        if cls is not m.Response:
            assert _snake(cls.__name__) in covered, cls.__name__


# ---- XML out and back ----------------------------------------------------------------------


@pytest.mark.parametrize("pretty", [True, False])
def test_build_to_xml_parse_gives_an_equal_model(pretty: bool) -> None:
    r = Response(Say("Hello"))
    r.comment("handlers below")
    r.append(Error(Say("Something went wrong"), play=True))
    r.append(Schedule(Say("Weekend"), dow=["sat", "sun"], time="00:00:00-23:59:59"))
    r.append(Meta("notes", content="line one\nline two"))
    r.tone("350x440", don=2000, doff=4000, volume=-6)
    r.append(Callback("https://ivr.example.com/next", Error(Hangup()), method="post"))
    assert roundtrip(r, pretty) == r.build()


def test_to_xml_matches_the_serializer() -> None:
    r = fluent()
    for pretty in (True, False):
        for declaration in (True, False):
            assert r.to_xml(pretty=pretty, declaration=declaration) == serializer.to_xml(
                r.build(), pretty=pretty, declaration=declaration
            )
    assert str(r) == r.to_xml()


@settings(max_examples=100)
@given(nodes(m.Response, max_depth=3, max_children=4), st.booleans())
def test_any_valid_model_can_be_built_and_written_identically(model: m.Node, pretty: bool) -> None:
    r = to_builder(model)  # grammar-valid, but not lint-clean: the rules are tested below
    built = r.build(check=False)
    assert built == padded_comments(model)
    text = r.to_xml(pretty=pretty, check=False)
    assert text == serializer.to_xml(built, pretty=pretty)
    assert callflow.parse(text) == built


def test_model_nodes_can_be_appended_as_they_are() -> None:
    parsed = callflow.parse('<Response><Say loop="2">Parsed</Say><!--kept as is--></Response>')
    r = Response(*parsed.children).hangup()
    assert r.build().children[:2] == parsed.children
    assert r.to_xml() == serializer.to_xml(r.build())
    assert roundtrip(r) == r.build()


# ---- attributes ----------------------------------------------------------------------------


def test_explicit_default_values_are_written_back() -> None:
    g = Gather(dtmf_length=1, dtmf_stop="#", timeout=10000)
    assert g.build().given == {"dtmf_length", "dtmf_stop", "timeout"}
    assert '<Gather dtmf_length="1" dtmf_stop="#" timeout="10000"/>' in g.to_xml()
    parsed = only(roundtrip(Response(g)))
    assert {"dtmf_length", "dtmf_stop", "timeout"} <= parsed.given
    assert "<Gather/>" in Gather().to_xml()


def test_none_means_not_given() -> None:
    g = Gather(url=None, timeout=None)
    assert g.build() == m.Gather()
    assert g.build().given == frozenset()


def test_attributes_are_written_in_declaration_order_whatever_the_keyword_order() -> None:
    text = Gather(tag="menu", timeout=5000, dtmf_length=2).to_xml(declaration=False)
    assert text.startswith('<Gather dtmf_length="2" timeout="5000" tag="menu"/>')


def test_values_are_made_canonical_by_their_type() -> None:
    cb = Callback("https://ivr.example.com/x", method="post").build()
    assert cb.method == "POST"
    s = Schedule(dow=["mon", "tue"]).build()
    assert s.dow == ("mon", "tue")
    assert Schedule(dow="mon,tue").build() == s


def test_positional_attributes_may_also_be_given_by_keyword() -> None:
    assert DTMF(value="1").build() == DTMF("1").build()
    assert Meta(name="k", value="v").build() == Meta("k", "v").build()
    assert Curl(url="https://x.example.com").build() == Curl("https://x.example.com").build()
    assert Callback(url="https://x.example.com").build().url == "https://x.example.com"


def test_dial_takes_destinations_as_strings() -> None:
    d = Dial("+15551234", To("sip:desk@pbx.example.com"), "desk@pbx.example.com", timeout=20000)
    assert d.build().targets == ("+15551234", "sip:desk@pbx.example.com", "desk@pbx.example.com")


def test_say_text_attribute_and_text_content_are_different_fields() -> None:
    assert Say("Hi").build().content == "Hi"
    assert Say(text="Hi").build().text == "Hi"
    assert Say(text="Hi").build().content is None


# ---- build-time errors ---------------------------------------------------------------------

ERRORS = [
    pytest.param(
        lambda: Gather(numdigits=1),
        r"Gather has no attribute 'numdigits' \(did you mean dtmf_length\?\)",
        id="alias",
    ),
    pytest.param(lambda: Dial(callerId="+15550000000"), r"did you mean caller_id\?", id="xml name"),
    pytest.param(
        lambda: Gather(timout=5000), r"no attribute 'timout' \(did you mean timeout\?\)", id="typo"
    ),
    pytest.param(
        lambda: Hangup(voice="man"),
        r"Hangup has no attribute 'voice' \(its attributes: tag\)",
        id="no such",
    ),
    pytest.param(
        lambda: Say(content="Hi"), r"pass the element text as the first positional", id="content kw"
    ),
    pytest.param(
        lambda: Gather(timeout="5s"),
        r"Gather timeout: '5s' is not an integer number of milliseconds \(durations",
        id="seconds",
    ),
    pytest.param(
        lambda: Gather(timeout=-1),
        r"Gather timeout: -1 is not an integer number of milliseconds",
        id="negative",
    ),
    pytest.param(
        lambda: Gather(dtmf_length=0),
        r"Gather dtmf_length: 0 is not a whole number of at least 1",
        id="zero count",
    ),
    pytest.param(
        lambda: Say("x", loop="2"), r"Say loop: '2' is not a whole number", id="str count"
    ),
    pytest.param(lambda: Pause(length=True), r"Pause length: True is not", id="bool int"),
    pytest.param(lambda: Say("x", loop=1.5), r"Say loop: 1.5 is not", id="float"),
    pytest.param(lambda: Error(play="yes"), r"Error play: 'yes' is not true or false", id="bool"),
    pytest.param(
        lambda: Gather(dtmf_stop="x"), r"Gather dtmf_stop: 'x' is not one DTMF key", id="stop key"
    ),
    pytest.param(lambda: DTMF("1a"), r"DTMF value: '1a' is not DTMF keys", id="dtmf keys"),
    pytest.param(
        lambda: Schedule(dow="mon,tues"), r"Schedule dow: 'tues' is not a day name", id="day"
    ),
    pytest.param(
        lambda: Schedule(time="9-5"),
        r"Schedule time: '9-5' is not a valid HH:MM:SS-HH:MM:SS",
        id="time",
    ),
    pytest.param(
        lambda: b.Geo(states="NJ,XX"), r"Geo states: 'XX' is not a US state code", id="state"
    ),
    pytest.param(
        lambda: Callback("https://x.example.com", method="FETCH"),
        r"Callback method: 'FETCH' is not one of GET, POST",
        id="method",
    ),
    pytest.param(
        lambda: Tone("440", volume=3),
        r"Tone volume: 3 is not a volume in dB of 0 or less",
        id="volume",
    ),
    pytest.param(
        lambda: To("call me maybe"),
        r"To destination: 'call me maybe' is not a phone number",
        id="destination",
    ),
    pytest.param(lambda: DTMF(), r"DTMF needs the attribute value", id="no value"),
    pytest.param(lambda: Curl(), r"Curl needs the attribute url", id="no url"),
    pytest.param(lambda: Meta(), r"Meta needs the attribute name", id="no name"),
    pytest.param(
        lambda: DTMF("1", value="2"),
        r"DTMF value is given both positionally and as value=",
        id="twice",
    ),
    pytest.param(
        lambda: Dial(Say("Hi")),
        r"Say is not allowed inside Dial \(allowed: To, Meta, Error\)",
        id="say in dial",
    ),
    pytest.param(
        lambda: Gather().dial("+15551234"),
        r"Dial is not allowed inside Gather",
        id="dial in gather",
    ),
    pytest.param(
        lambda: Response().dtmf("1"), r"DTMF is not allowed inside Response", id="dtmf at top"
    ),
    pytest.param(
        lambda: Response(To("+15551234")), r"To is not allowed inside Response", id="to at top"
    ),
    pytest.param(
        lambda: Meta("k").say("x"),
        r"Say is not allowed inside Meta \(it holds none\)",
        id="inside meta",
    ),
    pytest.param(
        lambda: Response(Default()), r"Default is not allowed inside Response", id="default at top"
    ),
    pytest.param(
        lambda: Response().append(cast(Any, "Say")),
        r"children of Response must be elements",
        id="not an element",
    ),
    pytest.param(
        lambda: Response(cast(Any, Hangup)),
        r"children of Response must be elements",
        id="class not instance",
    ),
    pytest.param(lambda: Say(cast(Any, 42)), r"Say text must be a str, not int", id="text type"),
    pytest.param(
        lambda: Say("beep\x07"),
        r"Say text contains U\+0007 at index 4: XML 1.0 cannot",
        id="control char",
    ),
    pytest.param(
        lambda: Say(text="a\x00b"), r"Say text contains U\+0000 at index 1", id="nul in attr"
    ),
    pytest.param(lambda: Hangup(tag="x\ufffe"), r"Hangup tag contains U\+FFFE", id="tag"),
    pytest.param(lambda: Meta("k", "\ud800"), r"Meta value contains U\+D800", id="surrogate"),
    pytest.param(
        lambda: Meta("k", content="\x1b[1m"), r"Meta text contains U\+001B", id="meta text"
    ),
    pytest.param(lambda: Comment("a -- b"), r"Comment cannot contain '--'", id="comment dashes"),
    pytest.param(
        lambda: Response().comment("\x0c"), r"Comment text contains U\+000C", id="comment chars"
    ),
]


@pytest.mark.parametrize(("make", "message"), ERRORS)
def test_build_errors_name_the_rule(make: Callable[[], object], message: str) -> None:
    with pytest.raises(BuildError, match=message):
        make()


def test_build_error_is_a_value_error() -> None:
    assert issubclass(BuildError, ValueError)


# ---- text ----------------------------------------------------------------------------------


@given(xml_text(max_size=40), st.booleans())
def test_say_text_round_trips_through_xml(text: str, pretty: bool) -> None:
    """Element text is stripped, as the parser strips it; everything else is kept exactly."""
    r = Response().say(text)
    say = only(r.build(check=False))
    assert isinstance(say, m.Say)
    assert say.content == (text.strip() or None)
    assert roundtrip(r, pretty, check=False) == r.build(check=False)
    if not text.strip():  # nothing to say: the lint rule stops the build
        with pytest.raises(BuildError, match="CF111"):
            r.to_xml(pretty=pretty)


@given(xml_text(max_size=30))
def test_attribute_text_is_kept_exactly(text: str) -> None:
    r = Response(Say(text=text, tag=text))
    say = only(roundtrip(r, check=False))
    assert isinstance(say, m.Say)
    assert (say.text, say.tag) == (text, text)


@given(xml_text(max_size=30))
def test_comments_round_trip_padded(text: str) -> None:
    if "--" in text:
        with pytest.raises(BuildError, match="'--'"):
            Comment(text)
        return
    r = Response().comment(text).hangup()
    comment = r.build().children[0]
    assert isinstance(comment, m.Comment)
    body = text.strip().replace("\r\n", "\n").replace("\r", "\n")
    assert comment.text == f" {body} "
    assert roundtrip(r) == r.build()


def test_a_comment_ending_in_a_dash_is_written_safely() -> None:
    r = Response().comment("step 2 -").hangup()
    assert "<!-- step 2 - -->" in r.to_xml()
    assert roundtrip(r) == r.build()


_ILLEGAL = st.one_of(
    st.characters(min_codepoint=0, max_codepoint=0x1F, exclude_characters="\t\n\r"),
    st.sampled_from(["\ufffe", "\uffff", "\ud800", "\udfff"]),
)


@given(xml_text(max_size=10), _ILLEGAL, xml_text(max_size=10))
def test_text_xml_cannot_hold_is_refused(before: str, bad: str, after: str) -> None:
    text = before + bad + after
    makers: list[Callable[[], object]] = [
        lambda: Response().say(text),
        lambda: Say(text=text),
        lambda: Hangup(tag=text),
        lambda: Meta("k", content=text),
        lambda: Comment(text),
    ]
    for make in makers:
        with pytest.raises(BuildError, match=f"U\\+{ord(bad):04X}"):
            make()


# ---- lint ----------------------------------------------------------------------------------


def test_lint_reports_rules_across_elements() -> None:
    r = Response()
    with r.gather(dtmf_length=1) as g:
        g.say("Press 1")
        g.dtmf("1").say("One")
        g.dtmf("1").say("One again")
    codes = {f.code for f in r.lint()}
    assert "CF120" in codes  # duplicate DTMF value: not the builder's job
    assert [f for f in fluent().lint() if f.severity == "error"] == []


def test_a_remembered_attribute_set_never_accepts_an_equal_value_of_another_type() -> None:
    """``True == 1`` and ``(True,) == (1,)`` in Python; the remembered checks must not care."""
    assert Pause(length=1).build().length == 1
    with pytest.raises(BuildError, match="Pause length: True is not"):
        Pause(length=True)
    Schedule(Say("Open"), dow=("mon",))
    with pytest.raises(BuildError, match="Schedule dow"):
        Schedule(Say("Open"), dow=(1,))
    with pytest.raises(BuildError, match="Schedule dow"):
        Schedule(Say("Open"), dow=(True,))
