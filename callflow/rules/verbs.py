"""Rules about single commands: text and audio sources, destinations, URLs, durations."""

from __future__ import annotations

from collections.abc import Iterator

from callflow import model as m
from callflow import types as t
from callflow.durations import seconds_meant, seconds_warning
from callflow.flowfacts import recordings
from callflow.rules.base import Hit, Scope, rule, written
from callflow.urls import is_absolute_http as is_absolute_http  # its old home; importers use it
from callflow.urls import url_problem


@rule(
    "CF110",
    "say-two-texts",
    "error",
    "<Say> has both a text attribute and text content.",
    targets=(m.Say,),
)
def say_two_texts(node: m.Node, scope: Scope) -> Iterator[Hit]:
    """A ``<Say>`` gives its text twice: in the ``text`` attribute and as element text.

    Why: exactly one text source is allowed; with two, which one is spoken is up to the
    platform, and the other is silently dropped.

    Example::

        <Say text="Hello">Hello again</Say>   <!-- CF110 -->

    Fix: keep one of them.
    """
    assert isinstance(node, m.Say)
    if node.text and node.content:
        yield Hit(
            node,
            "Say has both text content and a text attribute",
            attr="text",
            hint="keep one of them",
        )


@rule(
    "CF111",
    "say-no-text",
    "error",
    "<Say> has neither a text attribute nor text content.",
    targets=(m.Say,),
)
def say_no_text(node: m.Node, scope: Scope) -> Iterator[Hit]:
    """A ``<Say>`` with nothing to say: no ``text`` attribute and no element text.

    Example::

        <Say lang="en-US"/>   <!-- CF111 -->

    Fix: write the text as element content, ``<Say>Hello.</Say>``, or delete the Say.
    """
    assert isinstance(node, m.Say)
    if not node.text and not node.content:
        yield Hit(
            node,
            "Say has neither text content nor a text attribute",
            hint="write the text to speak, e.g. <Say>Hello.</Say>",
        )


_PLAY_SOURCES = (("url", "url attribute"), ("record", "record attribute"), ("content", "content"))


@rule(
    "CF112",
    "play-source-count",
    "error",
    "<Play> needs exactly one source: url, record or a URL as content.",
    targets=(m.Play,),
)
def play_source_count(node: m.Node, scope: Scope) -> Iterator[Hit]:
    """A ``<Play>`` with no audio source, or with more than one.

    A Play plays one thing: the ``url`` attribute, a recording named by ``record``, or the URL
    written as element text.

    Example::

        <Play url="https://media.example.org/a.mp3">https://media.example.org/b.mp3</Play>

    Fix: keep exactly one source.
    """
    sources = [(field, label) for field, label in _PLAY_SOURCES if getattr(node, field)]
    if not sources:
        yield Hit(
            node,
            "Play has no audio source (url, record or a URL as content)",
            hint="give the audio URL, e.g. <Play>https://example.com/a.mp3</Play>",
        )
    elif len(sources) > 1:
        names = " and ".join(label for _, label in sources)
        count = "two" if len(sources) == 2 else "three"
        attr = next((written(node, f) for f, _ in sources if f != "content"), None)
        yield Hit(
            node, f"Play has {count} audio sources ({names})", attr=attr, hint="keep exactly one"
        )


def _makers(root: m.Node) -> list[tuple[str, m.Node]]:
    """Every ``Record``/``RecordStart`` with a tag, in document order."""
    found: list[tuple[str, m.Node]] = []
    stack = list(reversed(root.children))
    while stack:
        child = stack.pop()
        if isinstance(child, m.Record | m.RecordStart) and child.tag:
            found.append((child.tag, child))
        stack.extend(reversed(child.children))
    return found


@rule(
    "CF113",
    "play-unknown-recording",
    "error",
    "<Play record=...> names a recording not made on every path to it.",
    targets=(m.Response,),
    children_only=True,
)
def play_unknown_recording(node: m.Node, scope: Scope) -> Iterator[Hit]:
    """``<Play record="name">`` plays a recording of this call, made earlier by
    ``<Record tag="name">`` or ``<RecordStart tag="name">``. Here some path reaches the Play
    without that recording being made (it is made later, only in another branch, or never),
    so a call can get there with nothing to play and the Play fails.

    Paths are followed as calls run (``callflow.flowfacts.recordings``, the same facts the
    simulator and the explorer meet): a Record inside ``<DTMF value="1">`` is not made for a
    caller who pressed 2, nor one inside a ``<Schedule>`` outside its hours.

    Example::

        <Record tag="greeting" timeout="5000"/>
        <Play record="greting"/>   <!-- CF113: typo -->

    Fix: correct the name, or record before playing on every path (or move the Play into the
    branch that records).
    """
    assert isinstance(node, m.Response)
    unknown = [fact for fact in recordings(node) if not fact.known]
    if not unknown:
        return
    makers = _makers(node)
    tags = sorted({tag for tag, _ in makers})
    for fact in unknown:
        play = fact.play
        name = play.record or ""
        at = next((n.pos for tag, n in makers if tag == name and n.pos), None)
        line = f" (the one at line {at.line})" if at is not None else ""
        import difflib  # only for a mistake

        close = difflib.get_close_matches(name, tags, n=1)
        if name in fact.made.some:
            message = f"Play record {name!r} is recorded on some paths to it but not all"
            hint = f"a call can reach this Play without making the recording{line}"
        elif at is not None:
            message = f"Play record {name!r} names a recording that no earlier Record makes"
            before = play.pos is not None and (at.line, at.col) < (play.pos.line, play.pos.col)
            hint = (
                f"no path to this Play goes through the Record{line}"
                if before
                else f"the recording is made later, at line {at.line}"
            )
        elif close:
            message = f"Play record {name!r} names a recording that no earlier Record makes"
            hint = f"did you mean {close[0]!r}?"
        else:
            message = f"Play record {name!r} names a recording that no earlier Record makes"
            hint = "record it first with <Record tag=...> or <RecordStart tag=...>"
        yield Hit(play, message, attr="record", hint=hint)


@rule(
    "CF114",
    "dial-no-destination",
    "error",
    "<Dial> has no <To> destination.",
    targets=(m.Dial,),
)
def dial_no_destination(node: m.Node, scope: Scope) -> Iterator[Hit]:
    """A ``<Dial>`` without any ``<To>`` child rings nobody, so it always fails.

    Fix: add the number or SIP address to call, ``<To>+15045550111</To>``.
    """
    assert isinstance(node, m.Dial)
    if not node.targets:
        yield Hit(node, "Dial has no To destination", hint="add <To>number or sip:user@host</To>")


@rule(
    "CF115",
    "callback-no-url",
    "error",
    "<Callback> has no url.",
    targets=(m.Callback,),
)
def callback_no_url(node: m.Node, scope: Scope) -> Iterator[Hit]:
    """A ``<Callback>`` must say where to fetch the next document from.

    Fix: ``<Callback url="https://ivr.example.com/next"/>``.
    """
    assert isinstance(node, m.Callback)
    if not node.url:
        yield Hit(node, "Callback has no url", hint='write url="https://..."')


_URL_FIELDS: dict[type[m.Node], tuple[str, ...]] = {
    m.Callback: ("url",),
    m.Curl: ("url",),
    m.Gather: ("url",),
    m.Play: ("url", "content"),
}


@rule(
    "CF130",
    "url-not-absolute",
    "error",
    "A Callback/Curl/Gather/Play URL is not an absolute http(s) URL with a host and valid port.",
    targets=tuple(_URL_FIELDS),
)
def url_not_absolute(node: m.Node, scope: Scope) -> Iterator[Hit]:
    """Opentact fetches URLs from its own servers, with no base address to resolve a
    relative URL against: every ``Callback``/``Curl``/``Gather`` ``url`` (and every ``Play``
    audio URL) must be an absolute ``http://`` or ``https://`` URL with a host, and a port,
    when it names one, from 1 to 65535 (``callflow.urls`` decides this for every command).

    Example::

        <Callback url="/next-step"/>   <!-- CF130 -->
        <Play url="https://audio.example:70000/hi.mp3"/>   <!-- CF130: no such port -->

    Fix: write the full URL, ``https://ivr.example.com/next-step``.
    """
    for field in _URL_FIELDS[type(node)]:
        url = getattr(node, field)
        problem = url_problem(url) if url else None
        if problem is not None:
            name = "audio URL" if field == "content" else f"{written(node, field) or field}"
            yield Hit(
                node,
                f"{node.TAG} {name} {url!r} {problem.reason}",
                attr=written(node, field) if field != "content" else None,
                hint=problem.hint,
            )


_SHORT_IS_FINE: frozenset[tuple[type[m.Node], str]] = frozenset(
    {(m.Answer, "delay"), (m.Tone, "don"), (m.Tone, "doff")}
)
"""Durations where a few milliseconds can be meant: a short answer delay, a short beep."""


def _ms_fields(cls: type[m.Node]) -> tuple[str, ...]:
    return tuple(
        name
        for name, spec in cls.attr_specs().items()
        if spec.type is t.MS and (cls, name) not in _SHORT_IS_FINE
    )


_MS_FIELDS: dict[type[m.Node], tuple[str, ...]] = {
    cls: fields for cls in m.ELEMENT_TYPES if (fields := _ms_fields(cls))
}


@rule(
    "CF160",
    "seconds-not-ms",
    "warning",
    "A timeout or pause under 100 ms: seconds were probably meant.",
    targets=tuple(_MS_FIELDS),
)
def seconds_not_ms(node: m.Node, scope: Scope) -> Iterator[Hit]:
    """Every duration in Opentact XML is in milliseconds. A timeout or a Pause length under
    100 ms is too short to mean anything to a caller, so it was almost surely written in
    seconds.

    Example::

        <Gather timeout="5">   <!-- CF160: 5 ms -->

    Fix: write milliseconds, ``timeout="5000"``. (Tone ``don``/``doff`` and Answer ``delay``
    are not checked: a few ms can be meant there.)
    """
    for field in _MS_FIELDS[type(node)]:
        value = getattr(node, field)
        if not isinstance(value, int) or not seconds_meant(value):
            continue  # the common case: no name or message to make
        name = written(node, field) or field
        warning = seconds_warning(f"{node.TAG} {name}", value)
        if warning is not None:
            yield Hit(node, warning[0], attr=name, hint=warning[1])
