"""The typed, immutable model of an Opentact call flow: one class per element.

This module is the Python statement of the grammar. Each attribute is a dataclass field whose
metadata (``AttrSpec``) gives its XML name, value type, default, aliases and documentation; each
class names the groups of children it allows. ``callflow.grammar`` derives the lookup tables
and the XSD from these classes, so the grammar is written down once.

Positions, alias spellings and which attributes were written explicitly are kept on each node
but take no part in equality: a parsed document equals the same document built in Python.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterator
from dataclasses import field as _field
from typing import Any, ClassVar, Literal, Protocol

from callflow import types as t
from callflow.frozen import node_class, record

Content = Literal["empty", "text", "mixed"]


class Locator(Protocol):
    """Turns the index of a node in its document (elements and comments in source order)
    into its line and column: the parser's positions, worked out only when first asked."""

    file: str | None

    def locate(self, index: int) -> tuple[int, int]: ...


class Pos:
    """Where a node starts in its source: file (None for a string), 1-based line and column.

    Immutable and compared by value. A parsed node's position is *lazy* (``lazy_pos``): it
    holds its document's ``Locator`` and its index, and finds line and column on first use,
    so a document nobody asks positions of (one that lints clean) never scans its text.
    """

    __slots__ = ("_at", "_col", "_file", "_line", "_src")
    _file: str | None
    _line: int
    _col: int
    _src: Locator | None
    _at: int

    def __init__(self, file: str | None, line: int, col: int) -> None:
        _set_src(self, None)
        _set_file(self, file)
        _set_line(self, line)
        _set_col(self, col)

    def _resolve(self) -> None:
        src = self._src
        if src is not None:
            line, col = src.locate(self._at)
            _set_file(self, src.file)
            _set_line(self, line)
            _set_col(self, col)
            _set_src(self, None)

    @property
    def file(self) -> str | None:
        src = self._src
        return src.file if src is not None else self._file

    @property
    def line(self) -> int:
        if self._src is not None:
            self._resolve()
        return self._line

    @property
    def col(self) -> int:
        if self._src is not None:
            self._resolve()
        return self._col

    def _key(self) -> tuple[str | None, int, int]:
        return (self.file, self.line, self.col)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Pos):
            return NotImplemented
        return self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __setattr__(self, name: str, value: object) -> None:
        raise dataclasses.FrozenInstanceError(f"cannot assign to field {name!r}")

    def __delattr__(self, name: str) -> None:
        raise dataclasses.FrozenInstanceError(f"cannot delete field {name!r}")

    def __reduce__(self) -> tuple[type[Pos], tuple[str | None, int, int]]:
        return (Pos, self._key())

    def __repr__(self) -> str:
        return f"Pos(file={self.file!r}, line={self.line!r}, col={self.col!r})"

    def __str__(self) -> str:
        return f"{self.file or '<string>'}:{self.line}:{self.col}"


def _slot_writer(name: str) -> Callable[[Pos, Any], None]:
    """Writes one slot of a Pos past the frozen ``__setattr__`` (only this module does)."""
    writer: Callable[[Pos, Any], None] = vars(Pos)[name].__set__
    return writer


_set_file, _set_line, _set_col = _slot_writer("_file"), _slot_writer("_line"), _slot_writer("_col")
_set_src, _set_at = _slot_writer("_src"), _slot_writer("_at")
_new_pos = object.__new__


def lazy_pos(src: Locator, index: int) -> Pos:
    """The position of node ``index`` of a parsed document, found when first read."""
    pos: Pos = _new_pos(Pos)
    _set_src(pos, src)
    _set_at(pos, index)
    return pos


@record
class Spelling:
    """How the source wrote a node where that differs from the canonical form.

    The parser fills this in when it normalises an alias, so the linter can warn and ``fmt``
    can rewrite, while every other consumer sees only canonical names.
    """

    element: str | None = None
    """The element name as written, when it was an alias (``Sip``, ``Scheduler``, ``Case``...)."""
    attrs: tuple[tuple[str, str], ...] = ()
    """(canonical, as written) for attribute names given by an alias; ``#content`` for text."""
    values: tuple[tuple[str, str], ...] = ()
    """(canonical attribute, raw text) where a value was normalised, e.g. ``post`` -> ``POST``."""
    conflicts: tuple[tuple[str, str, str], ...] = ()
    """(canonical, alias, alias value) where both spellings were given; the canonical one won."""
    wrapper: Pos | None = None
    """Position of the old ``<Switch>`` this node was written inside (the parser dissolves it)."""


@record
class AttrSpec:
    """One XML attribute: its name, type, default, aliases and one line of documentation."""

    xml: str
    type: t.AttrType
    default: Any
    doc: str
    aliases: tuple[str, ...] = ()
    required: bool = False


def attr(
    xml: str,
    type_: t.AttrType,
    doc: str,
    default: Any = None,
    *,
    aliases: tuple[str, ...] = (),
    required: bool = False,
) -> Any:
    """Declare a model field that is an XML attribute."""
    spec = AttrSpec(xml, type_, default, doc, aliases, required)
    return _field(default=default, metadata={"attr": spec})


def tag_attr() -> Any:
    return attr("tag", t.TEXT, "Copied into this command's notification event.")


@node_class
class Node:
    """Base of every element. ``children`` holds child nodes (and comments) in source order."""

    TAG: ClassVar[str] = ""
    DOC: ClassVar[str] = ""
    CONTENT: ClassVar[Content] = "empty"
    """``text``: character content is the node's ``content``; ``mixed``: both text and children."""
    ALLOWS: ClassVar[tuple[str, ...]] = ()
    """Names of child groups (see ``GROUPS``) this element may hold."""
    ALIASES: ClassVar[tuple[str, ...]] = ()
    """Other element names accepted for this element (normalised by the parser)."""
    IS_COMMAND: ClassVar[bool] = False
    CONTENT_TYPE: ClassVar[t.AttrType | None] = None
    """Type of the character content, where the grammar constrains it."""

    children: tuple[Node, ...] = ()
    pos: Pos | None = _field(default=None, compare=False, repr=False)
    spelling: Spelling | None = _field(default=None, compare=False, repr=False)
    given: frozenset[str] = _field(default=frozenset(), compare=False, repr=False)
    """Attributes written explicitly, so a default value the user wrote is written back."""
    xsi: tuple[tuple[str, str], ...] = _field(default=(), repr=False)
    """XML Schema instance attributes as written (local name, value), e.g. ``schemaLocation``:
    no part of the grammar, kept so that ``fmt`` writes them back (Response's
    ``noNamespaceSchemaLocation`` is ``Response.schema_location``)."""

    @classmethod
    def attr_specs(cls) -> dict[str, AttrSpec]:
        """Python field name -> attribute spec, in declaration order."""
        return _ATTR_SPECS[cls]

    def defaulted(self, name: str) -> bool:
        """Whether attribute ``name`` (a Python field name) took its default: not written,
        and holding the default value. Lets lint and the simulator say when a default
        decided something."""
        return (
            name not in self.given and getattr(self, name) == _ATTR_SPECS[type(self)][name].default
        )

    def attr_values(self) -> Iterator[tuple[str, AttrSpec, Any]]:
        for name, spec in _ATTR_SPECS[type(self)].items():
            yield name, spec, getattr(self, name)

    @property
    def commands(self) -> tuple[Node, ...]:
        """The children that run in sequence (handlers, Meta and comments are not commands)."""
        return tuple([c for c in self.children if c.IS_COMMAND])

    @property
    def error_handler(self) -> Error | None:
        for child in self.children:
            if isinstance(child, Error):
                return child
        return None

    @property
    def meta(self) -> tuple[Meta, ...]:
        return tuple([c for c in self.children if isinstance(c, Meta)])

    def replace(self, **changes: Any) -> Any:
        """A copy with some fields changed (the model is immutable)."""
        return dataclasses.replace(self, **changes)


@node_class
class Comment(Node):
    """An XML comment, kept so that ``fmt`` never drops what a person wrote.

    Where it sits is kept too, because lint reads it there: a comment that ends a line of
    markup (``inline``) covers that line, one on a line of its own the next element; one
    inside an element's text stays at its place in the text (``at``).
    """

    TAG = "#comment"
    text: str = ""
    inline: bool = _field(default=False, compare=False)
    """Written after other markup or text on its line (not at the start of a line)."""
    at: int | None = _field(default=None, compare=False)
    """Inside the text of an element (see ``text_comments``): the offset in ``content`` where
    it sits; None for one built in Python (written at the end of the text).

    Layout, like positions: no part of equality (``fmt`` checks it separately)."""


@node_class
class Instruction(Comment):
    """A processing instruction (``<?xml-stylesheet href="flow.xsl"?>``): no part of the flow,
    kept like a comment (every consumer that skips comments skips these)."""

    TAG = "#pi"
    target: str = ""


# ---- data and handlers -------------------------------------------------------------------


@node_class
class Meta(Node):
    TAG = "Meta"
    DOC = "User data attached to its parent, sent with that command's requests and events."
    CONTENT = "text"
    name: str = attr("name", t.NAME, "Name of the data item.", required=True)
    value: str | None = attr("value", t.TEXT, "The value (string, number, null or bool).")
    content: str | None = None

    @property
    def data(self) -> str:
        """The value, from the attribute or the element text."""
        return self.value if self.value is not None else (self.content or "")


@node_class
class Error(Node):
    TAG = "Error"
    DOC = (
        "Failure handler of its parent: runs when the parent (or a command inside it without"
        " its own handler) fails. Never runs in sequence."
    )
    ALLOWS = ("command", "meta", "error")
    play: bool = attr("play", t.BOOL, "Speak the failure reason first.", False, aliases=("say",))
    tag: str | None = tag_attr()


@node_class
class Default(Node):
    TAG = "Default"
    DOC = "Inside Gather: runs when input was given but matches no DTMF value."
    ALLOWS = ("command", "meta", "error")
    tag: str | None = tag_attr()


@node_class
class DTMF(Node):
    TAG = "DTMF"
    DOC = "Inside Gather: runs when the collected input equals value."
    ALLOWS = ("command", "meta", "error")
    ALIASES = ("Case",)
    value: str = attr(
        "value", t.DTMF_KEYS, "The digits that select this block.", "", aliases=("dtmf",),
        required=True,
    )  # fmt: skip


@node_class
class To(Node):
    TAG = "To"
    DOC = "A Dial destination: phone number (+digits), SIP URI (sip:user@host) or user@domain."
    CONTENT = "text"
    ALIASES = ("Sip",)
    CONTENT_TYPE = t.DESTINATION
    content: str = ""


# ---- commands ----------------------------------------------------------------------------

_HANDLED = ("meta", "error")


@node_class
class Answer(Node):
    TAG = "Answer"
    DOC = "Answers the call (SIP 200 OK). Not needed when the app auto-answers."
    ALLOWS = _HANDLED
    IS_COMMAND = True
    delay: int = attr("delay", t.MS, "Wait this long (ms) after answering.", 0)
    tag: str | None = tag_attr()


@node_class
class Say(Node):
    TAG = "Say"
    DOC = "Text to speech: the text attribute or the element text (exactly one)."
    CONTENT = "mixed"
    ALLOWS = _HANDLED
    IS_COMMAND = True
    text: str | None = attr("text", t.TEXT, "The text to speak (instead of element text).")
    lang: str = attr("lang", t.LANG, "Language of the voice.", "en-US")
    gender: str = attr("gender", t.GENDER, "Voice gender.", "FEMALE")
    type: str = attr("type", t.VOICE_TYPE, "Speech engine.", "Standard")
    code: str | None = attr("code", t.TEXT, "A voice code.")
    loop: int = attr("loop", t.COUNT, "How many times to speak it.", 1)
    tag: str | None = tag_attr()
    content: str | None = None

    @property
    def spoken(self) -> str:
        return self.text if self.text is not None else (self.content or "")


@node_class
class Play(Node):
    TAG = "Play"
    DOC = "Plays an mp3/wav URL or a recording of this call: exactly one source."
    CONTENT = "mixed"
    ALLOWS = _HANDLED
    IS_COMMAND = True
    url: str | None = attr("url", t.URL, "The audio URL (instead of element text).")
    record: str | None = attr("record", t.NAME, "Name of a recording made by Record tag=.")
    leg: str | None = attr("leg", t.LEG, "Which leg hears it.")
    loop: int = attr("loop", t.COUNT, "How many times to play it.", 1)
    tag: str | None = tag_attr()
    content: str | None = None

    @property
    def source(self) -> str:
        return self.url or self.record or self.content or ""


@node_class
class Pause(Node):
    TAG = "Pause"
    DOC = "Silence."
    ALLOWS = _HANDLED
    IS_COMMAND = True
    length: int = attr("length", t.MS, "How long (ms).", 1000)
    dtmf_stop: str | None = attr("dtmf_stop", t.DTMF_KEYS, "Keys that end the pause early.")
    tag: str | None = tag_attr()


@node_class
class Hangup(Node):
    TAG = "Hangup"
    DOC = "Ends the call. Nothing after it runs."
    ALLOWS = _HANDLED
    IS_COMMAND = True
    tag: str | None = tag_attr()


@node_class
class Hold(Node):
    TAG = "Hold"
    DOC = "Puts the call on hold."
    ALLOWS = _HANDLED
    IS_COMMAND = True
    timeout: int = attr("timeout", t.MS, "Longest hold (ms).", 300000)
    tag: str | None = tag_attr()


@node_class
class Unhold(Node):
    TAG = "Unhold"
    DOC = "Takes the call off hold."
    ALLOWS = _HANDLED
    IS_COMMAND = True
    tag: str | None = tag_attr()


TONE_DEFAULT_HZ = "440"
"""The ``hz`` of a ``<Tone>`` that gives none. Opentact's docs write a bare ``<Tone/>`` as a
complete command but name no default; a single 440 Hz tone is this project's decision."""


@node_class
class Tone(Node):
    TAG = "Tone"
    DOC = "Plays tones (ring-back, beeps)."
    ALLOWS = _HANDLED
    IS_COMMAND = True
    hz: str = attr(
        "hz", t.HZ,
        "Frequencies in Hz. Default 440: our decision, since the docs write a bare <Tone/>.",
        TONE_DEFAULT_HZ,
    )  # fmt: skip
    don: int | None = attr("don", t.MS, "Tone on (ms).")
    doff: int | None = attr("doff", t.MS, "Tone off (ms).")
    volume: int | None = attr("volume", t.DECIBELS, "Volume in dB (0 loudest).", aliases=("v",))
    loop: int = attr("loop", t.COUNT, "How many times to play the on/off cycle.", 1)
    timeout: int = attr("timeout", t.MS, "Longest time the tone plays (ms).", 30000)
    leg: str | None = attr("leg", t.LEG, "Which leg hears it.")
    tag: str | None = tag_attr()


@node_class
class Record(Node):
    TAG = "Record"
    DOC = "Records the caller while its children run, until timeout, a dtmf_stop key or hang-up."
    ALLOWS = ("command", "meta", "error")
    IS_COMMAND = True
    tag: str | None = attr("tag", t.TEXT, "Names the recording (for Play record=).")
    asr: bool = attr("asr", t.BOOL, "Transcribe the recording.", False)
    timeout: int | None = attr("timeout", t.MS, "Longest recording (ms).")
    dtmf_stop: str | None = attr("dtmf_stop", t.DTMF_KEYS, "Keys that end the recording.")


@node_class
class RecordStart(Node):
    TAG = "RecordStart"
    DOC = "Starts recording in the background."
    ALLOWS = _HANDLED
    IS_COMMAND = True
    tag: str | None = attr("tag", t.TEXT, "Names the recording.")


@node_class
class RecordStop(Node):
    TAG = "RecordStop"
    DOC = "Stops a background recording."
    ALLOWS = _HANDLED
    IS_COMMAND = True
    tag: str | None = attr("tag", t.TEXT, "Names the recording.")


@node_class
class RecordWait(Node):
    TAG = "RecordWait"
    DOC = "Waits for a background recording to finish."
    ALLOWS = _HANDLED
    IS_COMMAND = True
    tag: str | None = attr("tag", t.TEXT, "Names the recording.")


@node_class
class Dial(Node):
    TAG = "Dial"
    DOC = (
        "Rings every To at once; the first to answer is bridged. When the callee hangs up the"
        " flow goes on; no answer from anyone is a failure."
    )
    ALLOWS = ("destination", "meta", "error")
    IS_COMMAND = True
    timeout: int = attr("timeout", t.MS, "Ring time (ms).", 30000)
    caller_id: str | None = attr("callerId", t.TEXT, "Caller ID shown to the callee.")
    tag: str | None = tag_attr()

    @property
    def targets(self) -> tuple[str, ...]:
        return tuple([c.content for c in self.children if isinstance(c, To)])


@node_class
class Callback(Node):
    TAG = "Callback"
    DOC = "Fetches a new document from url and runs it instead of the rest of this one."
    CONTENT = "mixed"
    ALLOWS = _HANDLED
    ALIASES = ("callback",)
    IS_COMMAND = True
    url: str | None = attr("url", t.URL, "Where to fetch the next document (absolute http(s)).")
    method: str = attr("method", t.METHOD, "HTTP method.", "GET")
    body: bool = attr("body", t.BOOL, "Send the call data as a JSON body.", False)
    timeout: int | None = attr("timeout", t.MS, "Request timeout (ms).")
    tag: str | None = tag_attr()


@node_class
class Curl(Node):
    TAG = "Curl"
    DOC = "Calls an HTTP endpoint and goes on; the answer does not change the flow."
    ALLOWS = _HANDLED
    IS_COMMAND = True
    url: str = attr("url", t.URL, "The endpoint (absolute http(s)).", "", required=True)
    method: str = attr("method", t.METHOD, "HTTP method.", "GET")
    timeout: int | None = attr("timeout", t.MS, "Request timeout (ms).")
    body: bool = attr("body", t.BOOL, "Send the call data as a JSON body.", False)
    tag: str | None = tag_attr()


@node_class
class Gather(Node):
    TAG = "Gather"
    DOC = "Collects DTMF digits, then runs the matching DTMF block, Default, or Error."
    ALLOWS = ("prompt", "branch", "switch", "meta", "error")
    IS_COMMAND = True
    dtmf_length: int = attr(
        "dtmf_length", t.COUNT, "How many digits to collect.", 1, aliases=("numDigits", "length")
    )
    dtmf_stop: str = attr(
        "dtmf_stop", t.STOP_KEY, "Key that ends input early.", "#", aliases=("finishOnKey",)
    )
    timeout: int = attr("timeout", t.MS, "Wait for input in one attempt (ms).", 10000)
    attempts: int = attr("attempts", t.COUNT, "How many times to prompt and wait.", 1)
    url: str | None = attr(
        "url", t.URL, "Send the digits here; the answer is the next document.",
        aliases=("callback",),
    )  # fmt: skip
    method: str = attr("method", t.GATHER_METHOD, "HTTP method for url.", "GET")
    tag: str | None = tag_attr()

    @property
    def prompts(self) -> tuple[Node, ...]:
        return tuple([c for c in self.children if isinstance(c, PROMPT_TYPES)])

    @property
    def branches(self) -> tuple[DTMF, ...]:
        return tuple([c for c in self.children if isinstance(c, DTMF)])

    @property
    def default(self) -> Default | None:
        for child in self.children:
            if isinstance(child, Default):
                return child
        return None


@node_class
class Call(Node):
    TAG = "Call"
    DOC = "Runs its children when the call's field equals value (numbers compare as numbers)."
    ALLOWS = ("command", "meta", "error")
    IS_COMMAND = True
    field: str = attr(
        "field", t.NAME, "A call field: from, to, direction, state...", "", required=True
    )
    value: str = attr("value", t.TEXT, "The value to compare with.", "", required=True)
    tag: str | None = tag_attr()


@node_class
class Geo(Node):
    TAG = "Geo"
    DOC = "Runs its children when the caller is located in one of states (and county)."
    ALLOWS = ("command", "meta", "error")
    IS_COMMAND = True
    states: tuple[str, ...] | None = attr("states", t.STATES, "US state codes.")
    county: str | None = attr("county", t.TEXT, "County name (needs states).")
    tag: str | None = tag_attr()


@node_class
class Schedule(Node):
    TAG = "Schedule"
    DOC = "Runs its children when the current day and time match (app time zone)."
    ALLOWS = ("command", "meta", "error")
    ALIASES = ("Scheduler",)
    IS_COMMAND = True
    dow: tuple[str, ...] | None = attr("dow", t.DOW, "Days of the week.")
    time: str | None = attr("time", t.TIME_RANGE, "Time window HH:MM:SS-HH:MM:SS, inclusive.")
    tag: str | None = tag_attr()


@node_class
class Response(Node):
    TAG = "Response"
    DOC = "The root: commands run top to bottom; when the last one has run the call hangs up."
    ALLOWS = ("command", "meta", "error")
    leading: tuple[Comment, ...] = ()
    """Comments before the root element."""
    trailing: tuple[Comment, ...] = ()
    """Comments after the root element."""
    schema_location: str | None = None
    """``xsi:noNamespaceSchemaLocation`` as written (for editors; no part of the grammar)."""


PROMPT_TYPES: tuple[type[Node], ...] = (Say, Play, Pause, Tone)

COMMAND_TYPES: tuple[type[Node], ...] = (
    Answer, Say, Play, Pause, Hangup, Hold, Unhold, Tone, Record, RecordStart, RecordStop,
    RecordWait, Dial, Callback, Curl, Gather, Call, Geo, Schedule,
)  # fmt: skip

GROUPS: dict[str, tuple[type[Node], ...]] = {
    "command": COMMAND_TYPES,
    "prompt": PROMPT_TYPES,
    "branch": (DTMF, Default),
    "destination": (To,),
    "meta": (Meta,),
    "error": (Error,),
    "switch": (),  # the old <Switch> wrapper: no model class, the parser dissolves it
}

ELEMENT_TYPES: tuple[type[Node], ...] = (
    Response, *COMMAND_TYPES, To, DTMF, Default, Error, Meta,
)  # fmt: skip


MAX_DEPTH = 64
"""Deepest element nesting of a document, ``Response`` being level 1 (comments do not count).
Real flows nest a handful of levels. The parser refuses deeper XML and the builder a deeper
build, so the rules, the serializer and the simulator, which recurse over the tree, never
meet one."""


def nesting(node: Node) -> int:
    """Levels of elements in ``node``'s subtree, ``node`` being level 1 (comments do not
    count); walked without recursion, so a tree of any depth can be measured."""
    deepest = 0
    stack = [(node, 1)]
    while stack:
        here, level = stack.pop()
        deepest = max(deepest, level)
        stack.extend((c, level + 1) for c in here.children if not isinstance(c, Comment))
    return deepest


def text_comments(cls: type[Node]) -> bool:
    """Whether comments before the first element child of ``cls`` sit in its text (Say, Play,
    To, Meta); a Callback's text is its url, written as the attribute."""
    return cls.CONTENT != "empty" and cls is not Callback


_ATTR_SPECS: dict[type[Node], dict[str, AttrSpec]] = {
    cls: {f.name: f.metadata["attr"] for f in dataclasses.fields(cls) if "attr" in f.metadata}
    for cls in (*ELEMENT_TYPES, Comment, Instruction)
}
