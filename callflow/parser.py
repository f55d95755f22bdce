"""XML text -> model: safe lxml parsing, XSD validation, alias normalisation, positions.

This is the one place where aliases are settled: ``<Sip>`` becomes ``To``, ``numDigits`` becomes
``dtmf_length``, ``<Switch><Case>`` becomes ``DTMF`` blocks. What the source actually said is
kept in each node's ``spelling`` so the linter can warn and ``fmt`` can rewrite.
"""

from __future__ import annotations

import bisect
import os
import re
from dataclasses import dataclass, field
from functools import cache
from itertools import chain
from typing import Any

from lxml import etree

from callflow import convert, positions, schema
from callflow import grammar as g
from callflow import model as m
from callflow.decoding import decode_for_display
from callflow.diagnostics import Finding, RuleInfo
from callflow.fsio import TooLarge, read_regular
from callflow.lazyre import lazy_compile
from callflow.model import MAX_DEPTH  # the one limit, the builder's too

MAX_BYTES = 10 * 1024 * 1024
"""Largest document read (10 MiB); real call flows are a few KiB."""
MAX_NODES = 100_000
"""Most elements and comments accepted; real flows have a few hundred. Checked right after
the XML parse, so a wide document costs no more than a large one (building a model of a
million elements takes seconds and a gigabyte)."""

NOT_WELL_FORMED = RuleInfo("CF001", "not-well-formed", "error", "The file is not well-formed XML.")
WRONG_ROOT = RuleInfo("CF002", "wrong-root", "error", "The root element must be <Response>.")
UNKNOWN_ELEMENT = RuleInfo("CF003", "unknown-element", "error", "Not an Opentact element.")
MISPLACED_ELEMENT = RuleInfo(
    "CF004", "misplaced-element", "error", "An element where the grammar does not allow it."
)
UNKNOWN_ATTRIBUTE = RuleInfo(
    "CF005", "unknown-attribute", "error", "An attribute the element does not have."
)
BAD_VALUE = RuleInfo("CF006", "bad-value", "error", "An attribute or text value of the wrong type.")
MISSING_ATTRIBUTE = RuleInfo(
    "CF007", "missing-attribute", "error", "A required attribute is missing."
)
SCHEMA_OTHER = RuleInfo("CF008", "schema", "error", "Any other breach of the XSD grammar.")
UNSAFE_XML = RuleInfo(
    "CF009", "unsafe-xml", "error", "DTDs and entity declarations are refused (XXE, entity bombs)."
)
TOO_LARGE = RuleInfo("CF010", "too-large", "error", "The document is too large or too deep.")
UNREADABLE = RuleInfo("CF011", "unreadable", "error", "The file cannot be read.")

PARSE_RULES: tuple[RuleInfo, ...] = (
    NOT_WELL_FORMED, WRONG_ROOT, UNKNOWN_ELEMENT, MISPLACED_ELEMENT, UNKNOWN_ATTRIBUTE, BAD_VALUE,
    MISSING_ATTRIBUTE, SCHEMA_OTHER, UNSAFE_XML, TOO_LARGE, UNREADABLE,
)  # fmt: skip

# Names other dialects use for what Opentact calls something else: suggestions, not aliases.
_DIALECT_HINTS: dict[str, str] = {
    "Speak": "Say", "Number": "To", "Redirect": "Callback", "Reject": "Hangup",
    "GetDigits": "Gather", "Wait": "Pause", "Hold": "Hold", "Conference": "Dial",
    "voice": "gender", "language": "lang", "numdigits": "dtmf_length", "action": "url",
    "finishonkey": "dtmf_stop", "maxLength": "timeout", "playBeep": "",
}  # fmt: skip


class ParseError(Exception):
    """The document could not be turned into a model; ``findings`` say why and where."""

    def __init__(self, findings: list[Finding], text: str = "") -> None:
        self.findings = findings
        self.text = text
        """The decoded source, when it could be decoded (for positions and ``fmt``)."""
        super().__init__("\n".join(f.render() for f in findings))


@dataclass
class Loaded:
    """The outcome of reading one document: a model when it is valid, and the findings."""

    model: m.Response | None
    findings: list[Finding] = field(default_factory=list)
    text: str = ""
    """The decoded source, for positions of attributes and for ``fmt``."""
    file: str | None = None


def _finding(info: RuleInfo, message: str, file: str | None, line: int, col: int = 1,
             hint: str | None = None) -> Finding:  # fmt: skip
    return Finding(info.code, info.severity, message, file, max(line, 1), max(col, 1), hint)


class DocumentTooLarge(OSError):
    """A file over ``MAX_BYTES``: reported as too large (CF010), not as unreadable."""


def read_bytes(path: str | os.PathLike[str]) -> bytes:
    """Read a document file (``fsio.read_regular``: a FIFO or device is refused, never
    awaited), refusing one over ``MAX_BYTES`` as ``DocumentTooLarge``."""
    try:
        return read_regular(path, MAX_BYTES, refuse=True)
    except TooLarge as exc:
        message = f"{os.fspath(path)} is {exc.size} bytes; the limit is {exc.limit}"
        raise DocumentTooLarge(message) from None


def _decode(data: bytes, encoding: str | None) -> str:
    """The text of a document libxml2 parsed (or refused), for positions and messages; the
    encoding is found as for every HTTP answer (``callflow.decoding``)."""
    return decode_for_display(data, override=encoding)


class _NoExternal(etree.Resolver):
    """Answers every request for an external DTD or entity with nothing.

    Even with ``resolve_entities=False`` and ``load_dtd=False``, libxml2 opens the file of a
    parameter entity (``<!ENTITY % p SYSTEM "file:///etc/passwd"> %p;``) and of an external
    DTD. Such documents are refused anyway (CF009), but the file must not even be read.
    """

    # lxml calls resolve(url, public_id, context); lxml-stubs leave out the context.
    def resolve(self, system_url: str, public_id: str, context: Any) -> Any:  # type: ignore[override]
        return self.resolve_string("", context)  # type: ignore[call-arg]


def _make_parser(encoding: str | None = None, keep_pis: bool = False) -> etree.XMLParser:
    parser = etree.XMLParser(
        encoding=encoding,
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_pis=not keep_pis,
        collect_ids=False,
    )
    parser.resolvers.add(_NoExternal())
    return parser


_PARSER = _make_parser()


@cache
def _parser_for(encoding: str | None, keep_pis: bool = False) -> etree.XMLParser:
    """The parser for an encoding known in advance (it overrides the XML declaration)."""
    if encoding is None and not keep_pis:
        return _PARSER
    return _make_parser(encoding, keep_pis)


def load(source: str | bytes | os.PathLike[str], file: str | None = None) -> Loaded:
    """Read, validate and convert one document, collecting findings instead of raising.

    ``source`` is a path, XML text (a ``str`` starting with ``<``) or raw bytes.
    """
    if isinstance(source, os.PathLike) or (
        isinstance(source, str) and not source.lstrip("\ufeff \t\r\n").startswith("<")
    ):
        return load_file(source, file)
    if isinstance(source, str):
        # The characters are already decoded: an encoding named in the XML declaration
        # (ISO-8859-1, UTF-16...) no longer applies, so the text is parsed as UTF-8.
        return load_bytes(source.lstrip("\ufeff").encode("utf-8"), file, encoding="utf-8")
    return load_bytes(source, file)


def load_file(path: str | os.PathLike[str], file: str | None = None) -> Loaded:
    """As ``load``, for a path given as such (even a name that starts with ``<``)."""
    file = file or os.fspath(path)
    try:
        data = read_bytes(path)
    except DocumentTooLarge as exc:
        return Loaded(None, [_finding(TOO_LARGE, str(exc), file, 1)], file=file)
    except OSError as exc:
        reason = exc.strerror or str(exc)
        return Loaded(None, [_finding(UNREADABLE, f"cannot read: {reason}", file, 1)], file=file)
    return load_bytes(data, file)


def read_tree(
    data: bytes, file: str | None = None, encoding: str | None = None, *, keep_pis: bool = False
) -> SourceTree:
    """Parse a document of any XML dialect with every safety rule and limit of this module.

    Size, well-formedness, no DTD or entities, no network or local file, node count and
    nesting depth; raises ``ParseError`` with the finding. The Opentact reader (``load``) and
    the TwiML importer both start here, so their inputs are read equally safely.
    ``keep_pis`` keeps processing instructions in the tree (the Opentact reader keeps them
    on the model, so ``fmt`` writes them back).
    """
    if len(data) > MAX_BYTES:
        msg = f"document is {len(data)} bytes; the limit is {MAX_BYTES}"
        raise ParseError([_finding(TOO_LARGE, msg, file, 1)])
    try:
        root: Any = etree.fromstring(data, _parser_for(encoding, keep_pis))
    except etree.XMLSyntaxError as exc:
        text = _decode(data, encoding)
        # A DTD is refused whatever else is wrong: an entity bomb fails here, not in _unsafe.
        dtd = _dtd_finding(text, file)
        raise ParseError([dtd or _syntax_finding(exc, file, text)], text) from None
    tree = root.getroottree()
    text = _decode(data, encoding)
    doc = SourceTree(root, text, file)
    refused = (
        _unsafe(tree, text, file)
        or _count_finding(root, file, len(data))
        or _depth_finding(root, doc, file)
    )
    if refused:
        raise ParseError([refused], text)
    return doc


def load_bytes(data: bytes, file: str | None = None, encoding: str | None = None) -> Loaded:
    """As ``load``, for bytes already read. ``encoding`` overrides the XML declaration."""
    try:
        builder = read_tree(data, file, encoding, keep_pis=True)
    except ParseError as exc:
        return Loaded(None, exc.findings, text=exc.text, file=file)
    root, text, tree = builder.root, builder.text, builder.root.getroottree()
    if root.tag != "Response":
        name = root.tag if isinstance(root.tag, str) else "?"
        msg = f"root element must be Response, not {name}"
        at = builder.pos(root)
        hint = _suggest(name, ["Response"])  # <response>: names are case-sensitive
        finding = _finding(WRONG_ROOT, msg, file, at.line, at.col, hint)
        return Loaded(None, [finding], text=text, file=file)
    validator = schema.xml_schema()
    if not validator.validate(tree):
        errors: list[Any] = list(iter(validator.error_log))  # type: ignore[call-overload]
        findings = [_schema_finding(e, tree, builder, file) for e in errors]
        return Loaded(None, _dedupe(findings), text=text, file=file)
    try:
        model = convert.response(root, text, file)
    except convert.BadValue as exc:
        line, col = builder.attr_pos(exc.element, exc.attr)
        return Loaded(None, [_finding(BAD_VALUE, str(exc), file, line, col)], text=text, file=file)
    except convert.MissingAttribute as exc:
        at = builder.pos(exc.element)
        finding = _finding(MISSING_ATTRIBUTE, str(exc), file, at.line, at.col)
        return Loaded(None, [finding], text=text, file=file)
    return Loaded(model, [], text=text, file=file)


def parse(source: str | bytes | os.PathLike[str], file: str | None = None) -> m.Response:
    """Read one document into the model; raise ``ParseError`` with findings if it is invalid."""
    loaded = load(source, file)
    if loaded.model is None:
        raise ParseError(loaded.findings)
    return loaded.model


def _dedupe(findings: list[Finding]) -> list[Finding]:
    return list(dict.fromkeys(findings))


_RE_PARSER_LIMIT = lazy_compile(r"huge text node|Huge input lookup|Resource limit")


def _syntax_finding(exc: etree.XMLSyntaxError, file: str | None, text: str = "") -> Finding:
    line, col = (int(exc.position[0]), int(exc.position[1])) if exc.position else (1, 1)
    line, col = _lone_cr_position(text, line, col)
    message = " ".join(str(exc.msg or exc).split())  # one line, as every finding
    message = re.sub(r"\s*\(<string>, line \d+\)$|\s*\(line \d+\)$", "", message)
    message = re.sub(r"\s*,? line \d+, column \d+$", "", message)  # the finding has it
    if "Detected an entity reference loop" in message or "amplification" in message:
        return _finding(UNSAFE_XML, f"entity expansion refused: {message}", file, line, col)
    if "Excessive depth" in message:  # libxml2's own limit (256) is above ours
        message = f"elements nest more than {MAX_DEPTH} deep; the limit is {MAX_DEPTH}"
        return _finding(TOO_LARGE, message, file, line, col)
    if _RE_PARSER_LIMIT.search(message):  # libxml2's size limits (huge text nodes)
        return _finding(TOO_LARGE, f"document exceeds a parser limit: {message}", file, line, col)
    return _finding(NOT_WELL_FORMED, f"document is not well-formed XML: {message}", file, line,
                    col + 1 if col == 0 else col)  # fmt: skip


def _lone_cr_position(text: str, line: int, col: int) -> tuple[int, int]:
    """libxml2 counts only LF as a line break; like every other position here, a lone CR
    (old Mac line ends) starts a new line too."""
    if "\r" not in text or not re.search(r"\r(?!\n)", text):
        return line, col
    start = 0
    for _ in range(line - 1):
        start = text.find("\n", start) + 1
        if start == 0:
            return line, col
    offset = min(start + max(col, 1) - 1, len(text))
    starts = [0] + [b.end() for b in _LINE_BREAK.finditer(text, 0, offset)]
    return len(starts), offset - starts[-1] + 1


_RE_DOCTYPE = lazy_compile(r"<!--.*?-->|<!\[CDATA\[.*?\]\]>|(?P<doctype><!DOCTYPE)", re.S)


def _dtd_finding(text: str, file: str | None, known: bool = False) -> Finding | None:
    """CF009 at the DOCTYPE (not one quoted in a comment or CDATA), if there is one."""
    found = next((f for f in _RE_DOCTYPE.finditer(text) if f.group("doctype")), None)
    if found is None and not known:
        return None
    line = text.count("\n", 0, found.start()) + 1 if found else 1
    return _finding(
        UNSAFE_XML, "document type declarations (DTD) are not allowed", file, line, 1,
        "Opentact documents never need a DTD; entities are how XXE and entity bombs work",
    )  # fmt: skip


def _unsafe(tree: Any, text: str, file: str | None) -> Finding | None:
    docinfo = tree.docinfo
    if docinfo.doctype or docinfo.internalDTD is not None or docinfo.externalDTD is not None:
        return _dtd_finding(text, file, known=True)
    return None


def _count_finding(root: Any, file: str | None, size: int) -> Finding | None:
    """CF010 at the first node past ``MAX_NODES`` (comments around the root count too)."""
    if size < _MIN_NODE_BYTES * (MAX_NODES + 1):  # too small to hold that many: no count
        return None
    nodes = chain(root.itersiblings(preceding=True), root.iter(), root.itersiblings())
    for count, node in enumerate(nodes, 1):
        if count > MAX_NODES:
            msg = f"document has more than {MAX_NODES} elements and comments; the limit is"
            return _finding(TOO_LARGE, f"{msg} {MAX_NODES}", file, node.sourceline or 1)
    return None


_MIN_NODE_BYTES = 4
"""The fewest bytes a node takes in the source: ``<a/>`` (a comment takes 7)."""


@cache
def _deeper_than(depth: int) -> etree.XPath:
    """The first element (in document order) nested more than ``depth`` deep."""
    return etree.XPath("(" + "/*" * (depth + 1) + ")[1]")


def _depth_finding(root: Any, builder: SourceTree, file: str | None) -> Finding | None:
    """CF010 at the first element past ``MAX_DEPTH``: one XPath query run by libxml2, not a
    Python walk over every element (2.8 instead of 12.9 us for a 20-element document)."""
    found: Any = _deeper_than(MAX_DEPTH)(root)
    if not found:
        return None
    msg = f"elements nest {MAX_DEPTH + 1} deep; the limit is {MAX_DEPTH}"
    at = builder.pos(found[0])
    return _finding(TOO_LARGE, msg, file, at.line, at.col)


# ---- schema errors -> findings a person can act on ----------------------------------------

_RE_ATTR = lazy_compile(r"^Element '([^']+)', attribute '([^']+)': (.*)$", re.S)
_RE_ELEM = lazy_compile(r"^Element '([^']+)': (.*)$", re.S)
_RE_MISSING = lazy_compile(r"The attribute '([^']+)' is required but missing")


def _element_at(err: Any, tree: Any, tag: str) -> Any:
    """The element an XSD error is about: by the XPath lxml reports (exact even for two
    same-named elements on one line), else the first with that tag on the error's line."""
    try:
        found = tree.xpath(err.path) if err.path else []
    except (etree.XPathError, ValueError):
        found = []
    if isinstance(found, list) and len(found) == 1 and getattr(found[0], "tag", None) == tag:
        return found[0]
    for el in tree.getroot().iter(tag):
        if el.sourceline == err.line:
            return el
    return None


def _suggest(word: str, options: list[str]) -> str | None:
    if word in _DIALECT_HINTS and _DIALECT_HINTS[word] in options:
        return f"did you mean {_DIALECT_HINTS[word]}?"
    lowered: dict[str, str] = {}
    for option in options:  # the first spelling wins: <CALLBACK> -> Callback, not callback
        lowered.setdefault(option.lower(), option)
    if word.lower() in lowered:
        return f"names are case-sensitive: did you mean {lowered[word.lower()]}?"
    import difflib  # only for a mistake

    close = difflib.get_close_matches(word, options, n=1, cutoff=0.75)
    return f"did you mean {close[0]}?" if close else None


def _schema_finding(err: Any, tree: Any, builder: SourceTree, file: str | None) -> Finding:
    line = err.line or 1
    message = err.message
    found = _RE_ATTR.match(message)
    if found:
        tag, name, rest = found.groups()
        el = _element_at(err, tree, tag)
        line, col = builder.attr_pos(el, name) if el is not None else (line, 1)
        rule = g.ELEMENTS.get(tag)
        if "is not allowed" in rest:
            options = sorted(rule.attrs) if rule else []
            hint = _suggest(name, options)
            canonical = sorted(a for a, r in rule.attrs.items() if not r.alias) if rule else []
            msg = f"unknown attribute {name} on {tag}"
            if canonical:
                msg += f" (allowed: {', '.join(canonical)})"
            return _finding(UNKNOWN_ATTRIBUTE, msg, file, line, col, hint)
        if "required but missing" in rest:
            return _finding(MISSING_ATTRIBUTE, f"{tag} needs the attribute {name}", file, line,
                            col)  # fmt: skip
        raw = el.get(name) if el is not None else None
        spec = rule.attrs[name].spec if rule and name in rule.attrs else None
        if spec is not None and raw is not None:
            try:
                spec.type.parse(raw)
                explained = rest
            except ValueError as exc:
                explained = str(exc)
            return _finding(BAD_VALUE, f"{tag} {name}: {explained}", file, line, col,
                            _value_hint(spec, raw))  # fmt: skip
        return _finding(BAD_VALUE, f"{tag} {name}: {rest}", file, line, col)
    found = _RE_ELEM.match(message)
    if found:
        tag, rest = found.groups()
        el = _element_at(err, tree, tag)
        if el is not None:
            at = builder.pos(el)
            line, col = at.line, at.col
        else:
            col = 1
        missing = _RE_MISSING.search(rest)
        if missing:  # libxml2 words it as an element error, without the attribute prefix
            message = f"{tag} needs the attribute {missing.group(1)}"
            return _finding(MISSING_ATTRIBUTE, message, file, line, col)
        if "not expected" in rest:
            parent = el.getparent() if el is not None else None
            parent_tag = parent.tag if parent is not None else "?"
            if tag not in g.ELEMENTS:
                hint = _suggest(tag, sorted(g.ELEMENTS))
                return _finding(UNKNOWN_ELEMENT, f"unknown element {tag} (not an Opentact verb)",
                                file, line, col, hint)  # fmt: skip
            return _finding(MISPLACED_ELEMENT, f"{tag} is not allowed inside {parent_tag}", file,
                            line, col, _misplaced_hint(tag, parent_tag))  # fmt: skip
        if "[facet" in rest or "not a valid value" in rest:
            rule = g.ELEMENTS.get(tag)
            ctype = rule.cls.CONTENT_TYPE if rule and rule.cls else None
            value = (el.text or "").strip() if el is not None else ""
            detail = f"{value!r} is not {ctype.expected}" if ctype else rest
            return _finding(BAD_VALUE, f"{tag} content: {detail}", file, line, col)
        if "Character content" in rest:
            return _finding(SCHEMA_OTHER, f"{tag} does not take text content", file, line, col)
        return _finding(SCHEMA_OTHER, f"{tag}: {rest}", file, line, col)
    return _finding(SCHEMA_OTHER, message, file, line, 1)


def _misplaced_hint(tag: str, parent_tag: str) -> str | None:
    """What the parent allows; for a command inside a command that does not take it (a Say
    inside a Dial), also where it goes: before that command, in the enclosing block."""
    parent = g.ELEMENTS.get(parent_tag)
    allowed = sorted(parent.children) if parent else []
    hint = "allowed here: " + ", ".join(allowed) if allowed else None
    child_cls, parent_cls = g.ELEMENTS[tag].cls, parent.cls if parent else None
    if child_cls and child_cls.IS_COMMAND and parent_cls and parent_cls.IS_COMMAND:
        move = f"put the {tag} before the {parent_tag}, not inside it"
        hint = f"{move}; {hint}" if hint else move
    return hint


_MS_PER_UNIT = {
    **dict.fromkeys(("ms", "msec", "msecs", "millisecond", "milliseconds"), 1),
    **dict.fromkeys(("s", "sec", "secs", "second", "seconds"), 1000),
    **dict.fromkeys(("min", "mins", "minute", "minutes"), 60_000),
}
"""Units people write after a duration ("5s", "5000ms", "1 min"), for the hint."""


def _value_hint(spec: m.AttrSpec, raw: str) -> str | None:
    if spec.type.name == "ms":
        found = re.fullmatch(r"\s*([0-9]*\.?[0-9]+)\s*([a-z]+)\s*", raw.lower())
        scale = _MS_PER_UNIT.get(found.group(2)) if found else None
        if found and scale:
            return f"durations are milliseconds: write {round(float(found.group(1)) * scale)}"
        return "durations are whole milliseconds, e.g. 5000 for five seconds"
    if spec.type.name in {"dowList", "stateList"} and " " in raw:
        return "write the list without spaces"
    return None


# ---- lxml tree -> model --------------------------------------------------------------------


_TAG_NAME = lazy_compile(r"<[^\s/>!?]+")
_ATTRIBUTE = lazy_compile(r"""\s+([^\s=/>]+)\s*=\s*(?:"[^"]*"|'[^']*')""")
_LINE_BREAK = positions.LINE_BREAK


class _Positions:
    """Where each element's start tag and each comment begins, by lxml node: for findings
    about a document that did not become a model (a valid one gets lazy positions from
    ``callflow.positions.SourceMap``; both pair the same markup scan with lxml's nodes)."""

    def __init__(self, text: str, root: Any) -> None:
        self._text = text
        self._starts = positions.line_starts(text)
        self._spans: dict[Any, tuple[int, int]] = {}
        marks = positions.markup(text)
        nodes = positions.document_order(root)
        if len(marks) == len(nodes) and all(
            is_comment == isinstance(n, etree._Comment)
            for (is_comment, _, _), n in zip(marks, nodes, strict=True)
        ):
            self._spans = {n: (start, end) for (_, start, end), n in zip(marks, nodes, strict=True)}

    def line_col(self, offset: int) -> tuple[int, int]:
        line = bisect.bisect_right(self._starts, offset)
        return line, offset - self._starts[line - 1] + 1

    def start(self, el: Any) -> tuple[int, int]:
        span = self._spans.get(el)
        return self.line_col(span[0]) if span else (el.sourceline or 1, 1)

    def attribute(self, el: Any, name: str) -> tuple[int, int]:
        """Line and column of attribute ``name`` in the start tag of ``el`` (else the tag)."""
        span = self._spans.get(el)
        if span is not None:
            name_end = _TAG_NAME.match(self._text, span[0])
            cursor = name_end.end() if name_end else span[1]
            while (found := _ATTRIBUTE.match(self._text, cursor, span[1])) is not None:
                if found.group(1) == name:
                    return self.line_col(found.start(1))
                cursor = found.end()
        return self.start(el)


class SourceTree:
    """A safely read, well-formed document (``read_tree``): its lxml root, decoded text and
    file name. Positions of elements and attributes are worked out on first use (most
    documents have no finding to place)."""

    def __init__(self, root: Any, text: str, file: str | None) -> None:
        self.root = root
        self.text = text
        self.file = file
        self._index: _Positions | None = None

    @property
    def _positions(self) -> _Positions:
        if self._index is None:
            self._index = _Positions(self.text, self.root)
        return self._index

    def attr_pos(self, el: Any, name: str) -> tuple[int, int]:
        """Line and column of an attribute, which may sit on a later line of its start tag."""
        return self._positions.attribute(el, name)

    def pos(self, el: Any) -> m.Pos:
        line, col = self._positions.start(el)
        return m.Pos(self.file, line, col)
