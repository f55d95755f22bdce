"""Bytes of a document to text, decided in one place for files and HTTP answers alike.

The order is XML's own (XML 1.0 appendix F): a byte order mark, else the encoding the XML
declaration names, else the charset the HTTP answer gave, else UTF-8. The parser decodes files
with it and every HTTP backend (live, in-process, canned files) decodes answers with it, so
the same bytes never read three ways. Decoding is strict: bytes that are not valid in the
chosen encoding are an error that says where, never a replacement character.
"""

from __future__ import annotations

import codecs

from callflow.frozen import record
from callflow.lazyre import lazy_compile

# UTF-32 first: its little-endian BOM starts with UTF-16's (libxml2 reads both).
_BOMS: tuple[tuple[bytes, str], ...] = (
    (b"\xef\xbb\xbf", "utf-8-sig"),
    (b"\xff\xfe\x00\x00", "utf-32"),
    (b"\x00\x00\xfe\xff", "utf-32"),
    (b"\xff\xfe", "utf-16"),
    (b"\xfe\xff", "utf-16"),
)
# A declaration without a BOM in a 16-bit encoding starts "<?" in that encoding (appendix F).
_WIDE: tuple[tuple[bytes, str], ...] = ((b"<\x00?\x00", "utf-16-le"), (b"\x00<\x00?", "utf-16-be"))
_DECL = lazy_compile(rb"""^<\?xml[^>]*?\sencoding\s*=\s*["']([A-Za-z][A-Za-z0-9._-]*)["']""")


@record
class Detected:
    codec: str
    why: str
    """Where the encoding came from, for messages: ``from the byte order mark``, ..."""


class Undecodable(ValueError):
    """The bytes are not text in the detected encoding; ``line``/``col`` say where (1-based)."""

    def __init__(self, message: str, line: int = 1, col: int = 1) -> None:
        super().__init__(message)
        self.message, self.line, self.col = message, line, col


def detect(data: bytes, charset: str | None = None, *, override: str | None = None) -> Detected:
    """The encoding of ``data``: BOM, ``override``, XML declaration, HTTP ``charset``, UTF-8.

    ``override`` is an encoding known for certain (text already decoded once and re-encoded),
    which beats the declaration but not a BOM.
    """
    for bom, codec in _BOMS:
        if data.startswith(bom):
            return Detected(codec, "from the byte order mark")
    if override:
        return Detected(override, "given by the caller")
    for start, codec in _WIDE:
        if data.startswith(start):
            return Detected(codec, "from the first bytes of the XML declaration")
    found = _DECL.match(data[:400])
    if found:
        return Detected(found.group(1).decode("ascii"), "from the XML declaration")
    if charset and charset.strip():
        return Detected(charset.strip(), "from the HTTP charset")
    return Detected("utf-8", "the default: no byte order mark, XML declaration or HTTP charset")


def decode(data: bytes, charset: str | None = None, *, override: str | None = None) -> str:
    """``data`` as text in the encoding ``detect`` finds; ``Undecodable`` when it is not."""
    found = detect(data, charset, override=override)
    why = f" ({found.why})"
    try:
        codecs.lookup(found.codec)
    except LookupError:
        raise Undecodable(f"unknown encoding {found.codec!r}{why}") from None
    try:
        return data.decode(found.codec)
    except UnicodeDecodeError as exc:
        line, col = _position(data, exc.start)
        byte = data[exc.start : exc.start + 1].hex()
        message = f"not valid {found.codec}{why}: byte 0x{byte}"
        raise Undecodable(message, line, col) from None


def decode_for_display(data: bytes, *, override: str | None = None) -> str:
    """As ``decode``, with undecodable bytes replaced: only to quote a document already refused
    (or parsed by libxml2, which checked the bytes itself) in positions and messages."""
    codec = detect(data, override=override).codec
    try:
        return data.decode(codec, "replace")
    except LookupError:
        return data.decode("utf-8", "replace")


def _position(data: bytes, offset: int) -> tuple[int, int]:
    """Line and column of a byte offset (columns count bytes: the text around it is unknown)."""
    before = data[:offset]
    line = before.count(b"\n") + 1
    return line, offset - (before.rfind(b"\n") + 1) + 1
