"""The lint result cache: a file's findings, remembered by the hash of its bytes.

Re-linting a tree where little changed should cost little more than reading it. As ruff does,
results are kept per file under a key that cannot go stale: the SHA-256 of the file's bytes
and a digest of the effective settings, inside a *namespace* for this tool (its version, the
grammar and the code that lints). Modification times are never trusted: a CI checkout gives
every file a new one, and an unchanged one does not prove unchanged content.

The store is one file per namespace in the cache folder (``.callflow_cache/`` by default):
the SHA-256 of its body on the first line, then the body, the tables as plain builtins
(dicts, lists, tuples, strings, integers) in ``marshal`` form, which loads several times
faster than JSON. The checksum is verified before the body is loaded, so a corrupt or torn
file is ignored, never trusted, and every entry's shape is checked again when it is used. It
is written whole through a temporary file and a rename, so concurrent runs never see half a
file; a run that finds the store changed since it read it merges what is on disk with its own
entries (the later writer wins; what it drops is only work to redo). The store is bounded:
entries not used recently are dropped beyond ``MAX_ENTRIES``, and stores of other namespaces
(older versions, older formats) beyond ``KEEP_NAMESPACES``.
"""

from __future__ import annotations

import contextlib
import marshal
import os
import time
from collections.abc import Iterable
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from callflow.config import Settings

if TYPE_CHECKING:
    from hashlib import _Hash
from callflow.diagnostics import Finding

ENV_DIR = "CALLFLOW_CACHE_DIR"
"""Environment variable naming the cache folder (``--cache-dir`` wins over it)."""
DEFAULT_DIR = ".callflow_cache"
MAX_ENTRIES = 200_000
"""Entries kept per namespace; the least recently used go first."""
KEEP_NAMESPACES = 4
"""Stores of other namespaces (other versions, other code) kept beside the current one."""
RACY_NS = 2_000_000_000
"""A file changed less than this long before it was read is read again next time."""
DIGEST_CHARS = 32
"""Hex digits of SHA-256 kept per file (128 bits)."""
_FORMAT = 2
_SUFFIX = ".bin"
_OLD_SUFFIXES = (".json",)
"""Stores of earlier formats, pruned like other namespaces."""
_GITIGNORE = "# Created by callflow lint: a cache, never to be committed.\n*\n"

Row = list[Any]
"""A cached finding: [code, severity, message, line, col, hint]."""
Known = tuple[int, int, int, int, str, int]
"""A file as last read: inode, size, modification and change times (ns), the digest of its
bytes, and when it was read (ns)."""


def _sha256(data: bytes) -> _Hash:
    """``hashlib.sha256``, imported on first use: with ``--no-cache`` a lint never loads
    OpenSSL's hashing library (3 ms of a one-file run's start-up)."""
    from hashlib import sha256  # after the first call, a lookup in sys.modules

    return sha256(data)


def cache_dir(given: str | None) -> Path:
    """The cache folder: ``given`` (``--cache-dir``), else ``$CALLFLOW_CACHE_DIR``, else
    ``.callflow_cache`` in the current directory."""
    return Path(given or os.environ.get(ENV_DIR) or DEFAULT_DIR)


def _package_root() -> Path:
    return Path(__file__).resolve().parent


@cache
def namespace() -> str:
    """What every cached result depends on besides the file and its settings: the tool's
    version, the grammar (XSD bytes), and the code of the package (each source file's name,
    size and modification time: a changed rule in a development checkout is a new
    namespace, while an installed release never changes)."""
    from callflow import __version__, schema

    digest = _sha256(f"callflow {__version__} format {_FORMAT}\n".encode())
    digest.update(schema.xsd_path().read_bytes())
    root = _package_root()
    for source in sorted(root.rglob("*.py")):
        st = source.stat()
        digest.update(f"{source.relative_to(root)} {st.st_size} {st.st_mtime_ns}\n".encode())
    return digest.hexdigest()[:24]


@cache
def settings_digest(settings: Settings) -> str:
    """What of a file's settings changes its findings: the codes reported, their severities.
    (``exclude`` decides whether a file is linted at all; ``source`` only names the file.)"""
    text = repr((sorted(settings.selected), sorted(settings.severities)))  # str and tuples
    return _sha256(text.encode()).hexdigest()[:16]


def digest(data: bytes) -> str:
    return _sha256(data).hexdigest()[:DIGEST_CHARS]


def content_key(digest_: str, tag: str) -> str:
    """The key of one file's result: its bytes' digest and the ``settings_digest`` of the
    settings it is linted with."""
    return digest_ + tag


def to_rows(findings: Iterable[Finding]) -> list[Row]:
    return [[f.code, f.severity, f.message, f.line, f.col, f.hint] for f in findings]


def from_rows(rows: list[Row], file: str) -> list[Finding]:
    if not rows:
        return []
    return [
        Finding(code, sev, msg, file, line, col, hint) for code, sev, msg, line, col, hint in rows
    ]


class LintCache:
    """Results of one namespace, loaded once, looked up per file, saved once at the end.

    Two tables: ``results`` maps a content key to the findings, and ``files`` maps a path to
    the digest of its bytes when it was last read, with the file's inode, size, modification
    and change times then. A file whose status is unchanged is not read again; as git does
    for its index ("racy git"), that shortcut is taken only when the file had last changed
    ``RACY_NS`` or more before it was read, so a write within the file system's timestamp
    granularity is never missed. A CI checkout changes every status: there the files are
    read and hashed, and the results still come from the cache.
    """

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.path = folder / f"lint-{namespace()}{_SUFFIX}"
        self._stamp = _stamp(self.path)
        self._results, self._files = self._read()
        self._used: dict[str, list[Row]] = {}
        self._seen: dict[str, Known] = {}
        self._added = False
        self._now = _clock()
        self.hits = 0
        self.misses = 0

    def _read(self) -> tuple[dict[str, Any], dict[str, Any]]:
        """The stored tables (each entry checked when used); empty when the store is
        missing, corrupt (its checksum differs) or of another format."""
        try:
            raw = self.path.read_bytes()
        except OSError:
            return {}, {}
        checksum, _, body = raw.partition(b"\n")
        if _sha256(body).hexdigest().encode() != checksum:
            return {}, {}  # checked before loading: marshal is only given what we wrote
        try:
            data = marshal.loads(body)
        except (ValueError, EOFError, TypeError):
            return {}, {}
        if type(data) is not tuple or len(data) != 3 or data[0] != _FORMAT:
            return {}, {}
        _, results, files = data
        if type(results) is not dict or type(files) is not dict:
            return {}, {}
        return results, files

    def unchanged(self, path: str, st: os.stat_result, tag: str) -> list[Row] | None:
        """The rows of ``path`` linted with settings ``tag`` (``settings_digest``), when its
        status shows no change since it was last read and its result is stored: the whole
        lookup of an unchanged file, in one call."""
        found = self.digest_of(path, st)
        return None if found is None else self.get(content_key(found, tag))

    def digest_of(self, path: str, st: os.stat_result) -> str | None:
        """The digest of ``path``'s bytes as last read, if its status shows no change since."""
        known = self._files.get(path)
        if type(known) is not tuple or len(known) != 6:
            return None
        ino, size, mtime, ctime, found, read_at = known
        if ino != st.st_ino or size != st.st_size or mtime != st.st_mtime_ns:
            return None
        if ctime != st.st_ctime_ns or not _trusted(read_at, mtime, ctime):
            return None  # changed, or changed too shortly before it was read: read it again
        if type(found) is not str or len(found) != DIGEST_CHARS:
            return None
        self._seen[path] = known
        return found

    def read_as(self, path: str, st: os.stat_result, digest: str) -> None:
        """``path``, whose status is ``st``, was read now and its bytes have ``digest``."""
        entry: Known = (st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns, digest, self._now)
        old: Any = self._files.get(path)
        self._seen[path] = entry
        fresh = not (type(old) is tuple and len(old) == 6 and old[:5] == entry[:5])
        if fresh or not _trusted(old[5], entry[2], entry[3]):
            self._added = True

    def get(self, key: str) -> list[Row] | None:
        """The rows stored for ``key``; None for a miss (or an entry of the wrong shape)."""
        rows = self._used.get(key)
        if rows is None:
            rows = self._results.get(key)
            if rows is None or not _is_rows(rows):
                self.misses += 1
                return None
            self._used[key] = rows
        self.hits += 1
        return rows

    def put(self, key: str, rows: list[Row]) -> None:
        self._used[key] = rows
        self._added = True

    def save(self) -> None:
        """Write the store when this run added to it: what is on disk now (another run may
        have written since this one read it), then this run's entries as the most recent.
        ``OSError`` if the folder cannot be written."""
        if not self._added:
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        ignore = self.folder / ".gitignore"
        if not ignore.exists():
            _write_atomic(ignore, _GITIGNORE.encode())
        if _stamp(self.path) == self._stamp:
            results, files = self._results, self._files
        else:
            results, files = self._read()
        store = (_FORMAT, _recent(results, self._used), _recent(files, self._seen))
        data = marshal.dumps(store)
        _write_atomic(self.path, _sha256(data).hexdigest().encode() + b"\n" + data)
        self._prune_namespaces()

    def _prune_namespaces(self) -> None:
        others = [
            p
            for suffix in (_SUFFIX, *_OLD_SUFFIXES)
            for p in self.folder.glob(f"lint-*{suffix}")
            if p != self.path
        ]
        others.sort(key=_mtime, reverse=True)
        for old in others[KEEP_NAMESPACES:]:
            with contextlib.suppress(OSError):
                old.unlink()


def _recent(stored: dict[str, Any], used: dict[str, Any]) -> dict[str, Any]:
    """The stored entries with this run's last (most recent), at most ``MAX_ENTRIES``."""
    merged = {k: v for k, v in stored.items() if k not in used}
    merged.update(used)
    if len(merged) > MAX_ENTRIES:
        merged = dict(list(merged.items())[len(merged) - MAX_ENTRIES :])
    return merged


_clock = time.time_ns
"""When this run read its files (replaced in tests that need another time)."""


def _trusted(read_at: object, mtime: int, ctime: int) -> bool:
    """Whether the file had last changed long enough before it was read (``RACY_NS``)."""
    return type(read_at) is int and read_at - max(mtime, ctime) >= RACY_NS


def _is_rows(value: object) -> bool:
    """A list of [code, severity, message, line, col, hint], with exactly these types."""
    if type(value) is not list:
        return False
    for row in value:  # most files: none
        if type(row) is not list or tuple(map(type, row)) not in _ROW_TYPES:
            return False
    return True


_ROW_TYPES = frozenset({(str, str, str, int, int, str), (str, str, str, int, int, type(None))})


def _stamp(path: Path) -> tuple[int, int, int] | None:
    """Whether the store changed since it was read (size, inode, modification time)."""
    try:
        st = path.stat()
    except OSError:
        return None
    return (st.st_size, st.st_ino, st.st_mtime_ns)


def _write_atomic(path: Path, data: bytes) -> None:
    """A temporary file in the same folder, then a rename: readers see old or new, whole.

    Not flushed to disk (a cache is not worth an fsync per run): a store torn by a power cut
    fails its checksum and is ignored.
    """
    import tempfile  # only when saving

    fd, temp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        os.replace(temp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return 0.0
