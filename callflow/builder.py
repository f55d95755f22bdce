"""Build call flows in Python: fluent methods, ``with`` blocks and plain constructors.

Two styles make the same immutable ``callflow.model`` tree::

    r = Response()
    r.say("Thanks for calling.")
    with r.gather(dtmf_length=1, timeout=8000) as g:
        g.say("For sales press 1.")
        g.dtmf("1").say("Connecting you.").dial("+15551234")
    r.hangup()
    print(r.to_xml(pretty=True))

    Response(Say("Hi"), Gather(Say("Press 1"), DTMF("1", Say("One")), dtmf_length=1), Hangup())

Conventions:

- Methods that add a *container* (``gather``, ``dtmf``, ``default``, ``error``, ``dial``,
  ``record``, ``call``, ``geo``, ``schedule``) return the new child, which is a context manager
  (``with`` only scopes the name: the child is already attached). Methods that add a *leaf*
  return ``self``, so calls chain. ``append(child)`` adds a ready-made child and returns ``self``.
- Keyword names are the model's Python field names (``dtmf_length``, ``caller_id``, ``field``).
  ``None`` means "not given". Values are checked by the attribute's type from the model, and a
  value equal to the default is still written when you pass it.
- Positional arguments: the element text (``Say``, ``Play``, ``To``), or the attributes without
  which the element means nothing (``DTMF`` value, ``Meta`` name and value, ``Call`` field and
  value, ``Tone`` hz, ``Callback``/``Curl`` url), then children. ``Dial`` takes destinations
  as strings (each becomes a ``To``).
- Element text is stored as the parser reads it back: stripped at both ends (the parser strips
  element text), so ``build()``, ``to_xml()`` and ``parse()`` agree. Attribute values are kept
  exactly. A comment is stored as `` text `` (stripped, one space each side, CR as LF, since
  XML cannot escape inside comments), so ``comment("a-")`` writes ``<!-- a- -->``.

Every mistake the grammar can see fails at the call that makes it, with ``BuildError`` naming
the rule: an unknown keyword, a value of the wrong type, a child the parent does not allow, a
missing required attribute, text XML 1.0 cannot hold. Rules across elements (duplicate DTMF
values, unreachable commands...) are the linter's: ``Response.build()`` and ``to_xml()`` run
its error rules (``callflow.build_check``) and name the call that made the offending node;
``Response.findings()`` lists its warnings and ``Response.lint()`` everything.

Which attributes and children each element has comes from ``callflow.model`` and
``callflow.grammar``; this module only precomputes per-class tables from them, once.
"""

from __future__ import annotations

import difflib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType, TracebackType
from typing import Any, ClassVar, Generic, NoReturn, Self, TypeAlias, TypeVar, cast

from callflow import build_check, serializer
from callflow import grammar as g
from callflow import model as m
from callflow import types as t
from callflow.construct import maker
from callflow.diagnostics import Finding

__all__ = [
    "DTMF", "Answer", "BuildError", "Call", "Callback", "Comment", "Curl", "Default", "Dial",
    "Element", "Error", "Gather", "Geo", "Hangup", "Hold", "Meta", "Pause", "Play", "Record",
    "RecordStart", "RecordStop", "RecordWait", "Response", "Say", "Schedule", "To", "Tone",
    "Unhold",
]  # fmt: skip

N = TypeVar("N", bound=m.Node)


class BuildError(ValueError):
    """A builder call broke a rule; the message names the element and the rule.

    ``codes`` lists the lint rules that fired when a semantic rule stopped ``build()`` or
    ``to_xml()`` (empty for a grammar mistake caught at the call itself).
    """

    def __init__(self, message: str, codes: tuple[str, ...] = ()) -> None:
        super().__init__(message)
        self.codes = codes


# ---- per-class tables, computed once from the model -----------------------------------------


@dataclass(frozen=True, slots=True)
class _Table:
    tag: str
    close: str
    """The end tag, ``</Tag>``."""
    checks: Mapping[str, tuple[m.AttrSpec, Callable[[Any], Any], int]]
    """Python field name -> (spec, its type's check, declaration index), so a call does no
    reflection; the index keeps the serializer's attribute order."""
    writers: Mapping[str, Callable[[Any], str]]
    """Field name -> writer of the attribute text."""
    required: tuple[str, ...]
    allowed: frozenset[type[m.Node]]
    """Child classes the grammar allows, plus Comment (comments may go anywhere)."""
    allowed_names: str
    content_check: Callable[[Any], Any] | None
    """Check of the element text, where the grammar types it (To)."""
    hints: Mapping[str, str]
    """Lower-cased XML names and aliases -> field name, for 'did you mean'."""
    started: dict[tuple[tuple[str, type, Any], ...], tuple[Mapping[str, Any], str]]
    """Keyword attributes (name, type, value) -> checked values and start tag (``_start``)."""
    texts: dict[str, tuple[Mapping[str, Any] | None, str]]
    """Element text given -> its content value and escaped text (``_read_text``)."""


_MEMO_LIMIT = 4096
"""Most distinct strings remembered per type: flows repeat the same URLs, keys and numbers."""


def _memo(fn: Callable[[Any], Any]) -> Callable[[Any], Any]:
    """``fn`` remembering its results for ``str`` and ``int`` arguments; failures are not kept.

    Only for pure functions with immutable results (type checks, escaping): the hot path
    then costs a dict lookup for the values a flow repeats.
    """
    cache: dict[Any, Any] = {}

    def memo(value: Any) -> Any:
        kind = type(value)
        if kind is not str and kind is not int:
            return fn(value)
        hit = cache.get(value)
        if hit is None:
            hit = fn(value)
            if len(cache) < _MEMO_LIMIT:
                cache[value] = hit
        return hit

    return memo


_CHECKERS: dict[t.AttrType, Callable[[Any], Any]] = {}


def _checker(ty: t.AttrType) -> Callable[[Any], Any]:
    """The type's check, made cheap without changing what it accepts (one per type)."""
    found = _CHECKERS.get(ty)
    if found is None:
        check = ty.check
        if type(ty) is t.AttrType and ty.base == "xs:string" and ty.pattern == r"[\s\S]*":

            def any_text(value: Any) -> Any:  # the type accepts any text: only test for str
                return value if type(value) is str else check(value)

            found = any_text
        else:
            found = _memo(check)
        _CHECKERS[ty] = found
    return found


def _writer(spec: m.AttrSpec) -> Callable[[Any], str]:
    """Value -> `` name="escaped text"``, as the serializer writes the attribute."""
    xml, fmt, escape = spec.xml, spec.type.format, serializer.escape_attr
    return _memo(lambda value: f' {xml}="{escape(fmt(value))}"')


_escape_text: Callable[[Any], str] = _memo(serializer.escape_text)
_INDENT = serializer.INDENT


def _table(cls: type[m.Node]) -> _Table:
    specs = cls.attr_specs()
    hints: dict[str, str] = {}
    for name, spec in specs.items():
        for spelling in (name, spec.xml, *spec.aliases):
            hints.setdefault(spelling.lower(), name)
    allowed = g.allowed_children(cls)
    return _Table(
        tag=cls.TAG,
        close=f"</{cls.TAG}>",
        checks=MappingProxyType(
            {n: (s, _checker(s.type), i) for i, (n, s) in enumerate(specs.items())}
        ),
        writers=MappingProxyType({n: _writer(s) for n, s in specs.items()}),
        required=tuple(n for n, s in specs.items() if s.required),
        allowed=frozenset((*allowed, m.Comment)),
        allowed_names=", ".join(c.TAG for c in allowed),
        content_check=_checker(cls.CONTENT_TYPE) if cls.CONTENT_TYPE else None,
        hints=MappingProxyType(hints),
        started={},
        texts={},
    )


_TABLES: dict[type[m.Node], _Table] = {cls: _table(cls) for cls in m.ELEMENT_TYPES}
_TEXT_COMMENTS = {cls.TAG: m.text_comments(cls) for cls in m.ELEMENT_TYPES}
"""Element tag -> whether a leading comment child is written in its text."""

# XML 1.0 Char production: tab, LF, CR and the ranges below; everything else cannot be written.
_XML_ILLEGAL = t.NOT_XML_CHAR


def _legal(where: str, text: str) -> str:
    bad = _XML_ILLEGAL.search(text)
    if bad is not None:
        raise BuildError(
            f"{where} contains U+{ord(bad.group()):04X} at index {bad.start()}:"
            " XML 1.0 cannot represent control characters other than tab, newline and CR"
        )
    return text


def _text(value: object, tag: str, what: str) -> str:
    """Element text as the parser gives it back: stripped at both ends."""
    if not isinstance(value, str):
        raise BuildError(f"{tag} {what} must be a str, not {type(value).__name__}")
    # Printable ASCII (most text) holds no character XML refuses: two C scans decide it.
    if not (value.isascii() and value.isprintable()) and _XML_ILLEGAL.search(value):
        _legal(f"{tag} {what}", value)
    return value.strip()


def _unknown(table: _Table, key: str) -> BuildError:
    field = table.hints.get(key.lower())
    if field is None:
        close = difflib.get_close_matches(key, list(table.checks), n=1, cutoff=0.6)
        field = close[0] if close else None
    if key == "content":
        hint = "pass the element text as the first positional argument"
    elif field is not None and field != key:
        hint = f"did you mean {field}?"
    elif table.checks:
        hint = "its attributes: " + ", ".join(table.checks)
    else:
        hint = "it takes no attributes"
    return BuildError(f"{table.tag} has no attribute {key!r} ({hint})")


def _check(table: _Table, attrs: dict[str, Any]) -> dict[str, Any]:
    """Validate keyword attributes against the model's specs; return canonical values."""
    values: dict[str, Any] = {}
    checks = table.checks
    last = -1
    ordered = True
    for key, value in attrs.items():
        if value is None:
            continue
        found = checks.get(key)
        if found is None:
            raise _unknown(table, key)
        spec, check, rank = found
        try:
            checked = check(value)
        except ValueError as exc:
            hint = ""
            if spec.type is t.MS and isinstance(value, str):
                hint = f" (durations are whole milliseconds, e.g. {key}=5000)"
            raise BuildError(f"{table.tag} {key}: {exc}{hint}") from None
        if type(checked) is str and _XML_ILLEGAL.search(checked):
            _legal(f"{table.tag} {key}", checked)
        values[key] = checked
        ordered = ordered and rank > last
        last = rank
    for key in table.required:
        if key not in values:
            raise BuildError(f"{table.tag} needs the attribute {key}")
    if not ordered:  # keep declaration order, so writing needs no sort
        values = dict(sorted(values.items(), key=lambda item: checks[item[0]][2]))
    return values


def _put(tag: str, attrs: dict[str, Any], key: str, value: Any) -> None:
    """Move a positional argument into the keyword attributes, refusing it twice."""
    if value is None:
        return
    if key in attrs:
        raise BuildError(f"{tag} {key} is given both positionally and as {key}=")
    attrs[key] = value


# ---- the builder nodes -------------------------------------------------------------------


class Comment:
    """An XML comment among the children: ``<!-- text -->``."""

    __slots__ = ("text",)
    MODEL: ClassVar[type[m.Node]] = m.Comment

    def __init__(self, text: str) -> None:
        body = _text(text, "Comment", "text")
        if "\r" in body:  # comments cannot escape CR, and XML reads a CR back as LF
            body = body.replace("\r\n", "\n").replace("\r", "\n")
        if "--" in body:
            raise BuildError("Comment cannot contain '--' (XML forbids it inside comments)")
        self.text = f" {body} "

    def build(self) -> m.Comment:
        return m.Comment(text=self.text)

    def _model(self, depth: int) -> m.Comment:  # a comment is no element level
        return self.build()

    def _write(self, out: list[str], pad: str, pretty: bool, depth: int) -> None:
        out.append(f"{pad}<!--{self.text}-->\n" if pretty else f"<!--{self.text}-->")


class _Fallback(Exception):
    """A model node among the children: let the serializer write the whole tree."""


class _TooDeep(Exception):
    """``element`` sits ``depth`` levels deep, past ``m.MAX_DEPTH``; turned into a
    ``BuildError`` naming the builder calls around it by ``_depth_error``."""

    def __init__(self, element: Element[Any] | _Frozen, depth: int) -> None:
        super().__init__(element, depth)
        self.element, self.depth = element, depth


class _Frozen:
    """A ready model node appended as a child (for example a parsed fragment)."""

    __slots__ = ("MODEL", "levels", "node")

    def __init__(self, node: m.Node) -> None:
        self.node = node
        self.MODEL = type(node)
        self.levels = 0
        """Element levels of ``node``'s subtree (``m.nesting``), measured on first use."""

    def _model(self, depth: int) -> m.Node:
        if not self.levels:
            self.levels = m.nesting(self.node)
        if depth + self.levels - 1 > m.MAX_DEPTH:
            raise _TooDeep(self, depth + self.levels - 1)
        return self.node

    def _write(self, out: list[str], pad: str, pretty: bool, depth: int) -> None:
        raise _Fallback


_ChildArg: TypeAlias = "Element[Any] | Comment | m.Node"
"""What a constructor or method accepts as a child: a builder, a Comment or a model node."""

_Child: TypeAlias = "Element[Any] | Comment | _Frozen"

_NO_VALUES: Mapping[str, Any] = MappingProxyType({})
_MAX_DEPTH = m.MAX_DEPTH

_Started: TypeAlias = tuple[Mapping[str, Any], str]


def _start(el: Element[Any], table: _Table, attrs: dict[str, Any]) -> _Started:
    """Checked attribute values and the start tag (still open) of an element.

    Remembered per keyword set, with each value's type in the key (``True == 1`` in Python,
    but ``length=True`` is refused): flows repeat the same attributes (``timeout=25000``,
    ``dtmf_length=1``) even when their texts are new. The values are read-only and shared.
    """
    memo = table.started
    try:
        key = tuple([(k, v.__class__, v) for k, v in attrs.items()])
        hit = memo.get(key)
    except TypeError:  # an unhashable value (a list of days): check it every time
        key, hit = None, None
    if hit is not None:
        return hit
    values = _check(table, attrs)
    writers = table.writers
    head = el._EMPTY
    for name, value in values.items():
        head += writers[name](value)
    started: _Started = (MappingProxyType(values), head)
    # Only scalar values are keys: a tuple compares its items by ==, so (True,) == (1,).
    if key is not None and len(memo) < _MEMO_LIMIT and all(c in _SCALAR for _, c, _ in key):
        memo[key] = started
    return started


_SCALAR = frozenset({str, int, bool, type(None)})


_Text: TypeAlias = tuple[Mapping[str, Any] | None, str]


def _read_text(table: _Table, what: str, value: object) -> _Text:
    """Checked element text as ``({"content": text}, escaped)``, or ``(None, "")`` for none.

    Remembered per string, as ``_start`` remembers attributes: a flow repeats its texts.
    """
    text = _text(value, table.tag, what)
    if table.content_check is not None:
        try:
            text = table.content_check(text)
        except ValueError as exc:
            raise BuildError(f"{table.tag} {what}: {exc}") from None
    read: _Text = (MappingProxyType({"content": text}), _escape_text(text)) if text else (None, "")
    if type(value) is str and len(table.texts) < _MEMO_LIMIT:
        table.texts[value] = read
    return read


class Element(Generic[N]):
    """Base of the builder nodes: checked attribute values plus child builders.

    Mutable while you build; ``build()`` freezes it into the model. Every element method is
    defined here and the grammar decides at the call whether the child fits, so a misplaced
    element gets the same message from every style. The start tag is written once, when the
    element is made (its attributes cannot change afterwards), so ``to_xml()`` only joins.
    """

    __slots__ = ("_children", "_head", "_text", "_values")
    MODEL: ClassVar[type[m.Node]]
    _TABLE: ClassVar[_Table]
    _CLOSE: ClassVar[str]
    _EMPTY: ClassVar[str]
    """``<Tag`` (the start tag of an element given no attributes, still open)."""

    def __init_subclass__(cls, model: type[m.Node] | None = None, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if model is not None:
            cls.MODEL = model
            cls._TABLE = table = _TABLES[model]
            cls._CLOSE = table.close
            cls._EMPTY = "<" + table.tag

    def __init__(self, children: tuple[Any, ...], attrs: dict[str, Any]) -> None:
        table = self._TABLE
        if attrs or table.required:
            self._values, self._head = _start(self, table, attrs)
        else:
            self._values = _NO_VALUES
            self._head = self._EMPTY
        self._text = ""
        """The element text, escaped ('' for none)."""
        self._children: list[_Child] = []
        for child in children:
            self.append(child)

    def _content(self, what: str, value: object) -> None:
        table = self._TABLE
        hit = table.texts.get(value) if type(value) is str else None
        if hit is None:
            hit = _read_text(table, what, value)
        alone, escaped = hit
        if alone is not None:  # values may be shared (see _start): never changed in place
            values = self._values
            self._values = alone if values is _NO_VALUES else {**values, **alone}
            self._text = escaped

    # -- structure --

    def append(self, child: _ChildArg) -> Self:
        """Add a ready-made child and return self. Model nodes are taken as they are."""
        if isinstance(child, (Element, Comment)):
            self._attach(child)
        elif isinstance(child, m.Node):
            self._attach(_Frozen(child))
        else:
            raise BuildError(
                f"children of {self._TABLE.tag} must be elements such as Say(...), not"
                f" {type(child).__name__} {child!r}"
            )
        return self

    def _attach(self, child: _Child) -> None:
        if child.MODEL not in self._TABLE.allowed:
            self._misplaced(child.MODEL)
        self._children.append(child)

    def _misplaced(self, model: type[m.Node]) -> NoReturn:
        table = self._TABLE
        where = f"allowed: {table.allowed_names}" if table.allowed_names else "it holds none"
        raise BuildError(f"{model.TAG} is not allowed inside {table.tag} ({where})")

    def _leaf(self, child: Element[Any] | Comment) -> Self:
        if child.MODEL not in self._TABLE.allowed:
            self._misplaced(child.MODEL)
        self._children.append(child)
        return self

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        return None

    def __repr__(self) -> str:
        attrs = ", ".join(f"{k}={v!r}" for k, v in self._values.items())
        return f"<{type(self).__name__}({attrs}) with {len(self._children)} children>"

    # -- output --

    def build(self) -> N:
        """The immutable model node (and its subtree)."""
        return cast(N, self._checked_model())

    def _checked_model(self) -> m.Node:
        """``_model`` from this element (level 1), a tree too deep refused by name."""
        try:
            return self._model(1)
        except _TooDeep as exc:
            raise _depth_error(self, exc) from None

    def _model(self, depth: int) -> m.Node:
        if depth > _MAX_DEPTH:
            raise _TooDeep(self, depth)
        values = self._values
        below = depth + 1
        children = tuple([c._model(below) for c in self._children])
        make = maker(self.MODEL)  # the parser's constructor: the same node either way
        node: m.Node = make(children, None, None, frozenset(values), values)
        return node

    def to_xml(self, *, pretty: bool = True, declaration: bool = True) -> str:
        """The XML text, exactly as ``callflow.serializer.to_xml(self.build())`` writes it."""
        return self._xml(pretty, declaration)[0]

    def _xml(self, pretty: bool, declaration: bool) -> tuple[str, bool]:
        """The text, and whether this builder wrote it (False: the serializer did, because a
        model node is among the children).

        Written straight from the builder (the model round trip would double the cost on the
        hot path); a property test keeps the two writers identical.
        """
        out: list[str] = []
        if declaration:  # the serializer's own constants, so the two writers cannot drift
            out.append(serializer.DECLARATION + "\n" if pretty else serializer.DECLARATION)
        try:
            self._write(out, "", pretty, 1)
        except _Fallback:
            model = self._checked_model()
            return serializer.to_xml(model, pretty=pretty, declaration=declaration), False
        except _TooDeep as exc:
            raise _depth_error(self, exc) from None
        return "".join(out), True

    def _write(self, out: list[str], pad: str, pretty: bool, depth: int) -> None:
        if depth > _MAX_DEPTH:
            raise _TooDeep(self, depth)
        kids = self._children
        text = self._text
        if kids and isinstance(kids[0], Comment) and _TEXT_COMMENTS[self._TABLE.tag]:
            raise _Fallback  # a comment in the text: the serializer places it (Comment.at)
        if not pretty:
            if not kids:
                out.append(f"{self._head}>{text}{self._CLOSE}" if text else self._head + "/>")
                return
            out.append(f"{self._head}>{text}")
            below = depth + 1
            for child in kids:
                child._write(out, "", False, below)
            out.append(self._CLOSE)
            return
        if not kids:
            if text:
                out.append(f"{pad}{self._head}>{text}{self._CLOSE}\n")
            else:
                out.append(f"{pad}{self._head}/>\n")
            return
        out.append(f"{pad}{self._head}>{text}\n")
        inner = pad + _INDENT
        below = depth + 1
        for child in kids:
            child._write(out, inner, True, below)
        out.append(f"{pad}{self._CLOSE}\n")

    # -- leaves: add a child and return self --

    def answer(self, *children: _ChildArg, **attrs: Any) -> Self:
        return self._leaf(Answer(*children, **attrs))

    def say(self, content: str | None = None, /, *children: _ChildArg, **attrs: Any) -> Self:
        return self._leaf(Say(content, *children, **attrs))

    def play(self, content: str | None = None, /, *children: _ChildArg, **attrs: Any) -> Self:
        return self._leaf(Play(content, *children, **attrs))

    def pause(self, *children: _ChildArg, **attrs: Any) -> Self:
        return self._leaf(Pause(*children, **attrs))

    def hangup(self, *children: _ChildArg, **attrs: Any) -> Self:
        return self._leaf(Hangup(*children, **attrs))

    def hold(self, *children: _ChildArg, **attrs: Any) -> Self:
        return self._leaf(Hold(*children, **attrs))

    def unhold(self, *children: _ChildArg, **attrs: Any) -> Self:
        return self._leaf(Unhold(*children, **attrs))

    def tone(self, hz: str | None = None, /, *children: _ChildArg, **attrs: Any) -> Self:
        return self._leaf(Tone(hz, *children, **attrs))

    def record_start(self, *children: _ChildArg, **attrs: Any) -> Self:
        return self._leaf(RecordStart(*children, **attrs))

    def record_stop(self, *children: _ChildArg, **attrs: Any) -> Self:
        return self._leaf(RecordStop(*children, **attrs))

    def record_wait(self, *children: _ChildArg, **attrs: Any) -> Self:
        return self._leaf(RecordWait(*children, **attrs))

    def to(self, destination: str, /, **attrs: Any) -> Self:
        return self._leaf(To(destination, **attrs))

    def callback(self, url: str | None = None, /, *children: _ChildArg, **attrs: Any) -> Self:
        return self._leaf(Callback(url, *children, **attrs))

    def curl(self, url: str | None = None, /, *children: _ChildArg, **attrs: Any) -> Self:
        return self._leaf(Curl(url, *children, **attrs))

    def meta(
        self,
        name: str | None = None,
        value: str | None = None,
        /,
        *,
        content: str | None = None,
        **attrs: Any,
    ) -> Self:
        return self._leaf(Meta(name, value, content=content, **attrs))

    def comment(self, text: str) -> Self:
        return self._leaf(Comment(text))

    # -- containers: add a child and return it --

    def gather(self, *children: _ChildArg, **attrs: Any) -> Gather:
        child = Gather(*children, **attrs)
        self._attach(child)
        return child

    def dtmf(self, value: str | None = None, /, *children: _ChildArg, **attrs: Any) -> DTMF:
        child = DTMF(value, *children, **attrs)
        self._attach(child)
        return child

    def default(self, *children: _ChildArg, **attrs: Any) -> Default:
        child = Default(*children, **attrs)
        self._attach(child)
        return child

    def error(self, *children: _ChildArg, **attrs: Any) -> Error:
        child = Error(*children, **attrs)
        self._attach(child)
        return child

    def dial(self, *children: _ChildArg | str, **attrs: Any) -> Dial:
        child = Dial(*children, **attrs)
        self._attach(child)
        return child

    def record(self, *children: _ChildArg, **attrs: Any) -> Record:
        child = Record(*children, **attrs)
        self._attach(child)
        return child

    def call(
        self,
        field: str | None = None,
        value: str | None = None,
        /,
        *children: _ChildArg,
        **attrs: Any,
    ) -> Call:
        child = Call(field, value, *children, **attrs)
        self._attach(child)
        return child

    def geo(self, *children: _ChildArg, **attrs: Any) -> Geo:
        child = Geo(*children, **attrs)
        self._attach(child)
        return child

    def schedule(self, *children: _ChildArg, **attrs: Any) -> Schedule:
        child = Schedule(*children, **attrs)
        self._attach(child)
        return child


# ---- one class per element ---------------------------------------------------------------
# Elements whose only arguments are children and keyword attributes share ``Element``'s
# constructor through ``_Plain``; the others map their positional arguments first.


class _Plain(Element[N]):
    __slots__ = ()

    def __init__(self, *children: _ChildArg, **attrs: Any) -> None:
        Element.__init__(self, children, attrs)


class Response(_Plain[m.Response], model=m.Response):
    """The document root. ``str(r)`` is its pretty XML.

    ``build()`` and ``to_xml()`` run the linter's error rules (duplicate DTMF values, a
    command after Hangup, a Dial with no destination...) and raise ``BuildError`` naming the
    rule and the builder call that made the node; ``check=False`` skips them. Warnings do not
    stop a build: ``findings()`` lists them.
    """

    __slots__ = ()

    def build(self, *, check: bool = True) -> m.Response:
        """The immutable model; with ``check``, refused if an error rule fires."""
        model = cast(m.Response, self._checked_model())
        if check:
            self._verify(model)
        return model

    def to_xml(self, *, pretty: bool = True, declaration: bool = True, check: bool = True) -> str:
        """The XML text (as ``callflow.serializer`` writes it); with ``check``, refused if an
        error rule fires. A text found clean before is not checked again."""
        text, own = self._xml(pretty, declaration)
        # Only text this builder wrote itself identifies its model: an appended model node
        # may carry alias spellings that a rule reads but the canonical text does not show.
        if check and not (own and build_check.known_clean(text)):
            self._verify(cast(m.Response, self._checked_model()))
            if own:
                build_check.remember_clean(text)
        return text

    def _verify(self, model: m.Response) -> None:
        hits = build_check.errors(model)
        if hits:
            message = build_check.explain(hits, lambda node: _made_by(self, model, node))
            raise BuildError(message, tuple(rule.code for rule, _ in hits))

    def __str__(self) -> str:
        return self.to_xml()

    def lint(self) -> list[Finding]:
        """Every finding of the linter (errors too), positioned in ``to_xml(pretty=True)``."""
        from callflow.lint import lint_source  # the linter is heavier: load it on first use

        return lint_source(self.build(check=False))

    def findings(self) -> list[Finding]:
        """The warnings (and notes) of the linter: what does not stop a build."""
        return [f for f in self.lint() if f.severity != "error"]


def _short(value: object) -> str:
    text = repr(value)
    return text if len(text) <= 42 else text[:38] + "...'"


def _call(el: _Child | None, node: m.Node) -> str:
    """The builder call that made ``node``, as the user could have written it."""
    if isinstance(el, Element):
        return _element_call(el)
    if isinstance(el, _Frozen):
        return f"the model node <{node.TAG}> given to append()"
    return f"<{node.TAG}>"


def _element_call(el: Element[Any]) -> str:
    values = el._values
    args = [_short(values["content"])] if "content" in values else []
    args += [f"{k}={_short(v)}" for k, v in values.items() if k != "content"]
    return f"{type(el).__name__}({', '.join(args)})"


def _trail(
    el: _Child | None, node: m.Node, target: m.Node
) -> list[tuple[_Child | None, m.Node, int]] | None:
    """The builder elements (None inside an appended model node) and model nodes from
    ``node`` down to ``target``, each with the 1-based index of the child taken."""
    if node is target:
        return [(el, node, 0)]
    kids = el._children if isinstance(el, Element) else None
    for i, child in enumerate(node.children):
        below = _trail(kids[i] if kids is not None else None, child, target)
        if below is not None:
            return [(el, node, i + 1), *below]
    return None


def _depth_error(top: Element[Any], exc: _TooDeep) -> BuildError:
    """``BuildError`` for an element nested past ``m.MAX_DEPTH``: the call that made it and
    the calls around it, found without recursion (the tree is too deep for that)."""
    loop = _cycle(top)
    if loop is not None:
        inner, outer = loop
        return BuildError(
            f"{_element_call(inner)} is inside itself: it was appended to"
            f" {_element_call(outer)}, which it holds (a document is a tree)"
        )
    target = exc.element
    if isinstance(target, _Frozen):
        what = f"{_call(target, target.node)} (its elements nest {target.levels} deep)"
    else:
        what = _element_call(target)
    path = _path_to(top, target)
    where = [f"child {i} of {_element_call(el)}" for el, i in reversed(path[-3:])]
    if len(path) > 3:
        where.append(f"... {len(path) - 3} more levels up to {_element_call(top)}")
    return BuildError(
        f"{', '.join([what, *where])}: elements nest {exc.depth} deep"
        f" ({top._TABLE.tag} is level 1); the limit is {_MAX_DEPTH}, as for a parsed document"
        " (callflow.model.MAX_DEPTH)"
    )


def _cycle(top: Element[Any]) -> tuple[Element[Any], Element[Any]] | None:
    """An element appended (directly or further down) into itself: (it, the element it was
    appended to); None when the elements form a tree. Walked with a stack."""
    holding: set[int] = set()  # the elements on the path from ``top`` to the current one
    done: set[int] = set()
    stack: list[tuple[Element[Any], int]] = [(top, 0)]
    holding.add(id(top))
    while stack:
        el, i = stack[-1]
        kids = el._children
        if i == len(kids):
            stack.pop()
            holding.discard(id(el))
            done.add(id(el))
            continue
        stack[-1] = (el, i + 1)
        child = kids[i]
        if not isinstance(child, Element) or id(child) in done:
            continue
        if id(child) in holding:
            return child, el
        holding.add(id(child))
        stack.append((child, 0))
    return None


def _path_to(top: Element[Any], target: _Child) -> list[tuple[Element[Any], int]]:
    """The elements from ``top`` down to ``target``'s parent, each with the 1-based index of
    the child taken; walked with a stack, as the tree may be deeper than Python recurses."""
    parent: dict[int, tuple[Element[Any], int]] = {}
    stack: list[Element[Any]] = [top]
    while stack and id(target) not in parent:
        el = stack.pop()
        for i, child in enumerate(el._children, 1):
            if id(child) not in parent and child is not top:  # an element inside itself
                parent[id(child)] = (el, i)
                if isinstance(child, Element):
                    stack.append(child)
    path: list[tuple[Element[Any], int]] = []
    at: object = target
    while id(at) in parent and len(path) <= _MAX_DEPTH:
        el, i = parent[id(at)]
        path.append((el, i))
        at = el
    return path[::-1]


def _made_by(root: Response, model: m.Response, target: m.Node) -> str:
    """``Say('Bye'), child 3 of Response``: the call that made ``target`` and where it sits."""
    trail = _trail(root, model, target)
    if trail is None:  # a rule reported a node outside the document: name it as it is
        return f"<{target.TAG}>"
    (el, node, _), above = trail[-1], trail[:-1]
    where = [f"child {i} of {_call(e, n)}" for e, n, i in reversed(above)]
    return ", ".join([_call(el, node), *where])


class Answer(_Plain[m.Answer], model=m.Answer):
    __slots__ = ()


class Pause(_Plain[m.Pause], model=m.Pause):
    __slots__ = ()


class Hangup(_Plain[m.Hangup], model=m.Hangup):
    __slots__ = ()


class Hold(_Plain[m.Hold], model=m.Hold):
    __slots__ = ()


class Unhold(_Plain[m.Unhold], model=m.Unhold):
    __slots__ = ()


class RecordStart(_Plain[m.RecordStart], model=m.RecordStart):
    __slots__ = ()


class RecordStop(_Plain[m.RecordStop], model=m.RecordStop):
    __slots__ = ()


class RecordWait(_Plain[m.RecordWait], model=m.RecordWait):
    __slots__ = ()


class Record(_Plain[m.Record], model=m.Record):
    __slots__ = ()


class Gather(_Plain[m.Gather], model=m.Gather):
    __slots__ = ()


class Default(_Plain[m.Default], model=m.Default):
    __slots__ = ()


class Error(_Plain[m.Error], model=m.Error):
    __slots__ = ()


class Geo(_Plain[m.Geo], model=m.Geo):
    __slots__ = ()


class Schedule(_Plain[m.Schedule], model=m.Schedule):
    __slots__ = ()


class Say(Element[m.Say], model=m.Say):
    """``Say("text")`` writes element text; ``Say(text="...")`` writes the attribute."""

    __slots__ = ()

    def __init__(self, content: str | None = None, /, *children: _ChildArg, **attrs: Any) -> None:
        Element.__init__(self, children, attrs)
        if content is not None:
            self._content("text", content)


class Play(Element[m.Play], model=m.Play):
    """``Play("https://.../a.mp3")`` writes the URL as element text; or ``url=``/``record=``."""

    __slots__ = ()

    def __init__(self, content: str | None = None, /, *children: _ChildArg, **attrs: Any) -> None:
        Element.__init__(self, children, attrs)
        if content is not None:
            self._content("url", content)


class To(Element[m.To], model=m.To):
    """A Dial destination: ``To("+15551234")``, ``To("sip:desk@pbx.example.com")``."""

    __slots__ = ()

    def __init__(self, destination: str, /, **attrs: Any) -> None:
        Element.__init__(self, (), attrs)
        self._content("destination", destination)


class Meta(Element[m.Meta], model=m.Meta):
    """``Meta("name", "value")``, or ``Meta("name", content="multi-line text")``."""

    __slots__ = ()

    def __init__(
        self,
        name: str | None = None,
        value: str | None = None,
        /,
        *,
        content: str | None = None,
        **attrs: Any,
    ) -> None:
        _put("Meta", attrs, "name", name)
        _put("Meta", attrs, "value", value)
        Element.__init__(self, (), attrs)
        if content is not None:
            self._content("text", content)


class DTMF(Element[m.DTMF], model=m.DTMF):
    """A Gather branch: ``DTMF("1", Say("Sales"))``."""

    __slots__ = ()

    def __init__(self, value: str | None = None, /, *children: _ChildArg, **attrs: Any) -> None:
        _put("DTMF", attrs, "value", value)
        Element.__init__(self, children, attrs)


class Tone(Element[m.Tone], model=m.Tone):
    """``Tone("440,480", don=2000, doff=4000)``."""

    __slots__ = ()

    def __init__(self, hz: str | None = None, /, *children: _ChildArg, **attrs: Any) -> None:
        _put("Tone", attrs, "hz", hz)
        Element.__init__(self, children, attrs)


class Callback(Element[m.Callback], model=m.Callback):
    """``Callback("https://ivr.example.com/next", Error(...), method="POST")``."""

    __slots__ = ()

    def __init__(self, url: str | None = None, /, *children: _ChildArg, **attrs: Any) -> None:
        _put("Callback", attrs, "url", url)
        Element.__init__(self, children, attrs)


class Curl(Element[m.Curl], model=m.Curl):
    """``Curl("https://crm.example.com/hook", method="POST", body=True)``."""

    __slots__ = ()

    def __init__(self, url: str | None = None, /, *children: _ChildArg, **attrs: Any) -> None:
        _put("Curl", attrs, "url", url)
        Element.__init__(self, children, attrs)


class Call(Element[m.Call], model=m.Call):
    """Runs its children when a call field equals a value: ``Call("direction", "inbound")``."""

    __slots__ = ()

    def __init__(
        self,
        field: str | None = None,
        value: str | None = None,
        /,
        *children: _ChildArg,
        **attrs: Any,
    ) -> None:
        _put("Call", attrs, "field", field)
        _put("Call", attrs, "value", value)
        Element.__init__(self, children, attrs)


class Dial(Element[m.Dial], model=m.Dial):
    """``Dial("+15551234", "sip:desk@pbx.example.com", timeout=20000)``: strings become To."""

    __slots__ = ()

    def __init__(self, *children: _ChildArg | str, **attrs: Any) -> None:
        Element.__init__(self, (), attrs)
        for child in children:
            self.append(To(child) if isinstance(child, str) else child)
